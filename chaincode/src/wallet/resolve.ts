import { WALLETS_PRIVATE_COLLECTION, type ResolveIdTokenResult } from '../api';
import { refuse } from '../core/errors';
import { fromBytes } from '../core/json';
import { requirePeerOf } from '../core/transaction';
import type { Tx } from '../core/tx';
import { activeAccount, fundsOf } from './accounts';
import { loadLink, lookupKey, readPepper, tokenProofOf, transientIdToken, type PrivateTokenRecord } from './tokens';

/**
 * Which account a raw id token (transient `idToken`) belongs to. Only WalletsMSP peers hold the private
 * collection, so this is evaluated on one of them and never submitted; the raw token reaches no other
 * organization's peer and no block. The answer carries the token proof that Session:openSession asks for.
 */
export async function resolveIdToken(tx: Tx): Promise<ResolveIdTokenResult> {
  requirePeerOf(tx.ctx, 'WalletsMSP');
  const idToken = transientIdToken(tx);
  const record = await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, lookupKey(tx, await readPepper(tx), idToken));
  if (record.length === 0) refuse('ID_TOKEN_REJECTED', 'unknown id token');
  const { accountId, tokenRef, salt } = fromBytes<PrivateTokenRecord>(record);
  const link = await loadLink(tx, accountId, tokenRef);
  if (link?.status !== 'active') refuse('ID_TOKEN_REJECTED', 'the id token is revoked');
  const account = await activeAccount(tx, accountId);
  const funds = await fundsOf(tx, accountId);
  return {
    accountId,
    tokenRef,
    tokenProof: tokenProofOf(salt, idToken),
    currency: account.currency,
    sessionLimit: account.sessionLimit ?? 0,
    available: funds.available,
  };
}
