import type { ChargingProfileStore } from './charging-profiles';
import type { Evse } from './evse';

/**
 * The power an EVSE lets through at `atMs`: nothing without a transaction; otherwise the connector's hardware
 * limit, the transaction's charging profile, and an equal share of the station maximum among the EVSEs that
 * are charging, whichever is lowest. The shares never add up to more than the station maximum.
 */
export function offeredPowerW(evse: Evse, profiles: ChargingProfileStore, activeTransactions: number, atMs: number): number {
  const transaction = evse.transaction;
  if (transaction === undefined || evse.plug === undefined) return 0;
  let limitW = evse.connectorMaxW(evse.plug.connectorId);
  const transactionLimitW = profiles.evseLimitW(evse.id, evse.template, transaction, atMs);
  if (transactionLimitW !== undefined) limitW = Math.min(limitW, transactionLimitW);
  const stationW = profiles.stationLimitW(evse.template, atMs);
  if (stationW !== undefined) limitW = Math.min(limitW, Math.floor(stationW / Math.max(1, activeTransactions)));
  return limitW;
}
