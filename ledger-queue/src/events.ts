import type { RefusedOnLedger, SettledOnLedger } from './settlement';

/**
 * The contract between the CSMS and the ledger bridge: one queue, protocol-free events, deterministic job
 * ids. A job id is also the event id the chaincode uses for idempotency, so a charger's retry, a CSMS
 * restart or a second publish of the same fact can never become a second ledger transaction.
 */

/** Signed meter evidence as the charger sent it: OCMF records (`OCMF|payload|signature`), decoded from base64. */
export interface MeterEvidence {
  readonly format: 'OCMF';
  readonly records: readonly string[];
  /** The meter's public key as the charger reported it (informational: the ledger trusts only Authority's key). */
  readonly publicKey?: string;
}

interface SessionEventBase {
  readonly eventId: string;
  /** `<chargerId>-<ocppTransactionId>`: unique across chargers and protocol versions. */
  readonly sessionId: string;
  /** The charger's OCPP identity: its station id on the ledger. */
  readonly chargerId: string;
  /** The OCPP transaction id (1.6: the integer the CSMS allocated, in decimal; 2.0.1: the charger's own). */
  readonly ocppTransactionId: string;
  readonly protocol: '1.6' | '2.0.1';
}

export interface SessionStarted extends SessionEventBase {
  readonly kind: 'SessionStarted';
  readonly evseId: number;
  readonly connectorId: number;
  /**
   * The raw token, the only event that holds it: the bridge sends it once, in the transient map, to a Wallets
   * peer that resolves it to the driver's account (decision 15 says who can read it while it is queued).
   */
  readonly idToken: string;
  readonly startedAt: string;
  readonly meterStartWh: number;
  readonly evidence: readonly MeterEvidence[];
}

export interface MeterSampled extends SessionEventBase {
  readonly kind: 'MeterSampled';
  readonly meterStartWh: number;
  readonly sampledAt: string;
  readonly registerWh: number;
  readonly evidence: readonly MeterEvidence[];
}

export interface SessionEnded extends SessionEventBase {
  readonly kind: 'SessionEnded';
  readonly startedAt: string;
  readonly meterStartWh: number;
  readonly endedAt: string;
  readonly meterStopWh: number;
  readonly reason: string;
  readonly evidence: readonly MeterEvidence[];
  /**
   * When the charger last said charging ended while the vehicle stayed plugged in (2.0.1 chargingState leaving
   * Charging, 1.6 StatusNotification SuspendedEV or Finishing), if it did not resume: the ledger prices the time
   * after it as parking. Absent when charging lasted to the end (or the charger never said).
   */
  readonly chargingEndedAt?: string;
}

export type LedgerEvent = SessionStarted | MeterSampled | SessionEnded;
export type LedgerEventKind = LedgerEvent['kind'];

/** The id of a session's end, known before it arrives (e.g. to ask whether it is queued). */
export function endedEventId(sessionId: string): string {
  return `ended.${sessionId}`;
}

/** BullMQ refuses `:` in custom ids; event ids use `.` between their parts. */
export function eventIdFor(event: Omit<SessionStarted, 'eventId'> | Omit<MeterSampled, 'eventId'> | Omit<SessionEnded, 'eventId'>): string {
  switch (event.kind) {
    case 'SessionStarted':
      return `started.${event.sessionId}`;
    case 'SessionEnded':
      return endedEventId(event.sessionId);
    case 'MeterSampled':
      return `sampled.${event.sessionId}.${Date.parse(event.sampledAt)}`;
  }
}

/**
 * What the ledger said back that the CSMS must act on: the driver's hold was refused at the open, or the
 * session's cost has reached its hold. Either way the CSMS stops the session on the charger. Published by
 * the ledger bridge's worker on the outcomes queue with job id `outcome.<event id>`.
 */
export interface HoldOutcome {
  readonly kind: 'HoldRefused' | 'HoldExhausted';
  /** The event whose application produced this outcome. */
  readonly eventId: string;
  readonly sessionId: string;
  readonly chargerId: string;
  readonly reason: string;
}

/**
 * A settlement the ledger committed, read from the chaincode's events by the bridge's listener (whoever
 * submitted it), with job id `outcome.settled.<session id>`: the CSMS records what the driver was charged and
 * where on the ledger, once, however often the listener replays the event after a restart.
 */
export interface SettlementOutcome extends SettledOnLedger {
  readonly kind: 'SessionSettled';
  readonly sessionId: string;
  readonly chargerId: string;
}

/**
 * A settlement the ledger refused for good and recorded (ADR 0025): the session is over, its hold released,
 * nothing charged. Read from the chaincode's events like a settlement, with the same job id: a session ends
 * once, settled or refused.
 */
export interface SettlementRefusedOutcome extends RefusedOnLedger {
  readonly kind: 'SessionRefused';
  readonly sessionId: string;
  readonly chargerId: string;
}

/** How the ledger ended a session: settled, or refused for good. */
export type SessionEndOutcome = SettlementOutcome | SettlementRefusedOutcome;

/**
 * The tariff version the ledger froze for a session, as Tariff:getTariff returned it: what the CSMS prices the
 * running cost with, with the chaincode's own pricing code, so the figure the charger shows is the ledger's.
 */
export interface FrozenTariff {
  readonly tariffId: string;
  readonly version: number;
  readonly currency: string;
  /** What the chaincode's priceSession takes (TariffRecord.tariff): a first-rules tariff or an OCPI-priced one. */
  readonly priced: unknown;
}

/**
 * The ledger opened the session: the hold placed and the tariff frozen at its start. Published by the bridge's
 * worker with job id `outcome.<event id>` of the SessionStarted event, so the CSMS can show the driver the
 * price as the ledger will compute it (ADR 0033).
 */
export interface SessionOpenedOutcome {
  readonly kind: 'SessionOpened';
  readonly eventId: string;
  readonly sessionId: string;
  readonly chargerId: string;
  /** Minor units of `tariff.currency`: the most the session can charge. */
  readonly holdAmount: number;
  readonly tariff: FrozenTariff;
}

export type LedgerOutcome = HoldOutcome | SessionOpenedOutcome | SessionEndOutcome;

/** The job id of a session's end on the outcomes queue, settled or refused. */
export const settlementOutcomeJobId = (sessionId: string): string => `outcome.settled.${sessionId}`;
