import type { AuthorizationStatus, AuthorizationVerdict, AuthorizeIdTokenQuery, Station } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { tariffInForceAt } from '../tariffs/tariffs';
import { fundsOf } from '../wallet/accounts';
import { findTokenHolder } from '../wallet/resolve';
import { holdFor } from './open';

/**
 * Answers a charger's Authorize from the ledger: whether Session:openSession, run now for this token at this
 * station, would place a hold. The token's owner, the driver's funds and the station's minimum hold are read
 * on a Wallets peer and nothing is written, so the answer is advice: the open decides again, and a hold the
 * funds no longer cover is refused there.
 *
 * A station the caller's operator does not run, or one that cannot open sessions (no tariff), is refused: it
 * is the operator's configuration, not the driver's token, that is wrong.
 */
export async function authorizeIdToken(tx: Tx, operatorId: string, req: AuthorizeIdTokenQuery): Promise<AuthorizationVerdict> {
  const station = await tx.must<Station>(tx.key(KEY.station, req.stationId), `station ${req.stationId}`);
  if (station.operatorId !== operatorId) refuse('ACCESS_DENIED', `station ${req.stationId} belongs to another operator`);
  if (station.tariffId === undefined) refuse('INVALID_STATE', `station ${req.stationId} has no tariff`);
  const tariff = (await tariffInForceAt(tx, station.tariffId, tx.nowMs)) ?? refuse('NOT_FOUND', `tariff ${station.tariffId} has no version in force`);
  const verdict = (status: AuthorizationStatus, holdAmount = 0): AuthorizationVerdict => ({
    stationId: req.stationId,
    status,
    holdAmount,
    minimumHold: station.policy.minimumHold,
    currency: tariff.currency,
  });

  const holder = await findTokenHolder(tx);
  if (!holder.found || holder.account.kind !== 'driver') return verdict('unknown-token');
  if (holder.link?.status !== 'active') return verdict('revoked-token');
  if (holder.account.status !== 'active') return verdict('account-closed');
  if (holder.account.currency !== tariff.currency) return verdict('currency-mismatch');
  const { holdAmount, refusedReason } = holdFor(holder.account, await fundsOf(tx, holder.account), station, undefined);
  return refusedReason === undefined ? verdict('accepted', holdAmount) : verdict(refusedReason);
}
