import type { Handler } from '../context';
import type { ChargerRequests201, ChargerResponses201 } from './messages';

type Action = 'MeterValues';

/** 2.0.1 sends a transaction's meter values in TransactionEvent; MeterValues describe the EVSE only. */
export const meterValues: Handler<ChargerRequests201[Action], ChargerResponses201[Action], 'log'> = async (ctx, request) => {
  ctx.log.debug({ evseId: request.evseId, values: request.meterValue.length }, 'meter values outside a transaction');
  return {};
};
