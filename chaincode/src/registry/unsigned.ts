import type { AllowUnsignedMeterDataRequest, RevokeUnsignedMeterDataRequest, Station, UnsignedMeterDataPermission, UnsignedMeterDataTerms } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';

/** A permission expires within this time of its grant; the Authority renews it to keep it. */
export const MAX_UNSIGNED_PERMISSION_MS = 366 * 24 * 3_600_000;

const permissionKey = (tx: Tx, stationId: string): string => tx.key(KEY.unsignedPermission, stationId);

export async function loadPermission(tx: Tx, stationId: string): Promise<UnsignedMeterDataPermission | undefined> {
  return tx.get<UnsignedMeterDataPermission>(permissionKey(tx, stationId));
}

/** Grants or renews the permission; a renewal replaces the terms for sessions opened from now on. */
export async function allowUnsignedMeterData(tx: Tx, req: AllowUnsignedMeterDataRequest): Promise<UnsignedMeterDataPermission> {
  await tx.must<Station>(tx.key(KEY.station, req.stationId), `station ${req.stationId}`);
  if (!(tx.nowMs < req.validUntilMs && req.validUntilMs <= tx.nowMs + MAX_UNSIGNED_PERMISSION_MS)) {
    refuse('BAD_REQUEST', `validUntilMs must lie after now and at most ${MAX_UNSIGNED_PERMISSION_MS / 86_400_000} days ahead`);
  }
  const permission: UnsignedMeterDataPermission = {
    stationId: req.stationId,
    maxEnergyWh: req.maxEnergyWh,
    maxPowerW: req.maxPowerW,
    validUntilMs: req.validUntilMs,
    grantedAtMs: tx.nowMs,
    grantedTxId: tx.txId,
    status: 'granted',
  };
  await tx.put(permissionKey(tx, req.stationId), permission);
  tx.emit('UnsignedMeterDataAllowed', { stationId: req.stationId, validUntilMs: req.validUntilMs, maxEnergyWh: req.maxEnergyWh, maxPowerW: req.maxPowerW });
  return permission;
}

/** Withdraws the permission, also from sessions opened under it that have not settled yet. */
export async function revokeUnsignedMeterData(tx: Tx, req: RevokeUnsignedMeterDataRequest): Promise<UnsignedMeterDataPermission> {
  const permission = await loadPermission(tx, req.stationId);
  if (permission === undefined || permission.status !== 'granted') refuse('NOT_FOUND', `station ${req.stationId} has no permission for unsigned meter data`);
  const revoked: UnsignedMeterDataPermission = { ...permission, status: 'revoked', revokedAtMs: tx.nowMs };
  await tx.put(permissionKey(tx, req.stationId), revoked);
  tx.emit('UnsignedMeterDataRevoked', { stationId: req.stationId });
  return revoked;
}

/** The terms a session opened now at the station is frozen with, if the station holds an unexpired permission. */
export async function termsInForce(tx: Tx, stationId: string): Promise<UnsignedMeterDataTerms | undefined> {
  const permission = await loadPermission(tx, stationId);
  if (permission === undefined || permission.status !== 'granted' || tx.nowMs >= permission.validUntilMs) return undefined;
  return { maxEnergyWh: permission.maxEnergyWh, maxPowerW: permission.maxPowerW, validUntilMs: permission.validUntilMs, grantedTxId: permission.grantedTxId };
}
