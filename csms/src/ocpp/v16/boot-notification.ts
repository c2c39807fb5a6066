import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'BootNotification';

/** Every provisioned charger is accepted; it reports its vendor data, which the station state keeps. */
export const bootNotification: Handler<ChargerRequests16[Action], ChargerResponses16[Action], 'chargerId' | 'clock' | 'policy' | 'priceDisplay' | 'stations'> = async (ctx, request) => {
  const now = ctx.clock.now();
  await ctx.stations.update(ctx.chargerId, {
    bootedAt: now.toISOString(),
    vendor: request.chargePointVendor,
    model: request.chargePointModel,
    ...(request.firmwareVersion === undefined ? {} : { firmwareVersion: request.firmwareVersion }),
  });
  // A booted charger may have changed its California Pricing keys: read again, once the boot is answered.
  await ctx.priceDisplay.forget(ctx.chargerId);
  ctx.priceDisplay.learnSoon(ctx.chargerId, '1.6');
  return { status: 'Accepted', currentTime: now.toISOString(), interval: ctx.policy.heartbeatIntervalS };
};
