import type { Account, Payment, TopUpRequest } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';

/**
 * Money comes in only as a payment with a reference that is unique on the ledger (decision 0027): a card
 * payment the provider confirmed or a bank transfer staff received, each credited once, to one account,
 * whatever event id carries it. A webhook delivered twice, or a transfer recorded by two members of staff,
 * finds the first record and is refused, so the credit stays single even where the caller's event ids differ.
 */
export async function recordPayment(tx: Tx, account: Account, req: TopUpRequest): Promise<Payment> {
  const key = tx.key(KEY.payment, req.reference);
  const earlier = await tx.get<Payment>(key);
  if (earlier !== undefined) refuse('ALREADY_EXISTS', `payment ${req.reference} was credited to ${earlier.accountId} (tx ${earlier.txId})`);
  const payment: Payment = { reference: req.reference, accountId: account.accountId, amount: req.amount, currency: account.currency, refunded: 0, txId: tx.txId, creditedAtMs: tx.nowMs };
  await tx.put(key, payment);
  return payment;
}

export async function loadPayment(tx: Tx, reference: string): Promise<Payment> {
  return tx.must<Payment>(tx.key(KEY.payment, reference), `payment ${reference}`);
}

/** Takes `amount` of the payment back for a refund: never more than the payment credited, less what earlier refunds took. */
export async function takeRefund(tx: Tx, accountId: string, reference: string, amount: number): Promise<void> {
  const payment = await loadPayment(tx, reference);
  if (payment.accountId !== accountId) refuse('ACCESS_DENIED', `payment ${reference} was not credited to ${accountId}`);
  const left = payment.amount - payment.refunded;
  if (amount > left) refuse('INSUFFICIENT_FUNDS', `payment ${reference} has ${left} left to refund, not ${amount}`);
  await tx.put(tx.key(KEY.payment, reference), { ...payment, refunded: payment.refunded + amount });
}

/** A refund that could not be made gives the payment its refundable amount back. */
export async function restoreRefund(tx: Tx, reference: string, amount: number): Promise<void> {
  const payment = await loadPayment(tx, reference);
  await tx.put(tx.key(KEY.payment, reference), { ...payment, refunded: Math.max(0, payment.refunded - amount) });
}
