import { WALLETS_PRIVATE_COLLECTION, type Account, type IdTokenLink, type ResolveIdTokenResult } from '../api';
import { refuse } from '../core/errors';
import { fromBytes } from '../core/json';
import { requirePeerOf } from '../core/submit-evaluate';
import type { Tx } from '../core/transaction-view';
import { activeAccount, fundsOf, loadAccount } from './accounts';
import { loadLink, lookupKey, readPepper, tokenProofOf, transientIdToken, type PrivateTokenRecord } from './tokens';

/** Who holds the raw id token in the transient map (`idToken`); unknown tokens are an answer, not a refusal. */
export type TokenHolder =
  | { readonly found: false }
  | { readonly found: true; readonly idToken: string; readonly record: PrivateTokenRecord; readonly link: IdTokenLink | undefined; readonly account: Account };

/** Reads the Wallets private collection, so it runs on a Wallets peer only. */
export async function findTokenHolder(tx: Tx): Promise<TokenHolder> {
  requirePeerOf(tx.ctx, 'WalletsMSP');
  const idToken = transientIdToken(tx);
  const stored = await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, lookupKey(tx, await readPepper(tx), idToken));
  if (stored.length === 0) return { found: false };
  const record = fromBytes<PrivateTokenRecord>(stored);
  return { found: true, idToken, record, link: await loadLink(tx, record.accountId, record.tokenRef), account: await loadAccount(tx, record.accountId) };
}

/**
 * Which account a raw id token (transient `idToken`) belongs to. Only WalletsMSP peers hold the private
 * collection, so this is evaluated on one of them and never submitted; the raw token reaches no other
 * organization's peer and no block. The answer carries the token proof that Session:openSession asks for.
 */
export async function resolveIdToken(tx: Tx): Promise<ResolveIdTokenResult> {
  const holder = await findTokenHolder(tx);
  if (!holder.found) refuse('ID_TOKEN_REJECTED', 'unknown id token');
  const { accountId, tokenRef, salt } = holder.record;
  if (holder.link?.status !== 'active') refuse('ID_TOKEN_REJECTED', 'the id token is revoked');
  const account = await activeAccount(tx, accountId);
  const funds = await fundsOf(tx, account);
  return {
    accountId,
    tokenRef,
    tokenProof: tokenProofOf(salt, holder.idToken),
    currency: account.currency,
    sessionLimit: account.sessionLimit ?? 0,
    available: funds.available,
  };
}
