import type { Logger } from 'pino';
import type { LedgerEvent, MeterEvidence } from '@chargeledger/ledger-queue';
import type { IdTokenRegistry } from '../stores/id-tokens';
import { type SessionFlag, sessionIdOf, type SessionState, type SessionStop } from './session-state';
import { ledgerMayNeed } from './ledger-readings';
import type { SessionPricing } from './running-cost';

/** What the ledger needs from one meter value, whatever the protocol version. */
export interface Reading {
  readonly timestamp: string;
  readonly registerWh?: number;
  readonly evidence: readonly MeterEvidence[];
}

/** Where sessions are kept between a charger's messages (the CSMS's SessionStore in Redis). */
export interface SessionRecords {
  get(sessionId: string): Promise<SessionState | undefined>;
  create(state: SessionState): Promise<void>;
  put(state: SessionState): Promise<void>;
  /** Keeps the first stop of a session and answers it, with whether this one was the first. */
  recordStop(sessionId: string, stop: SessionStop): Promise<{ readonly stop: SessionStop; readonly first: boolean }>;
  /** When the charger said charging ended in the session, if it did and did not resume. */
  chargingEndedAt(sessionId: string): Promise<string | undefined>;
}

type SessionEventKind = 'SessionStarted' | 'MeterSampled' | 'SessionEnded';
/** A session's ledger event before the sink gives it its id. */
export type SessionEvent = LedgerEvent extends infer E ? (E extends LedgerEvent & { readonly kind: SessionEventKind } ? Omit<E, 'eventId'> : never) : never;

/** Where a session's ledger events go; `publish` resolves only once the event is stored durably. */
export interface SessionEventSink {
  publish(event: SessionEvent): Promise<unknown>;
}

/** What the session lifecycle needs from the one charger whose message is being handled. */
export interface SessionContext {
  readonly chargerId: string;
  readonly log: Logger;
  readonly sessions: SessionRecords;
  readonly events: SessionEventSink;
  readonly tokens: Pick<IdTokenRegistry, 'digest'>;
  /** Counts a session flag; the session and the log say which session. */
  readonly sessionFlagged: (flag: SessionFlag) => void;
  /**
   * The hold and frozen tariff the ledger opened a session with, once the CSMS heard of it: readings the ledger
   * cannot need are then kept off the queue (ADR 0032). Absent: every reading is published (an audit trail asked
   * for every N minutes, or no ledger answer yet).
   */
  readonly pricing?: (sessionId: string) => Promise<SessionPricing | undefined>;
}

/**
 * Protocol-free session lifecycle. Each step publishes its event durably before returning, and the OCPP
 * handler answers the charger only after that, so an acknowledged message is never lost; a failure to
 * publish propagates and the charger is answered with an error and retries.
 */
export type StartInput = Pick<SessionState, 'ocppTransactionId' | 'protocol' | 'evseId' | 'connectorId' | 'idToken' | 'startedAt' | 'meterStartWh' | 'evidence'>;

export async function startSession(ctx: SessionContext, input: StartInput): Promise<SessionState> {
  const sessionId = sessionIdOf(ctx.chargerId, input.ocppTransactionId);
  const existing = await ctx.sessions.get(sessionId);
  const state: SessionState = existing ?? {
    sessionId,
    chargerId: ctx.chargerId,
    ocppTransactionId: input.ocppTransactionId,
    protocol: input.protocol,
    evseId: input.evseId,
    connectorId: input.connectorId,
    idToken: input.idToken,
    startedAt: input.startedAt,
    meterStartWh: input.meterStartWh,
    lastRegisterWh: input.meterStartWh,
    ended: false,
    evidence: input.evidence,
  };
  await ctx.events.publish({
    kind: 'SessionStarted',
    sessionId,
    chargerId: ctx.chargerId,
    ocppTransactionId: state.ocppTransactionId,
    protocol: state.protocol,
    evseId: state.evseId,
    connectorId: state.connectorId,
    idToken: state.idToken,
    startedAt: state.startedAt,
    meterStartWh: state.meterStartWh,
    evidence: state.evidence,
  });
  if (existing === undefined) await ctx.sessions.create(state);
  ctx.log.info({ sessionId, token: ctx.tokens.digest(input.idToken), meterStartWh: input.meterStartWh }, 'session started');
  return state;
}

/**
 * Publishes each reading that carries a register value and that the ledger may need; a register that goes
 * backwards is flagged, not published. Every reading's signed records stay with the session for its end.
 */
export async function recordReadings(ctx: SessionContext, state: SessionState, readings: readonly Reading[]): Promise<SessionState> {
  let current = state;
  const pricing = ctx.pricing === undefined || !readings.some((reading) => reading.registerWh !== undefined) ? undefined : await ctx.pricing(state.sessionId);
  for (const reading of readings) {
    current = { ...current, evidence: mergeEvidence(current.evidence, reading.evidence) };
    if (reading.registerWh === undefined) continue;
    if (reading.registerWh < current.lastRegisterWh) {
      ctx.log.warn({ sessionId: state.sessionId, registerWh: reading.registerWh, lastRegisterWh: current.lastRegisterWh }, 'meter value went backwards; ignored');
      continue;
    }
    if (pricing !== undefined && !ledgerMayNeed(pricing, state, { timestamp: reading.timestamp, registerWh: reading.registerWh })) {
      current = { ...current, lastRegisterWh: reading.registerWh };
      continue;
    }
    await ctx.events.publish({
      kind: 'MeterSampled',
      sessionId: state.sessionId,
      chargerId: state.chargerId,
      ocppTransactionId: state.ocppTransactionId,
      protocol: state.protocol,
      meterStartWh: state.meterStartWh,
      sampledAt: reading.timestamp,
      registerWh: reading.registerWh,
      evidence: reading.evidence,
    });
    current = { ...current, lastRegisterWh: reading.registerWh };
  }
  await ctx.sessions.put(current);
  return current;
}

