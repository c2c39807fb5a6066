import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

export const authorize: Handler<ChargerRequests16['Authorize'], ChargerResponses16['Authorize']> = async (ctx, request) => ({
  idTagInfo: { status: await ctx.tokens.status(request.idTag) },
});
