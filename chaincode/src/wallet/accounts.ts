import type { Account, AccountKind, AccountView, EntryReason, Hold, LedgerEntry, MspId } from '../api';
import { operatorMspOf, peersOf } from '../core/access';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { sum } from '../core/money';
import type { Tx } from '../core/transaction-view';

/**
 * An account's credits are never summed into a stored balance: each is its own entry key, written blind, so
 * any number of concurrent settlements can credit one station's account without conflicting (no hot key).
 * Its debits are also entries (the history), but what counts is `debited` on the account record, the key
 * that carries the owner organization's key-level policy (ADR 0014): an entry key is new, so a write of
 * one is validated against the chaincode's MAJORITY alone, and a debit entry written without the owner
 * would otherwise take the owner's money. balance = credits − debited; available = balance − holds.
 */
export interface Funds {
  readonly balance: number;
  readonly held: number;
  readonly available: number;
  readonly holds: readonly Hold[];
}

/**
 * The organization whose peers must endorse every change to an account of this kind (ADR 0014); for an
 * operator's account, the organization the ledger binds the operator to (ADR 0038).
 */
export const OWNER_ORGANIZATION: Readonly<Record<Exclude<AccountKind, 'operator'>, MspId>> = {
  driver: 'WalletsMSP',
  prosumer: 'ProsumersMSP',
};

export async function loadAccount(tx: Tx, accountId: string): Promise<Account> {
  return tx.must<Account>(tx.key(KEY.account, accountId), `account ${accountId}`);
}

export async function activeAccount(tx: Tx, accountId: string): Promise<Account> {
  const account = await loadAccount(tx, accountId);
  if (account.status !== 'active') refuse('INVALID_STATE', `account ${accountId} is closed`);
  return account;
}

/** Reads every entry and hold of the account (range reads: a concurrent debit of the same account conflicts). */
export async function fundsOf(tx: Tx, account: Account): Promise<Funds> {
  const entries = await tx.list<LedgerEntry>(KEY.entry, account.accountId);
  const holds = (await tx.list<Hold>(KEY.hold, account.accountId)).map((listed) => listed.value);
  const credits = sum(entries.map((listed) => listed.value.amount).filter((amount) => amount > 0));
  const balance = sum([credits, -account.debited]);
  const held = sum(holds.map((hold) => hold.amount));
  return { balance, held, available: balance - held, holds };
}

export function viewOf(account: Account, funds: Funds): AccountView {
  return { ...account, balance: funds.balance, held: funds.held, available: funds.available, holds: funds.holds };
}

/**
 * Adds a credit entry: a blind write of a new key. It needs no owner's endorsement because it takes nothing
 * from anyone; the debit it balances is written under the payer's policy. `n` tells apart several entries
 * of one account in one transaction.
 */
export async function credit(tx: Tx, accountId: string, amount: number, reason: EntryReason, ref: string, n = 0): Promise<LedgerEntry> {
  if (!(amount > 0)) throw new Error(`a credit is positive, not ${amount}`);
  return putEntry(tx, { accountId, amount, reason, ref, txId: tx.txId, timestampMs: tx.nowMs }, n);
}

/**
 * Debits an account: the entry for its history, and `debited` and `seq` on the account record, which is
 * what the balance counts and what the owner organization's key-level policy guards. The caller has
 * checked the funds. Returns the account as rewritten; the transaction must not write the account again.
 */
export async function debit(tx: Tx, account: Account, amount: number, reason: EntryReason, ref: string, n = 0): Promise<Account> {
  if (!(amount > 0)) throw new Error(`a debit is positive, not ${amount}`);
  await putEntry(tx, { accountId: account.accountId, amount: -amount, reason, ref, txId: tx.txId, timestampMs: tx.nowMs }, n);
  const debited: Account = { ...account, debited: sum([account.debited, amount]), seq: account.seq + 1 };
  await tx.put(tx.key(KEY.account, account.accountId), debited);
  return debited;
}

/**
 * Adds an entry of no amount: a line of the account's history that moves no money (a session the ledger
 * refused to settle), a blind write like a credit. The balance counts positive entries only.
 */
export async function note(tx: Tx, accountId: string, reason: EntryReason, ref: string, n = 0): Promise<LedgerEntry> {
  return putEntry(tx, { accountId, amount: 0, reason, ref, txId: tx.txId, timestampMs: tx.nowMs }, n);
}

async function putEntry(tx: Tx, entry: LedgerEntry, n: number): Promise<LedgerEntry> {
  await tx.put(tx.key(KEY.entry, entry.accountId, tx.txId, String(n)), entry);
  return entry;
}

/**
 * Every transaction that places or removes a driver's hold, or tops it up, rewrites the driver's account key,
 * so it needs the Wallets organization's endorsement (ADR 0002). Other account kinds are left untouched:
 * they have no holds, and their credits need no owner (no hot key).
 */
export async function touchDriver(tx: Tx, account: Account): Promise<Account> {
  if (account.kind !== 'driver') return account;
  const touched: Account = { ...account, seq: account.seq + 1 };
  await tx.put(tx.key(KEY.account, account.accountId), touched);
  return touched;
}

/**
 * Sets the key-level endorsement policy of a new account: its owner organization's peers must endorse
 * (ADR 0014). An operator's account is opened for an admitted operator only, guarded by its own organization.
 */
export async function protectAccount(tx: Tx, account: Pick<Account, 'accountId' | 'kind' | 'ownerId'>): Promise<void> {
  let owner: string;
  if (account.kind === 'operator') {
    owner = (await operatorMspOf(tx.ctx, account.ownerId ?? '')) ?? refuse('NOT_FOUND', `operator ${account.ownerId ?? ''} is not admitted`);
  } else owner = OWNER_ORGANIZATION[account.kind];
  await tx.ctx.stub.setStateValidationParameter(tx.key(KEY.account, account.accountId), peersOf(owner));
}

export async function placeHold(tx: Tx, accountId: string, sessionId: string, amount: number): Promise<Hold> {
  const hold: Hold = { accountId, holdId: sessionId, amount, sessionId, createdAtMs: tx.nowMs };
  await tx.put(tx.key(KEY.hold, accountId, hold.holdId), hold);
  return hold;
}

export async function removeHold(tx: Tx, hold: Pick<Hold, 'accountId' | 'holdId'>): Promise<void> {
  await tx.delete(tx.key(KEY.hold, hold.accountId, hold.holdId));
}

export async function loadHold(tx: Tx, accountId: string, holdId: string): Promise<Hold> {
  return tx.must<Hold>(tx.key(KEY.hold, accountId, holdId), `hold ${holdId}`);
}
