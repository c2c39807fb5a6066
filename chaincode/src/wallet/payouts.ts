import type { Account, ConfirmPayoutDestinationRequest, Payout, PayoutDestination, PayoutRequest, RequestPayoutRequest, ReturnPayoutRequest } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { activeAccount, credit, debit, fundsOf, loadAccount } from './accounts';
import { restoreRefund, takeRefund } from './payments';

/**
 * Who asks for a payout: an operator or prosumer for its own account (its certificate attribute must be the
 * account's ownerId), or the Wallets organization for a driver, who has no identity on the channel.
 */
export type PayoutRequester =
  | { readonly mspId: 'OperatorsMSP'; readonly partyId: string }
  | { readonly mspId: 'ProsumersMSP'; readonly partyId: string }
  | { readonly mspId: 'WalletsMSP' };

const payoutKey = (tx: Tx, accountId: string, payoutId: string): string => tx.key(KEY.payout, accountId, payoutId);
const destinationKey = (tx: Tx, accountId: string, destinationId: string): string => tx.key(KEY.payoutDestination, accountId, destinationId);

/** Where a driver's money may go: back to a payment it came from, or to a bank account the driver confirmed. */
const REFUND = 'refund:';
const CONFIRMED = 'destination:';

/** A bank account the driver confirmed while signed in at Wallets (Wallets keeps the account number off the ledger). */
export async function confirmPayoutDestination(tx: Tx, req: ConfirmPayoutDestinationRequest): Promise<PayoutDestination> {
  const account = await activeAccount(tx, req.accountId);
  if (account.kind !== 'driver') refuse('BAD_REQUEST', 'operators and prosumers name their bank account in the payout request they sign');
  const key = destinationKey(tx, req.accountId, req.destinationId);
  if ((await tx.get<PayoutDestination>(key)) !== undefined) refuse('ALREADY_EXISTS', `destination ${req.destinationId} exists`);
  const { accountId, destinationId, fingerprint, confirmation } = req;
  const destination: PayoutDestination = { accountId, destinationId, fingerprint, confirmation, confirmedAtMs: tx.nowMs, txId: tx.txId };
  await tx.put(key, destination);
  tx.emit('PayoutDestinationConfirmed', { accountId: req.accountId, destinationId: req.destinationId });
  return destination;
}

/**
 * A driver has no identity on the channel, so Wallets asks on the driver's behalf; what Wallets may not do
 * is choose where the money goes (decision 0027). A driver's payout is a refund of a payment credited to the
 * account, or goes to a destination the driver confirmed, and names the driver's request it answers.
 */
async function checkDriverDestination(tx: Tx, req: RequestPayoutRequest): Promise<void> {
  if (req.requestRef === undefined) refuse('BAD_REQUEST', "a driver's payout names the driver's request it answers (requestRef)");
  if (req.destination.startsWith(REFUND)) {
    await takeRefund(tx, req.accountId, req.destination.slice(REFUND.length), req.amount);
    return;
  }
  if (req.destination.startsWith(CONFIRMED)) {
    const destinationId = req.destination.slice(CONFIRMED.length);
    if ((await tx.get<PayoutDestination>(destinationKey(tx, req.accountId, destinationId))) === undefined) {
      refuse('ACCESS_DENIED', `the driver of ${req.accountId} has not confirmed destination ${destinationId}`);
    }
    return;
  }
  refuse('ACCESS_DENIED', `a driver's money goes back to a payment (${REFUND}<reference>) or to a destination the driver confirmed (${CONFIRMED}<id>)`);
}

export async function loadPayout(tx: Tx, accountId: string, payoutId: string): Promise<Payout> {
  return tx.must<Payout>(payoutKey(tx, accountId, payoutId), `payout ${payoutId} of ${accountId}`);
}

function requireOwner(account: Account, requester: PayoutRequester): void {
  const owns =
    account.kind === 'driver'
      ? requester.mspId === 'WalletsMSP'
      : requester.mspId === (account.kind === 'operator' ? 'OperatorsMSP' : 'ProsumersMSP') && 'partyId' in requester && requester.partyId === account.ownerId;
  if (!owns) refuse('ACCESS_DENIED', `only the owner of account ${account.accountId} may ask for its money`);
}

/**
 * The owner's request debits the account at once (so the money cannot be spent twice while Wallets makes
 * the transfer) and records where it is to go. The debit rewrites the account record, so the owner
 * organization's peers must endorse it.
 */
export async function requestPayout(tx: Tx, requester: PayoutRequester, req: RequestPayoutRequest): Promise<Payout> {
  const account = await activeAccount(tx, req.accountId);
  requireOwner(account, requester);
  const key = payoutKey(tx, req.accountId, req.payoutId);
  if ((await tx.get<Payout>(key)) !== undefined) refuse('ALREADY_EXISTS', `payout ${req.payoutId} exists`);
  if (account.kind === 'driver') await checkDriverDestination(tx, req);
  const funds = await fundsOf(tx, account);
  if (funds.available < req.amount) refuse('INSUFFICIENT_FUNDS', `available ${funds.available} < ${req.amount}`);
  await debit(tx, account, req.amount, 'payout', req.payoutId);
  const payout: Payout = {
    accountId: req.accountId,
    payoutId: req.payoutId,
    amount: req.amount,
    currency: account.currency,
    destination: req.destination,
    status: 'requested',
    ...(req.requestRef === undefined ? {} : { requestRef: req.requestRef }),
    requestedAtMs: tx.nowMs,
    requestTxId: tx.txId,
  };
  await tx.put(key, payout);
  tx.emit('PayoutRequested', { accountId: req.accountId, payoutId: req.payoutId, amount: req.amount });
  return payout;
}

/** Wallets records the transfer it made; amount and destination stay the owner's. No money moves on the ledger. */
export async function completePayout(tx: Tx, req: PayoutRequest): Promise<Payout> {
  const payout = await requestedPayout(tx, req.accountId, req.payoutId);
  const paid: Payout = { ...payout, status: 'paid', reference: req.reference, completedAtMs: tx.nowMs, completedTxId: tx.txId };
  await tx.put(payoutKey(tx, req.accountId, req.payoutId), paid);
  tx.emit('PayoutMade', { accountId: req.accountId, payoutId: req.payoutId, amount: payout.amount, destination: payout.destination });
  return paid;
}

/** Wallets could not make the transfer: the amount goes back to the account as a credit. */
export async function returnPayout(tx: Tx, req: ReturnPayoutRequest): Promise<Payout> {
  const payout = await requestedPayout(tx, req.accountId, req.payoutId);
  await loadAccount(tx, req.accountId);
  await credit(tx, req.accountId, payout.amount, 'payout-returned', req.payoutId);
  if (payout.destination.startsWith(REFUND)) await restoreRefund(tx, payout.destination.slice(REFUND.length), payout.amount);
  const returned: Payout = { ...payout, status: 'returned', reference: req.reference, completedAtMs: tx.nowMs, completedTxId: tx.txId };
  await tx.put(payoutKey(tx, req.accountId, req.payoutId), returned);
  tx.emit('PayoutReturned', { accountId: req.accountId, payoutId: req.payoutId, amount: payout.amount });
  return returned;
}

async function requestedPayout(tx: Tx, accountId: string, payoutId: string): Promise<Payout> {
  const payout = await loadPayout(tx, accountId, payoutId);
  if (payout.status !== 'requested') refuse('INVALID_STATE', `payout ${payoutId} is ${payout.status}`);
  return payout;
}
