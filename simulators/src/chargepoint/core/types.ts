import type { SignedMeterReading } from '../../meter/smart-meter';

/**
 * The protocol-free vocabulary of a charge point. OCPP 1.6 and 2.0.1 adapters translate to and from these
 * types; nothing in core/ knows a message name.
 */

/** The 1.6 ChargePointStatus values; 2.0.1 folds Preparing…Finishing into Occupied. */
export type ConnectorStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEV'
  | 'SuspendedEVSE'
  | 'Finishing'
  | 'Unavailable'
  | 'Faulted';

/** 2.0.1 IdTokenEnumType; 1.6 only carries the value (as idTag). */
export type IdTokenType = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';

export interface IdToken {
  readonly value: string;
  readonly type: IdTokenType;
}

export type AuthorizationStatus =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';

/**
 * How the charge point came to accept a token; it decides the OCMF identification level. `LocalList`: the CSMS
 * could not be asked and the local authorization list accepted the token; `Offline`: it was accepted unknown.
 */
export type AuthorizationSource = 'Csms' | 'RemoteStart' | 'LocalList' | 'Offline';

export type StartTrigger = 'Authorized' | 'RemoteStart' | 'CablePluggedIn';

/** 1.6 Reason values; the 2.0.1 adapter maps them onto ReasonEnumType. */
export type StopReason =
  | 'Local'
  | 'Remote'
  | 'EVDisconnected'
  | 'DeAuthorized'
  | 'HardReset'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'PowerLoss'
  | 'EmergencyStop'
  | 'Other';

/** Either the station-wide connector number (1.6 connectorId, 1-based across EVSEs) or an EVSE and its connector. */
export type ConnectorRef = number | { readonly evseId: number; readonly connectorId: number };

export interface Transaction {
  /** Chosen by the charge point (2.0.1 transactionId); the 1.6 adapter maps it to the id the CSMS assigns. */
  readonly id: string;
  readonly evseId: number;
  readonly connectorId: number;
  /** Station-wide connector number. */
  readonly connectorNumber: number;
  readonly token: IdToken;
  readonly authorizedBy: AuthorizationSource;
  readonly trigger: StartTrigger;
  readonly remoteStartId?: number;
  readonly startedAtMs: number;
  readonly meterStartWh: number;
  /** The meter's signed begin record. */
  readonly begin: SignedMeterReading;
}

export interface ConnectorView {
  readonly evseId: number;
  readonly connectorId: number;
  readonly connectorNumber: number;
  readonly status: ConnectorStatus;
  readonly transaction?: Transaction;
}

export interface MeterSample {
  readonly timestampMs: number;
  readonly registerWh: number;
  readonly powerW: number;
  readonly socPercent?: number;
  /** Present when the settings ask for signed intermediate readings. */
  readonly signed?: SignedMeterReading;
}

export type SampleContext = 'Sample.Periodic' | 'Trigger';

/**
 * What the station tells the protocol side. The adapter turns each call into messages; transaction calls must
 * be queued when offline, never dropped.
 */
export interface StationPort {
  /** Asks the CSMS about a token; undefined when it cannot be asked (offline, no answer). */
  authorize(token: IdToken): Promise<AuthorizationStatus | undefined>;
  connectorStatusChanged(view: ConnectorView): void;
  /** Resolves once the start is delivered, or queued while offline. */
  transactionStarted(transaction: Transaction): Promise<void>;
  transactionSampled(transaction: Transaction, sample: MeterSample, context: SampleContext): void;
  transactionEnded(transaction: Transaction, end: SignedMeterReading, reason: StopReason): Promise<void>;
}
