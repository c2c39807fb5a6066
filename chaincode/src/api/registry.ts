import type { Idempotent } from './common';

/** Stations, EVs, meters and tariffs. */

export type ConnectorType =
  | 'IEC_62196_T1'
  | 'IEC_62196_T2'
  | 'IEC_62196_T2_COMBO'
  | 'IEC_62196_T1_COMBO'
  | 'CHADEMO'
  | 'DOMESTIC_F'
  | 'TESLA_S';

export interface Connector {
  readonly connectorId: string;
  readonly type: ConnectorType;
  readonly maxPowerW: number;
}
export interface Evse {
  readonly evseId: string;
  readonly connectors: readonly Connector[];
}
/**
 * What the operator decides about its station's sessions. Whether a station may settle from unsigned meter
 * data is not the operator's to decide: see UnsignedMeterDataPermission.
 */
export interface StationPolicy {
  /** The smallest hold worth opening a session for. */
  readonly minimumHold: number;
}

/**
 * The Authority's permission for a station with a legacy meter to settle sessions from meter data that
 * carries no signature (receipt `unverified`), until an expiry, within a cap on what such a session may
 * bill (ADR 0013): the energy billed is at most maxEnergyWh, and at most maxPowerW over the time from the
 * session's start to its close.
 */
export interface UnsignedMeterDataTerms {
  readonly maxEnergyWh: number;
  readonly maxPowerW: number;
  /** Sessions opened from this time on get no permission; those opened before keep it. */
  readonly validUntilMs: number;
  /** The Authority's transaction that granted it. */
  readonly grantedTxId: string;
}
export interface UnsignedMeterDataPermission extends UnsignedMeterDataTerms {
  readonly stationId: string;
  readonly grantedAtMs: number;
  readonly status: 'granted' | 'revoked';
  readonly revokedAtMs?: number;
}
export interface AllowUnsignedMeterDataRequest extends Idempotent {
  readonly stationId: string;
  /** At most 366 days after the transaction: a permission is renewed, never open-ended. */
  readonly validUntilMs: number;
  readonly maxEnergyWh: number;
  readonly maxPowerW: number;
}
export interface RevokeUnsignedMeterDataRequest extends Idempotent {
  readonly stationId: string;
}
export interface Station {
  readonly stationId: string;
  readonly operatorId: string;
  /** Operator account credited with this station's sessions. */
  readonly payeeAccountId: string;
  readonly latMicroDeg: number;
  readonly lonMicroDeg: number;
  readonly evses: readonly Evse[];
  readonly policy: StationPolicy;
  /** Tariff for new sessions: the version in force at a session's start applies. */
  readonly tariffId?: string;
  /** Registry:getStation only: the Authority's permission for unsigned meter data, if one was ever granted. */
  readonly unsignedMeterData?: UnsignedMeterDataPermission;
}
export interface RegisterStationRequest extends Idempotent, Omit<Station, 'operatorId' | 'unsignedMeterData'> {}
export interface UpdateStationRequest extends Idempotent {
  readonly stationId: string;
  readonly evses?: readonly Evse[];
  readonly policy?: StationPolicy;
  readonly tariffId?: string;
  readonly payeeAccountId?: string;
}
/**
 * An operator admitted to the consortium and the organization it acts through (ADR 0038). Only identities of
 * that MSP act for the operator; the binding is never moved or removed.
 */
export interface OperatorOrganization {
  readonly operatorId: string;
  readonly mspId: string;
  readonly admittedAtMs: number;
  /** The Authority's transaction that admitted it. */
  readonly admittedTxId: string;
}
export interface AdmitOperatorRequest extends Idempotent {
  readonly operatorId: string;
  /** An operator organization of the channel: `OperatorsMSP` or `Operators<name>MSP`. */
  readonly mspId: string;
}
export interface OperatorQuery {
  readonly operatorId: string;
}

export interface StationQuery {
  readonly stationId: string;
}
export interface NearQuery {
  readonly latMicroDeg: number;
  readonly lonMicroDeg: number;
  readonly radiusM: number;
}
export interface NearResult {
  readonly stations: readonly (Station & { readonly distanceM: number })[];
}

export interface Ev {
  readonly evId: string;
  readonly ownerAccountId: string;
  readonly batteryCapacityWh: number;
}
export interface RegisterEvRequest extends Idempotent, Ev {}

export type MeterBinding =
  | { readonly kind: 'evse'; readonly stationId: string; readonly evseId: string }
  | { readonly kind: 'export-point'; readonly prosumerId: string; readonly exportPointId: string };

export interface MeterKey {
  readonly keyId: string;
  /** SPKI DER, hex or base64, as the meter manufacturer publishes it. */
  readonly publicKey: string;
  readonly status: 'current' | 'retired' | 'revoked';
  readonly registeredAtMs: number;
  readonly revokedAtMs?: number;
}
export interface Meter {
  readonly meterSerial: string;
  readonly binding: MeterBinding;
  readonly keys: readonly MeterKey[];
}
export interface RegisterMeterRequest extends Idempotent {
  readonly meterSerial: string;
  readonly binding: MeterBinding;
  readonly keyId: string;
  readonly publicKey: string;
}
export interface RotateMeterKeyRequest extends Idempotent {
  readonly meterSerial: string;
  readonly keyId: string;
  readonly publicKey: string;
}
export interface RevokeMeterKeyRequest extends Idempotent {
  readonly meterSerial: string;
  readonly keyId: string;
}
export interface MeterQuery {
  readonly meterSerial: string;
}

export interface PublishTariffRequest extends Idempotent {
  /**
   * With `timeZone`: an OCPI 2.2.1 Tariff object (docs/tariffs.md), published as the next version of its `id`
   * and priced under pricing rules 2. Without: a tariff of the first rules (chaincode/src/pricing/README.md)
   * carrying its own `id` and `version`, which must be the next integer. The first version of an id makes the
   * caller's operator its owner.
   */
  readonly tariff: unknown;
  /** The IANA time zone of the tariff's location (OCPI Location.time_zone), e.g. "Europe/Berlin". */
  readonly timeZone?: string;
}
export interface TariffRecord {
  readonly tariffId: string;
  readonly version: number;
  readonly operatorId: string;
  readonly currency: string;
  /**
   * What pricing takes: a first-rules tariff as validateTariff returned it, or, for an OCPI tariff,
   * `{pricingRules: 2, version, timeZone, zone, ocpi}` with the zone's rules frozen at publication (ADR 0031).
   */
  readonly tariff: unknown;
  readonly publishedAtMs: number;
  readonly txId: string;
}
export interface TariffQuery {
  readonly tariffId: string;
  /** Latest when absent. */
  readonly version?: number;
}
