import type { Handler } from '../context';
import type { ChargerRequests201, ChargerResponses201 } from './messages';

type Action = 'BootNotification';

export const bootNotification: Handler<ChargerRequests201[Action], ChargerResponses201[Action], 'chargerId' | 'clock' | 'policy' | 'priceDisplay' | 'stations'> = async (ctx, request) => {
  const now = ctx.clock.now();
  const station = request.chargingStation;
  await ctx.stations.update(ctx.chargerId, {
    bootedAt: now.toISOString(),
    vendor: station.vendorName,
    model: station.model,
    ...(station.firmwareVersion === undefined ? {} : { firmwareVersion: station.firmwareVersion }),
  });
  // A booted charger may have changed its TariffCostCtrlr: read again, once the boot is answered.
  await ctx.priceDisplay.forget(ctx.chargerId);
  ctx.priceDisplay.learnSoon(ctx.chargerId, '2.0.1');
  return { status: 'Accepted', currentTime: now.toISOString(), interval: ctx.policy.heartbeatIntervalS };
};
