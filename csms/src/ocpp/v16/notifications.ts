import type { Handler } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Req = ChargerRequests16;
type Res = ChargerResponses16;

export const dataTransfer: Handler<Req['DataTransfer'], Res['DataTransfer']> = async (ctx, request) => {
  const accepted = ctx.policy.dataTransferVendors.includes(request.vendorId);
  ctx.log.info({ vendorId: request.vendorId, messageId: request.messageId, accepted }, 'data transfer');
  return { status: accepted ? 'Accepted' : 'UnknownVendorId' };
};

export const firmwareStatusNotification: Handler<Req['FirmwareStatusNotification'], Res['FirmwareStatusNotification']> = async (ctx, request) => {
  await ctx.stations.update(ctx.chargerId, { firmwareStatus: request.status });
  return {};
};

export const diagnosticsStatusNotification: Handler<Req['DiagnosticsStatusNotification'], Res['DiagnosticsStatusNotification']> = async (ctx, request) => {
  await ctx.stations.update(ctx.chargerId, { diagnosticsStatus: request.status });
  return {};
};
