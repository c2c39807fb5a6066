import type { LedgerEvent, MeterSampled, SessionEnded, SessionStarted } from '@chargeledger/ledger-queue';
import { TRANSIENT_KEYS, type CloseSessionRequest, type OpenSessionRequest, type OpenSessionResult, type ResultOf, type SettledFigures, type SettlementRefusal, type SettlementRefusalCode } from '@chargeledger/chaincode/api';
import type { ChargingLedger } from '@chargeledger/ledger-client';

/** What applying an event did, reported back to the CSMS (e.g. to stop a charger whose hold was refused). */
export type Outcome =
  /** `tariff`: the version frozen at the open, which prices the session's readings (ADR 0032). */
  | { readonly kind: 'session-opened'; readonly sessionId: string; readonly holdAmount: number; readonly driverAccountId: string; readonly tariff?: { readonly tariffId: string; readonly version: number } }
  | { readonly kind: 'hold-refused'; readonly sessionId: string; readonly chargerId: string; readonly reason: string }
  | { readonly kind: 'progress-recorded'; readonly sessionId: string; readonly estimatedCost: number; readonly holdExhausted: boolean; readonly chargerId: string }
  /** Priced by the bridge on the frozen tariff and not written to the ledger: the progress rule did not ask for it (ADR 0032). */
  | { readonly kind: 'progress-estimated'; readonly sessionId: string; readonly estimatedCost: number; readonly holdExhausted: boolean; readonly chargerId: string }
  /** Not applied: a later reading of the session, or its end, was applied first, and the ledger keeps the latest. */
  | { readonly kind: 'progress-superseded'; readonly sessionId: string }
  | { readonly kind: 'session-settled'; readonly sessionId: string; readonly charged: number; readonly energyWh: number; readonly verification: 'verified' | 'unverified' }
  /** The ledger refused the settlement for good and recorded it (ADR 0025): the hold is released, nothing charged. */
  | { readonly kind: 'session-refused'; readonly sessionId: string; readonly code: SettlementRefusalCode; readonly reason: string; readonly released: number };

/**
 * Turns one protocol-free event into its chaincode calls, one transaction each (the worker opens and settles
 * through a SessionBatcher instead, several sessions a transaction, and writes progress by ADR 0032's rule). The event id is the chaincode's idempotency
 * key, so applying an event twice (a redelivered job) returns the first result and changes nothing.
 * A charger's identity is its station id on the ledger.
 */
export async function applyEvent(ledger: ChargingLedger, event: LedgerEvent): Promise<Outcome> {
  switch (event.kind) {
    case 'SessionStarted':
      return openSession(ledger, event);
    case 'MeterSampled':
      return recordProgress(ledger, event);
    case 'SessionEnded':
      return closeSession(ledger, event);
  }
}

/** The open of a session's start, on the driver's account Wallets resolved its token to. */
export function openRequestOf(event: SessionStarted, resolved: Readonly<{ accountId: string; tokenRef: string }>): OpenSessionRequest {
  return {
    eventId: event.eventId,
    sessionId: event.sessionId,
    stationId: event.chargerId,
    evseId: String(event.evseId),
    connectorId: String(event.connectorId),
    driverAccountId: resolved.accountId,
    tokenRef: resolved.tokenRef,
    // The charger's start, not the moment the bridge got to it: a backlog after an outage still settles.
    startedAtMs: Date.parse(event.startedAt),
  };
}

/**
 * The driver's account a start's token belongs to, and the proof the open carries instead of the token. The
 * token → account link lives in the Wallets organization's private collection: only its peers can resolve
 * it, so the raw token goes to a Wallets peer alone, in the transient map.
 */
export function resolveToken(ledger: ChargingLedger, event: SessionStarted): Promise<ResultOf<'Wallet:resolveIdToken'>> {
  return ledger.evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: event.idToken }, endorsingOrganizations: ['WalletsMSP'] });
}

async function openSession(ledger: ChargingLedger, event: SessionStarted): Promise<Outcome> {
  const resolved = await resolveToken(ledger, event);
  const request = openRequestOf(event, resolved);
  return openedOutcome(request, await ledger.submit('Session:openSession', request, { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } }));
}

/** What an open the ledger applied (alone, or as one of a Session:openSessions batch) is reported as. */
export function openedOutcome(request: OpenSessionRequest, opened: OpenSessionResult): Outcome {
  if (opened.status !== 'opened') return { kind: 'hold-refused', sessionId: request.sessionId, chargerId: request.stationId, reason: opened.refusedReason ?? 'refused' };
  const tariff = opened.tariffId === undefined || opened.tariffVersion === undefined ? {} : { tariff: { tariffId: opened.tariffId, version: opened.tariffVersion } };
  return { kind: 'session-opened', sessionId: request.sessionId, holdAmount: opened.holdAmount, driverAccountId: request.driverAccountId, ...tariff };
}

async function recordProgress(ledger: ChargingLedger, event: MeterSampled): Promise<Outcome> {
  const progress = await ledger.submit('Session:recordProgress', { eventId: event.eventId, sessionId: event.sessionId, energyWh: event.registerWh - event.meterStartWh });
  return { kind: 'progress-recorded', sessionId: event.sessionId, chargerId: event.chargerId, estimatedCost: progress.estimatedCost, holdExhausted: progress.holdExhausted };
}

/**
 * The settlement of a session's end, and its signed records (for the transient map) if it has any: OCMF
 * evidence when the charger sent signed records, its unsigned readings otherwise; the end of charging when the
 * charger reported one.
 */
export function settlementOf(event: SessionEnded): { readonly request: CloseSessionRequest; readonly records: readonly string[] } {
  const records = event.evidence.flatMap((evidence) => evidence.records);
  const evidence: CloseSessionRequest['evidence'] =
    records.length > 0
      ? { kind: 'ocmf' }
      : { kind: 'unsigned', startTimeMs: Date.parse(event.startedAt), endTimeMs: Date.parse(event.endedAt), startRegisterWh: event.meterStartWh, endRegisterWh: event.meterStopWh };
  const chargingEndMs = event.chargingEndedAt === undefined ? Number.NaN : Date.parse(event.chargingEndedAt);
  const request = { eventId: event.eventId, sessionId: event.sessionId, evidence, ...(Number.isSafeInteger(chargingEndMs) && chargingEndMs >= 0 ? { chargingEndMs } : {}) };
  return { request, records };
}

async function closeSession(ledger: ChargingLedger, event: SessionEnded): Promise<Outcome> {
  const { request, records } = settlementOf(event);
  const result = records.length > 0 ? await ledger.submit('Session:closeSession', request, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } }) : await ledger.submit('Session:closeSession', request);
  return settledOutcome(event.sessionId, result);
}

/**
 * What a settlement the ledger applied (alone, or as one of a Session:closeSessions batch) is reported as:
 * settled with its figures, or refused for good with the refusal recorded on the ledger (ADR 0025).
 */
export function settledOutcome(sessionId: string, result: Pick<SettledFigures, 'charged' | 'energyWh' | 'verification'> | Readonly<{ refusal: SettlementRefusal; released: number }>): Outcome {
  if ('refusal' in result) return { kind: 'session-refused', sessionId, code: result.refusal.code, reason: result.refusal.reason, released: result.released };
  return { kind: 'session-settled', sessionId, charged: result.charged, energyWh: result.energyWh, verification: result.verification };
}
