import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

export const heartbeat: Handler<ChargerRequests16['Heartbeat'], ChargerResponses16['Heartbeat'], 'clock'> = async (ctx) => ({
  currentTime: ctx.clock.now().toISOString(),
});
