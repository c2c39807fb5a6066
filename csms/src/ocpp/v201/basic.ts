import type { Handler } from '../context';
import type { ChargerRequests201, ChargerResponses201 } from './messages';

type Req = ChargerRequests201;
type Res = ChargerResponses201;

export const heartbeat: Handler<Req['Heartbeat'], Res['Heartbeat'], 'clock'> = async (ctx) => ({ currentTime: ctx.clock.now().toISOString() });

export const statusNotification: Handler<Req['StatusNotification'], Res['StatusNotification'], 'chargerId' | 'stations'> = async (ctx, request) => {
  await ctx.stations.setConnector(ctx.chargerId, `${request.evseId}/${request.connectorId}`, {
    status: request.connectorStatus,
    timestamp: request.timestamp,
  });
  return {};
};

/**
 * The operator's registry, then the driver's funds on the ledger (domain/authorization.ts). An accepted driver
 * reads the station's tariff (personalMessage) where the charger's TariffCostCtrlr enables tariffs (ADR 0033).
 */
export const authorize: Handler<Req['Authorize'], Res['Authorize'], 'authorization' | 'chargerId' | 'log' | 'priceDisplay' | 'tokens'> = async (ctx, request) => {
  const { status, tariff } = await ctx.authorization.decide(ctx.chargerId, request.idToken.idToken, ctx.log);
  const text = status === 'Accepted' ? await ctx.priceDisplay.personalMessage201(ctx.chargerId, tariff, await ctx.tokens.language(request.idToken.idToken)) : undefined;
  return { idTokenInfo: { status, ...(text === undefined ? {} : { language1: text.language, personalMessage: { format: 'UTF8', language: text.language, content: text.content } }) } };
};

export const notifyEvent: Handler<Req['NotifyEvent'], Res['NotifyEvent'], 'log'> = async (ctx, request) => {
  ctx.log.info({ seqNo: request.seqNo, events: request.eventData.length }, 'charger events');
  return {};
};
