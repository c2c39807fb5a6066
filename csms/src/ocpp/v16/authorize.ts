import { toStatus16 } from '../../domain/authorization';
import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

/**
 * The operator's registry, then the driver's funds on the ledger (domain/authorization.ts). An accepted driver
 * is sent the station's tariff after the answer (California Pricing SetUserPrice) where the charger announces it.
 */
export const authorize: Handler<ChargerRequests16['Authorize'], ChargerResponses16['Authorize'], 'authorization' | 'chargerId' | 'log' | 'priceDisplay' | 'tokens'> = async (ctx, request) => {
  const decision = await ctx.authorization.decide(ctx.chargerId, request.idTag, ctx.log);
  const status = toStatus16(decision.status);
  if (status === 'Accepted') ctx.priceDisplay.afterAuthorize16(ctx.chargerId, request.idTag, decision.tariff, await ctx.tokens.language(request.idTag));
  return { idTagInfo: { status } };
};
