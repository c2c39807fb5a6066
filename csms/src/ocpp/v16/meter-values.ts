import { recordReadings } from '../../domain/sessions';
import { sessionIdOf } from '../../domain/session-state';
import { type Handler, sessionContext } from '../context';
import { readings16 } from '../meter-readings';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'MeterValues';

/** Meter values outside a transaction describe the connector, not a session: nothing goes to the ledger. */
export const meterValues: Handler<ChargerRequests16[Action], ChargerResponses16[Action], 'chargerId' | 'log' | 'policy' | 'priceDisplay' | 'publisher' | 'sessionFlagged' | 'sessions' | 'tokens'> = async (ctx, request) => {
  if (request.transactionId === undefined) return {};
  const state = await ctx.sessions.get(sessionIdOf(ctx.chargerId, String(request.transactionId)));
  if (state === undefined || state.ended) {
    ctx.log.warn({ ocppTransactionId: request.transactionId }, 'meter values for a transaction this CSMS does not know or has ended');
    return {};
  }
  const readings = readings16(request.meterValue);
  await ctx.priceDisplay.record(state, readings);
  const current = await recordReadings(sessionContext(ctx), state, readings);
  ctx.priceDisplay.afterReadings16(current);
  return {};
};
