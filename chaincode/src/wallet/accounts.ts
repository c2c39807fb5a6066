import { KeyEndorsementPolicy } from 'fabric-shim';
import type { Account, AccountView, EntryReason, Hold, LedgerEntry } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { sum } from '../core/money';
import type { Tx } from '../core/tx';

/**
 * Balances are never stored: an account's balance is the sum of its ledger entries and its available
 * funds are that minus its active holds. Credits are blind writes of new entry keys, so any number of
 * concurrent settlements can credit one station's account without conflicting (no hot key).
 */
export interface Funds {
  readonly balance: number;
  readonly held: number;
  readonly available: number;
  readonly holds: readonly Hold[];
}

export async function loadAccount(tx: Tx, accountId: string): Promise<Account> {
  return tx.must<Account>(tx.key(KEY.account, accountId), `account ${accountId}`);
}

export async function activeAccount(tx: Tx, accountId: string): Promise<Account> {
  const account = await loadAccount(tx, accountId);
  if (account.status !== 'active') refuse('INVALID_STATE', `account ${accountId} is closed`);
  return account;
}

/** Reads every entry and hold of the account (range reads: a concurrent debit of the same account conflicts). */
export async function fundsOf(tx: Tx, accountId: string): Promise<Funds> {
  const entries = await tx.list<LedgerEntry>(KEY.entry, accountId);
  const holds = (await tx.list<Hold>(KEY.hold, accountId)).map((listed) => listed.value);
  const balance = sum(entries.map((listed) => listed.value.amount));
  const held = sum(holds.map((hold) => hold.amount));
  return { balance, held, available: balance - held, holds };
}

export function viewOf(account: Account, funds: Funds): AccountView {
  return { ...account, balance: funds.balance, held: funds.held, available: funds.available, holds: funds.holds };
}

/** Adds one entry. `n` tells apart several entries of one account in one transaction. */
export async function addEntry(
  tx: Tx,
  accountId: string,
  amount: number,
  reason: EntryReason,
  ref: string,
  n = 0,
): Promise<LedgerEntry> {
  const entry: LedgerEntry = { accountId, amount, reason, ref, txId: tx.txId, timestampMs: tx.nowMs };
  await tx.put(tx.key(KEY.entry, accountId, tx.txId, String(n)), entry);
  return entry;
}

/**
 * Every transaction that moves a driver's money rewrites the driver's account key. That key carries a
 * key-level endorsement policy naming WalletsMSP, so no such transaction commits without the Wallets
 * organization's endorsement (ADR 0002). Other account kinds are left untouched (no hot key).
 */
export async function touchDriver(tx: Tx, account: Account): Promise<Account> {
  if (account.kind !== 'driver') return account;
  const touched: Account = { ...account, seq: account.seq + 1 };
  await tx.put(tx.key(KEY.account, account.accountId), touched);
  return touched;
}

/** Sets the key-level endorsement policy of a new driver account: WalletsMSP peers must endorse. */
export async function protectDriverAccount(tx: Tx, accountId: string): Promise<void> {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', 'WalletsMSP');
  await tx.ctx.stub.setStateValidationParameter(tx.key(KEY.account, accountId), policy.getPolicy());
}

export async function placeHold(tx: Tx, accountId: string, sessionId: string, amount: number): Promise<Hold> {
  const hold: Hold = { accountId, holdId: sessionId, amount, sessionId, createdAtMs: tx.nowMs };
  await tx.put(tx.key(KEY.hold, accountId, hold.holdId), hold);
  return hold;
}

export async function removeHold(tx: Tx, hold: Hold): Promise<void> {
  await tx.delete(tx.key(KEY.hold, hold.accountId, hold.holdId));
}

export async function loadHold(tx: Tx, accountId: string, holdId: string): Promise<Hold> {
  return tx.must<Hold>(tx.key(KEY.hold, accountId, holdId), `hold ${holdId}`);
}
