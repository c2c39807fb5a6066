import { locateConnector16 } from '../../domain/connector-layout';
import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'StatusNotification';

/** The statuses of a connector whose vehicle stopped drawing energy while its transaction runs on: the end of charging. */
const CHARGING_ENDED: ReadonlySet<string> = new Set(['SuspendedEV', 'Finishing']);

export const statusNotification: Handler<ChargerRequests16[Action], ChargerResponses16[Action], 'chargerId' | 'chargers' | 'clock' | 'sessions' | 'stations'> = async (ctx, request) => {
  const timestamp = request.timestamp ?? ctx.clock.now().toISOString();
  await ctx.stations.setConnector(ctx.chargerId, String(request.connectorId), { status: request.status, errorCode: request.errorCode, timestamp });
  if (request.connectorId > 0 && (request.status === 'Charging' || CHARGING_ENDED.has(request.status))) {
    // The session running at the connector, if any: its parking begins at the first such status, until charging resumes.
    const { evseId, connectorId } = locateConnector16(request.connectorId, (await ctx.chargers.get(ctx.chargerId))?.evseLayout);
    const { sessions } = await ctx.sessions.list({ chargerId: ctx.chargerId, active: true, limit: 20 });
    const running = sessions.find((session) => session.protocol === '1.6' && session.evseId === evseId && session.connectorId === connectorId);
    if (running !== undefined) await ctx.sessions.chargingEnd(running.sessionId, request.status === 'Charging' ? { state: 'charging' } : { state: 'ended', at: timestamp });
  }
  return {};
};
