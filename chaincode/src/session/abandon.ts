import type { AbandonSessionRequest, AbandonSessionResult } from '../api';
import { refuse } from '../core/errors';
import type { Tx } from '../core/transaction-view';
import { loadAccount, loadHold, removeHold, touchDriver } from '../wallet/accounts';
import { loadSession, sessionKey, type SessionRecord } from './records';

/** After this long without settlement, the Wallets organization may release a driver's hold. */
export const HOLD_TTL_MS = 72 * 3_600_000;

/**
 * Releases the hold of a session that will not be settled and charges nothing, so a lost charger or CSMS
 * never locks a driver's funds for good. The operator forgoes the session's revenue by doing so.
 */
export async function abandonSession(
  tx: Tx,
  caller: { readonly mspId: 'OperatorsMSP'; readonly operatorId: string } | { readonly mspId: 'WalletsMSP' },
  req: AbandonSessionRequest,
): Promise<AbandonSessionResult> {
  const session = await loadSession(tx, req.sessionId);
  if (caller.mspId === 'OperatorsMSP' && session.operatorId !== caller.operatorId) refuse('ACCESS_DENIED', `session ${req.sessionId} is at another operator's station`);
  if (session.status !== 'open') refuse('INVALID_STATE', `session ${req.sessionId} is ${session.status}`);
  if (caller.mspId === 'WalletsMSP' && tx.nowMs < session.openedAtMs + HOLD_TTL_MS) refuse('INVALID_STATE', 'the session is too recent to abandon');
  await removeHold(tx, await loadHold(tx, session.driverAccountId, session.sessionId));
  await touchDriver(tx, await loadAccount(tx, session.driverAccountId));
  const abandoned: SessionRecord = { ...session, status: 'abandoned' };
  await tx.put(sessionKey(tx, session.sessionId), abandoned);
  tx.emit('HoldReleased', { sessionId: session.sessionId, driverAccountId: session.driverAccountId, released: session.holdAmount });
  return { sessionId: session.sessionId, driverAccountId: session.driverAccountId, released: session.holdAmount, txId: tx.txId };
}
