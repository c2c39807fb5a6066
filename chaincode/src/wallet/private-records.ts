import { TRANSIENT_KEYS, WALLETS_PRIVATE_COLLECTION, type DriverProfile, type ForgetIdTokenRequest, type IndexIdTokenRequest, type SetDriverProfileRequest } from '../api';
import { refuse } from '../core/errors';
import { Fields } from '../core/fields';
import { canonicalJson, fromBytes } from '../core/json';
import { PRIVATE_KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { activeAccount } from './accounts';
import { loadLink, lookupKey, proofHashOf, readPepper, tokenProofOf, transientIdToken, transientSalt, type PrivateTokenRecord } from './tokens';

/*
 * Transactions that write only the Wallets private collection and run only on WalletsMSP peers, so their
 * transient data (pepper, raw token, name, e-mail) is never sent to another organization. Every private
 * value contains a random salt, so the hash that the shared ledger records for it cannot be guessed.
 */

const bytesOf = (value: unknown): Uint8Array => Buffer.from(canonicalJson(value), 'utf8');

export async function setTokenPepper(tx: Tx): Promise<{ readonly set: true }> {
  const pepper = tx.transient(TRANSIENT_KEYS.tokenPepper) ?? refuse('BAD_REQUEST', 'transient tokenPepper is required');
  if (pepper.length < 32) refuse('BAD_REQUEST', 'tokenPepper must be at least 32 bytes');
  const key = tx.key(PRIVATE_KEY.pepper);
  // Changing the pepper would orphan every lookup record, so it is set once.
  if ((await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, key)).length > 0) refuse('ALREADY_EXISTS', 'the token pepper is set');
  await tx.putPrivate(WALLETS_PRIVATE_COLLECTION, key, pepper);
  tx.emit('TokenPepperSet', {});
  return { set: true };
}

export async function setDriverProfile(tx: Tx, req: SetDriverProfileRequest): Promise<{ readonly accountId: string }> {
  const account = await activeAccount(tx, req.accountId);
  if (account.kind !== 'driver') refuse('BAD_REQUEST', 'profiles belong to driver accounts');
  const bytes = tx.transient(TRANSIENT_KEYS.driverProfile) ?? refuse('BAD_REQUEST', 'transient driverProfile is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    refuse('BAD_REQUEST', 'transient driverProfile is not JSON');
  }
  const f = new Fields(parsed, 'driverProfile', ['name', 'email', 'salt']);
  const name = f.raw('name');
  const email = f.raw('email');
  const salt = f.raw('salt');
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) refuse('BAD_REQUEST', 'driverProfile.name must be 1-200 characters');
  if (typeof email !== 'string' || !/^[^@\s]{1,64}@[^@\s]{1,255}$/.test(email)) refuse('BAD_REQUEST', 'driverProfile.email is not an e-mail address');
  if (typeof salt !== 'string' || !/^[0-9a-f]{32,128}$/.test(salt)) refuse('BAD_REQUEST', 'driverProfile.salt must be 32-128 hex digits');
  const profile: DriverProfile = { name, email, salt };
  await tx.putPrivate(WALLETS_PRIVATE_COLLECTION, tx.key(PRIVATE_KEY.driver, req.accountId), bytesOf(profile));
  tx.emit('DriverProfileStored', { accountId: req.accountId });
  return { accountId: req.accountId };
}

/** Adds the lookup record of a linked token; the token and salt must reproduce the link's public proofHash. */
export async function indexIdToken(tx: Tx, req: IndexIdTokenRequest): Promise<{ readonly accountId: string; readonly tokenRef: string }> {
  const link = await loadLink(tx, req.accountId, req.tokenRef);
  if (link === undefined || link.status !== 'active') refuse('NOT_FOUND', `no active token ${req.tokenRef} on account ${req.accountId}`);
  const idToken = transientIdToken(tx);
  const salt = transientSalt(tx);
  if (proofHashOf(tokenProofOf(salt, idToken)) !== link.proofHash) refuse('ID_TOKEN_REJECTED', 'the token and salt do not match the link');
  const key = lookupKey(tx, await readPepper(tx), idToken);
  if ((await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, key)).length > 0) refuse('ALREADY_EXISTS', 'the id token is linked');
  const record: PrivateTokenRecord = { accountId: req.accountId, tokenRef: req.tokenRef, idToken, salt };
  await tx.putPrivate(WALLETS_PRIVATE_COLLECTION, key, bytesOf(record));
  tx.emit('IdTokenIndexed', { accountId: req.accountId, tokenRef: req.tokenRef });
  return { accountId: req.accountId, tokenRef: req.tokenRef };
}

export async function forgetIdToken(tx: Tx, _req: ForgetIdTokenRequest): Promise<{ readonly accountId: string; readonly tokenRef: string }> {
  const key = lookupKey(tx, await readPepper(tx), transientIdToken(tx));
  const bytes = await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, key);
  if (bytes.length === 0) refuse('NOT_FOUND', 'the id token is not indexed');
  const { accountId, tokenRef } = fromBytes<PrivateTokenRecord>(bytes);
  await tx.deletePrivate(WALLETS_PRIVATE_COLLECTION, key);
  tx.emit('IdTokenForgotten', { accountId, tokenRef });
  return { accountId, tokenRef };
}