export interface EndInput {
  readonly endedAt: string;
  readonly meterStopWh: number;
  readonly reason: string;
  readonly readings: readonly Reading[];
}

/**
 * Ends a session once: the first stop recorded is final, and both the session the admin API shows and the
 * SessionEnded event are built from it. A repeated stop (a charger's retry, or a second stop that says
 * something else) publishes the first stop's event again, which the queue and the chaincode take once by its
 * id; one that differs is flagged. The end event carries every signed record seen in the session, so the
 * ledger can check the whole chain.
 */
export async function endSession(ctx: SessionContext, state: SessionState, input: EndInput): Promise<SessionState> {
  const chargingEndedAt = await ctx.sessions.chargingEndedAt(state.sessionId);
  const offered = {
    endedAt: input.endedAt,
    meterStopWh: input.meterStopWh,
    reason: input.reason,
    evidence: input.readings.reduce((all, reading) => mergeEvidence(all, reading.evidence), state.evidence),
    // Parking is what follows the end of charging; an end reported at or after the stop is none.
    ...(chargingEndedAt !== undefined && Date.parse(chargingEndedAt) < Date.parse(input.endedAt) ? { chargingEndedAt } : {}),
  };
  // A session ended before stops were recorded apart keeps the stop it shows.
  const shown = state.ended && state.endedAt !== undefined && state.meterStopWh !== undefined ? { endedAt: state.endedAt, meterStopWh: state.meterStopWh, reason: state.stopReason ?? input.reason, evidence: state.evidence } : undefined;
  const recorded = await ctx.sessions.recordStop(state.sessionId, shown ?? offered);
  const { stop } = recorded;
  const first = recorded.first && shown === undefined;
  const flags = new Set(state.flags ?? []);
  if (!first && (offered.meterStopWh !== stop.meterStopWh || offered.endedAt !== stop.endedAt)) {
    flag(ctx, flags, 'repeated-stop-differs', 'a repeated stop differs from the first; the first stands', {
      sessionId: state.sessionId,
      meterStopWh: stop.meterStopWh,
      endedAt: stop.endedAt,
      repeatedMeterStopWh: offered.meterStopWh,
      repeatedEndedAt: offered.endedAt,
    });
  }
  if (first && stop.meterStopWh < state.meterStartWh) {
    flag(ctx, flags, 'meter-stop-below-start', 'meter stop is below meter start', { sessionId: state.sessionId, meterStartWh: state.meterStartWh, meterStopWh: stop.meterStopWh });
  } else if (first && stop.meterStopWh < state.lastRegisterWh) {
    ctx.log.warn({ sessionId: state.sessionId, meterStopWh: stop.meterStopWh, lastRegisterWh: state.lastRegisterWh }, 'meter stop is below an earlier reading');
  }
  await ctx.events.publish({
    kind: 'SessionEnded',
    sessionId: state.sessionId,
    chargerId: state.chargerId,
    ocppTransactionId: state.ocppTransactionId,
    protocol: state.protocol,
    startedAt: state.startedAt,
    meterStartWh: state.meterStartWh,
    endedAt: stop.endedAt,
    meterStopWh: stop.meterStopWh,
    reason: stop.reason,
    evidence: stop.evidence,
    ...(stop.chargingEndedAt === undefined ? {} : { chargingEndedAt: stop.chargingEndedAt }),
  });
  const ended: SessionState = {
    ...state,
    evidence: stop.evidence,
    ended: true,
    endedAt: stop.endedAt,
    stopReason: stop.reason,
    meterStopWh: stop.meterStopWh,
    ...(stop.chargingEndedAt === undefined ? {} : { chargingEndedAt: stop.chargingEndedAt }),
    lastRegisterWh: Math.max(state.lastRegisterWh, stop.meterStopWh),
    flags: [...flags],
  };
  await ctx.sessions.put(ended);
  if (first) ctx.log.info({ sessionId: state.sessionId, energyWh: stop.meterStopWh - state.meterStartWh, reason: stop.reason }, 'session ended');
  return ended;
}

/** A flag is counted and logged each time it is raised, and kept on the session once. */
function flag(ctx: SessionContext, flags: Set<SessionFlag>, raised: SessionFlag, message: string, fields: Record<string, unknown>): void {
  flags.add(raised);
  ctx.sessionFlagged(raised);
  ctx.log.warn({ ...fields, flagged: raised }, message);
}

function mergeEvidence(known: readonly MeterEvidence[], added: readonly MeterEvidence[]): MeterEvidence[] {
  const seen = new Set(known.flatMap((e) => e.records));
  const merged = [...known];
  for (const evidence of added) {
    const fresh = evidence.records.filter((record) => !seen.has(record));
    fresh.forEach((record) => seen.add(record));
    if (fresh.length > 0) merged.push({ ...evidence, records: fresh });
  }
  return merged;
}
