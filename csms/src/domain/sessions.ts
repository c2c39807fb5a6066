import type { HandlerContext } from '../ocpp/context';
import type { Reading } from '../ocpp/meter-readings';
import type { MeterEvidence } from '@chargeledger/ledger-queue';
import { sessionIdOf, type SessionState } from './transactions';

/**
 * Protocol-free session lifecycle. Each step publishes its event durably before returning, and the OCPP
 * handler answers the charger only after that, so an acknowledged message is never lost; a failure to
 * publish propagates and the charger is answered with an error and retries.
 */
export type StartInput = Pick<SessionState, 'transactionId' | 'protocol' | 'evseId' | 'connectorId' | 'idToken' | 'startedAt' | 'meterStartWh' | 'evidence'>;

export async function startSession(ctx: HandlerContext, input: StartInput): Promise<SessionState> {
  const sessionId = sessionIdOf(ctx.chargerId, input.transactionId);
  const existing = await ctx.transactions.get(sessionId);
  const state: SessionState = existing ?? {
    sessionId,
    chargerId: ctx.chargerId,
    transactionId: input.transactionId,
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
  await ctx.publisher.publish({
    kind: 'SessionStarted',
    sessionId,
    chargerId: ctx.chargerId,
    transactionId: state.transactionId,
    protocol: state.protocol,
    evseId: state.evseId,
    connectorId: state.connectorId,
    idToken: state.idToken,
    startedAt: state.startedAt,
    meterStartWh: state.meterStartWh,
    evidence: state.evidence,
  });
  if (existing === undefined) await ctx.transactions.create(state);
  ctx.log.info({ sessionId, token: ctx.tokens.digest(input.idToken), meterStartWh: input.meterStartWh }, 'session started');
  return state;
}

/** Publishes each reading that carries a register value; a register that goes backwards is flagged, not published. */
export async function recordReadings(ctx: HandlerContext, state: SessionState, readings: readonly Reading[]): Promise<SessionState> {
  let current = state;
  for (const reading of readings) {
    current = { ...current, evidence: mergeEvidence(current.evidence, reading.evidence) };
    if (reading.registerWh === undefined) continue;
    if (reading.registerWh < current.lastRegisterWh) {
      ctx.log.warn({ sessionId: state.sessionId, registerWh: reading.registerWh, lastRegisterWh: current.lastRegisterWh }, 'meter value went backwards; ignored');
      continue;
    }
    await ctx.publisher.publish({
      kind: 'MeterSampled',
      sessionId: state.sessionId,
      chargerId: state.chargerId,
      transactionId: state.transactionId,
      protocol: state.protocol,
      meterStartWh: state.meterStartWh,
      sampledAt: reading.timestamp,
      registerWh: reading.registerWh,
      evidence: reading.evidence,
    });
    current = { ...current, lastRegisterWh: reading.registerWh };
  }
  await ctx.transactions.put(current);
  return current;
}

export interface EndInput {
  readonly endedAt: string;
  readonly meterStopWh: number;
  readonly reason: string;
  readonly idToken?: string;
  readonly readings: readonly Reading[];
}

/** The end event carries every signed record seen in the session, so the ledger can check the whole chain. */
export async function endSession(ctx: HandlerContext, state: SessionState, input: EndInput): Promise<void> {
  const evidence = input.readings.reduce((all, reading) => mergeEvidence(all, reading.evidence), state.evidence);
  if (input.meterStopWh < state.lastRegisterWh) {
    ctx.log.warn({ sessionId: state.sessionId, meterStopWh: input.meterStopWh, lastRegisterWh: state.lastRegisterWh }, 'meter stop is below an earlier reading');
  }
  await ctx.publisher.publish({
    kind: 'SessionEnded',
    sessionId: state.sessionId,
    chargerId: state.chargerId,
    transactionId: state.transactionId,
    protocol: state.protocol,
    startedAt: state.startedAt,
    meterStartWh: state.meterStartWh,
    endedAt: input.endedAt,
    meterStopWh: input.meterStopWh,
    reason: input.reason,
    ...(input.idToken === undefined ? {} : { idToken: input.idToken }),
    evidence,
  });
  await ctx.transactions.put({
    ...state,
    evidence,
    ended: true,
    endedAt: input.endedAt,
    stopReason: input.reason,
    meterStopWh: input.meterStopWh,
    lastRegisterWh: Math.max(state.lastRegisterWh, input.meterStopWh),
  });
  ctx.log.info({ sessionId: state.sessionId, energyWh: input.meterStopWh - state.meterStartWh, reason: input.reason }, 'session ended');
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
