import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'StatusNotification';

export const statusNotification: Handler<ChargerRequests16[Action], ChargerResponses16[Action]> = async (ctx, request) => {
  await ctx.stations.setConnector(ctx.chargerId, String(request.connectorId), {
    status: request.status,
    errorCode: request.errorCode,
    timestamp: request.timestamp ?? ctx.clock.now().toISOString(),
  });
  return {};
};
