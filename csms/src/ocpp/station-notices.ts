import type { Handler } from './context';

/**
 * Handlers whose requests and answers are the same in OCPP 1.6 and 2.0.1: data transfer (accepted only from
 * configured vendors) and the firmware and diagnostics/log upload statuses the station state keeps.
 */
export const dataTransfer: Handler<{ vendorId: string; messageId?: string }, { status: 'Accepted' | 'UnknownVendorId' }, 'log' | 'policy'> = async (ctx, request) => {
  const accepted = ctx.policy.dataTransferVendors.includes(request.vendorId);
  ctx.log.info({ vendorId: request.vendorId, messageId: request.messageId, accepted }, 'data transfer');
  return { status: accepted ? 'Accepted' : 'UnknownVendorId' };
};

export const firmwareStatusNotification: Handler<{ status: string }, Record<string, never>, 'chargerId' | 'stations'> = async (ctx, request) => {
  await ctx.stations.update(ctx.chargerId, { firmwareStatus: request.status });
  return {};
};

/** 1.6 DiagnosticsStatusNotification and 2.0.1 LogStatusNotification: the status of an upload the CSMS asked for. */
export const uploadStatusNotification: Handler<{ status: string }, Record<string, never>, 'chargerId' | 'stations'> = async (ctx, request) => {
  await ctx.stations.update(ctx.chargerId, { diagnosticsStatus: request.status });
  return {};
};
