import { endSession, recordReadings } from '../../domain/sessions';
import { sessionIdOf } from '../../domain/session-state';
import { type Handler, sessionContext } from '../context';
import { readings16 } from '../meter-readings';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'StopTransaction';

/**
 * A StopTransaction for a transaction the CSMS never started is still answered (OCPP 1.6 §4.10: the
 * charger must be able to delete it from its queue), and flagged; nothing reaches the ledger for it. A
 * repeated one is answered the same way; the first stop stands (endSession).
 */
export const stopTransaction: Handler<ChargerRequests16[Action], ChargerResponses16[Action], 'chargerId' | 'log' | 'policy' | 'priceDisplay' | 'publisher' | 'sessionFlagged' | 'sessions' | 'tokens'> = async (ctx, request) => {
  const state = await ctx.sessions.get(sessionIdOf(ctx.chargerId, String(request.transactionId)));
  if (state === undefined) {
    ctx.log.warn({ ocppTransactionId: request.transactionId, flagged: 'unknown-transaction' }, 'StopTransaction for an unknown transaction');
    return request.idTag === undefined ? {} : { idTagInfo: { status: 'Invalid' } };
  }
  const readings = readings16(request.transactionData ?? []);
  if (!state.ended) await ctx.priceDisplay.record(state, [...readings, { timestamp: request.timestamp, registerWh: request.meterStop }]);
  const current = state.ended ? state : await recordReadings(sessionContext(ctx), state, readings);
  const ended = await endSession(sessionContext(ctx), current, { endedAt: request.timestamp, meterStopWh: request.meterStop, reason: request.reason ?? 'Local', readings });
  if (!state.ended) ctx.priceDisplay.afterStop16(ended);
  return request.idTag === undefined ? {} : { idTagInfo: { status: await ctx.tokens.status(request.idTag) } };
};
