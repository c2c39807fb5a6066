import { endSession, type Reading, recordReadings, startSession } from '../../domain/sessions';
import { sessionIdOf } from '../../domain/session-state';
import { type Handler, type HandlerContext, sessionContext } from '../context';
import { readings201 } from '../meter-readings';
import type { ChargerRequests201, ChargerResponses201, IdTokenInfo } from './messages';

type Action = 'TransactionEvent';

/**
 * A 2.0.1 transaction may begin before the driver is identified (cable first). The session reaches the
 * ledger with the first event that names an accepted id token; what earlier events said (EVSE, start time,
 * meter start, signed begin reading) is kept pending until then, because later events need not repeat it.
 */
export const transactionEvent: Handler<ChargerRequests201[Action], ChargerResponses201[Action], 'authorization' | 'chargerId' | 'log' | 'policy' | 'priceDisplay' | 'publisher' | 'sessionFlagged' | 'sessions' | 'tokens'> = async (ctx, request) => {
  const sessionId = sessionIdOf(ctx.chargerId, request.transactionInfo.transactionId);
  const readings = readings201(request.meterValue ?? []);
  let state = await ctx.sessions.get(sessionId);
  // A token that would start the session is also checked against a refusal the ledger gave it here moments ago.
  const idTokenInfo = request.idToken === undefined ? undefined : await tokenInfo(ctx, request.idToken.idToken, state === undefined ? 'start' : 'running');

  if (state === undefined) {
    // Until the driver is identified, keep what the charger said first: its EVSE, start and meter start.
    const pending = await ctx.sessions.getPending(sessionId);
    const known = {
      startedAt: pending?.startedAt ?? request.timestamp,
      evidence: [...(pending?.evidence ?? []), ...readings.flatMap((reading) => reading.evidence)],
      ...optional('evseId', pending?.evseId ?? request.evse?.id),
      ...optional('connectorId', pending?.connectorId ?? request.evse?.connectorId),
      ...optional('meterStartWh', pending?.meterStartWh ?? firstRegister(readings)),
    };
    if (request.idToken !== undefined && idTokenInfo?.status === 'Accepted') {
      state = await startSession(sessionContext(ctx), {
        ocppTransactionId: request.transactionInfo.transactionId,
        protocol: '2.0.1',
        evseId: known.evseId ?? 1,
        connectorId: known.connectorId ?? 1,
        idToken: request.idToken.idToken,
        startedAt: known.startedAt,
        meterStartWh: known.meterStartWh ?? 0,
        evidence: known.evidence,
      });
    } else {
      await ctx.sessions.putPending(sessionId, known);
      ctx.log.info({ sessionId, eventType: request.eventType, seqNo: request.seqNo }, 'transaction event before the driver is identified');
      return idTokenInfo === undefined ? {} : { idTokenInfo };
    }
  }
  const chargingState = request.transactionInfo.chargingState;
  if (chargingState !== undefined && !state.ended) {
    // The vehicle stopped drawing energy (SuspendedEVSE is the station's doing, not parking): parking from the first such event.
    if (chargingState === 'Charging') await ctx.sessions.chargingEnd(sessionId, { state: 'charging' });
    else if (chargingState !== 'SuspendedEVSE') await ctx.sessions.chargingEnd(sessionId, { state: 'ended', at: request.timestamp });
  }
  let current = state;
  if (request.eventType === 'Ended') {
    // A repeated Ended is answered as any other and kept out of the session: the first stop stands, and one
    // that names another final register is flagged. Without a register of its own it repeats the first stop.
    const register = lastRegister(readings) ?? (state.ended ? state.meterStopWh : undefined) ?? state.lastRegisterWh;
    if (!state.ended) await ctx.priceDisplay.record(state, readings);
    current = await endSession(sessionContext(ctx), state, { endedAt: request.timestamp, meterStopWh: register, reason: request.transactionInfo.stoppedReason ?? 'Local', readings });
  } else if (request.eventType === 'Updated' && !state.ended) {
    await ctx.priceDisplay.record(state, readings);
    current = await recordReadings(sessionContext(ctx), state, readings);
  }
  // The running cost (the final one at the end) where the charger's TariffCostCtrlr enables cost (ADR 0033).
  const totalCost = await ctx.priceDisplay.totalCost201(current);
  return { ...(idTokenInfo === undefined ? {} : { idTokenInfo }), ...(totalCost === undefined ? {} : { totalCost }) };
};

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

async function tokenInfo(ctx: Pick<HandlerContext, 'authorization' | 'chargerId' | 'log' | 'tokens'>, idToken: string, session: 'start' | 'running'): Promise<IdTokenInfo> {
  if (session === 'start') return { status: (await ctx.authorization.decideStart(ctx.chargerId, idToken, ctx.log)).status };
  const status = await ctx.tokens.status(idToken);
  return { status: status === 'Invalid' ? 'Unknown' : status };
}

function firstRegister(readings: readonly Reading[]): number | undefined {
  return readings.find((reading) => reading.registerWh !== undefined)?.registerWh;
}

function lastRegister(readings: readonly Reading[]): number | undefined {
  return [...readings].reverse().find((reading) => reading.registerWh !== undefined)?.registerWh;
}

