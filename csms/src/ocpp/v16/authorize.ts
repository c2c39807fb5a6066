import { toStatus16 } from '../../domain/authorization';
import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

/** The operator's registry, then the driver's funds on the ledger (domain/authorization.ts). */
export const authorize: Handler<ChargerRequests16['Authorize'], ChargerResponses16['Authorize']> = async (ctx, request) => ({
  idTagInfo: { status: toStatus16((await ctx.authorization.decide(ctx.chargerId, request.idTag, ctx.log)).status) },
});
