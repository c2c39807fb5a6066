import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Payout } from '@chargeledger/chaincode/api';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { IDEMPOTENCY_KEY } from '../http/idempotency';
import { bearer, closed, ledgerId } from '../http/schemas';
import { paymentReference, PaymentProviderFailed, WebhookRefused } from '../payments/payment-provider';
import { failures, success } from '../http/responses';

/** The most one top-up or transfer may bring in: 100,000.00 in the account's currency. */
const MAX_PAYMENT = 100_000_00;
const amount = { type: 'integer', minimum: 1, maximum: MAX_PAYMENT, description: 'minor units (cents)' } as const;
const transferReference = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'the bank’s reference of the transfer received' } as const;
const iban = { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{11,36}$', description: 'the driver’s IBAN; kept by Wallets, never on the ledger' } as const;
const accountParams = closed({ accountId: ledgerId }, ['accountId']);

/** A driver's bank account for payouts, as Wallets keeps it (mode 600 store): the ledger has its fingerprint only. */
interface KeptDestination {
  readonly iban: string;
  readonly salt: string;
  readonly confirmedBy: string;
  readonly confirmedAtMs: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * How money comes into and leaves a wallet (decision 0027). In: a card payment the provider confirmed with
 * a signed webhook, or a bank transfer Wallets' staff record; never a driver's word. Out: a driver's money
 * goes back to a payment it came from (a refund at the provider) or to a bank account the driver confirmed
 * while signed in; staff pay requested payouts but choose no destination.
 */
export function registerMoneyRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids, payments } = context;
  const ledger = context.ledger.ledger;
  const driver = guard.allow('driver');
  const staff = guard.allow('wallets-staff');
  const driverOrStaff = guard.allow('driver', 'wallets-staff');
  const ownAccount = (request: FastifyRequest, accountId: string, reply: FastifyReply): boolean => {
    const principal = guard.principal(request);
    return forbidUnless(principal.role === 'wallets-staff' || principal.party === accountId, reply, `account ${accountId} is not yours`);
  };

  app.post<{ Params: { accountId: string }; Body: { amount: number } }>(
    '/api/accounts/:accountId/top-ups',
    {
      onRequest: driver,
      schema: {
        summary: 'Ask to top up your wallet by card: answers the payment to complete with the provider; the wallet is credited when the provider confirms it (its webhook), not before',
        tags: ['money in'],
        response: { 201: success('The payment to complete with the provider'), 502: { ...failures[503], description: 'PaymentProviderFailed: the payment provider could not be reached or refused the payment' } },
        security: bearer,
        params: accountParams,
        body: closed({ amount }, ['amount']),
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(request, accountId, reply)) return reply;
      if (payments === undefined) return reply.code(503).send({ error: 'PaymentsNotConfigured', message: 'card top-ups are not set up at this Wallets service; pay by bank transfer, which Wallets’ staff record' });
      const account = await ledger.evaluate('Wallet:getAccount', { accountId });
      try {
        const payment = await payments.createPayment({ accountId, amount: request.body.amount, currency: account.currency, idempotencyKey: ids(request)('topup') });
        request.log.info({ accountId, paymentId: payment.paymentId, amount: payment.amount }, 'card top-up asked for; waiting for the provider to confirm it');
        return reply.code(201).send({ provider: payments.name, ...payment, reference: paymentReference(payments.name, payment.paymentId) });
      } catch (error) {
        if (!(error instanceof PaymentProviderFailed)) throw error;
        request.log.warn({ err: error, accountId }, 'the payment provider did not create a payment');
        return reply.code(502).send({ error: 'PaymentProviderFailed', message: 'the payment provider could not be reached or refused the payment; nothing was charged' });
      }
    },
  );

  app.post<{ Params: { accountId: string }; Body: { amount: number; reference: string } }>(
    '/api/accounts/:accountId/bank-transfers',
    {
      onRequest: staff,
      schema: {
        summary: 'Record a bank transfer Wallets received for this account: credited once per reference (409 if the reference was credited before)',
        tags: ['money in'],
        security: bearer,
        params: accountParams,
        body: closed({ amount, reference: transferReference }, ['amount', 'reference']),
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return ledger.submit('Wallet:topUp', { eventId: ids(request)('evt'), accountId, amount: request.body.amount, reference: paymentReference('bank', request.body.reference) });
    },
  );

  // The provider's signature covers the exact bytes it sent, so this route reads its body raw.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(
      '/api/payments/stripe/webhook',
      {
        schema: {
          summary: 'Stripe’s webhook: a payment_intent.succeeded signed with the webhook secret credits the wallet once, keyed by the payment id; anything unsigned, forged or stale is refused (400)',
          tags: ['money in'],
          response: { 200: success('The payment credited (or credited before)'), 400: { ...failures[400], description: 'WebhookRefused: not signed with the webhook secret, forged or stale' }, 404: { ...failures[404], description: 'Card payments are not set up at this Wallets service' }, 422: { ...failures[422], description: 'UnknownAccount or CurrencyMismatch: the payment names no account on the ledger, or another currency' } },
        },
      },
      async (request, reply) => {
        if (payments === undefined) return reply.code(404).send({ error: 'NotFound', message: 'card payments are not set up at this Wallets service' });
        const signature = request.headers['stripe-signature'];
        let notice;
        try {
          notice = payments.readWebhook(request.body as Buffer, typeof signature === 'string' ? signature : undefined);
        } catch (error) {
          if (!(error instanceof WebhookRefused)) throw error;
          request.log.warn({ reason: error.reason, detail: error.message, from: request.ip }, 'webhook refused: not the payment provider’s signed word');
          return reply.code(400).send({ error: 'WebhookRefused', reason: error.reason, message: error.message });
        }
        if (notice.kind === 'ignored') return { received: true, ignored: notice.type };
        const { payment } = notice;
        const reference = paymentReference(payments.name, payment.paymentId);
        let account;
        try {
          account = await ledger.evaluate('Wallet:getAccount', { accountId: payment.accountId });
        } catch (error) {
          if (!(error instanceof LedgerRefusal)) throw error;
          request.log.error({ paymentId: payment.paymentId, accountId: payment.accountId, code: error.code }, 'a confirmed payment names an account the ledger does not know; refund it at the provider');
          return reply.code(422).send({ error: 'UnknownAccount', message: `account ${payment.accountId} is not on the ledger` });
        }
        if (account.currency !== payment.currency) {
          request.log.error({ paymentId: payment.paymentId, accountId: payment.accountId, currency: payment.currency, accountCurrency: account.currency }, 'a confirmed payment is in another currency than its account; refund it at the provider');
          return reply.code(422).send({ error: 'CurrencyMismatch', message: `the payment is in ${payment.currency}, the account in ${account.currency}` });
        }
        // The event id is the payment's, so every delivery of it reaches the ledger as one event.
        const eventId = `pay-${sha256(reference).slice(0, 40)}`;
        try {
          const credited = await ledger.submit('Wallet:topUp', { eventId, accountId: payment.accountId, amount: payment.amount, reference });
          request.log.info({ deliveryId: notice.deliveryId, paymentId: payment.paymentId, accountId: payment.accountId, amount: payment.amount }, 'confirmed payment credited (once, however often delivered)');
          return { received: true, credited: { accountId: credited.accountId, amount: payment.amount, reference } };
        } catch (error) {
          if (!(error instanceof LedgerRefusal && error.code === 'ALREADY_EXISTS')) throw error;
          request.log.info({ deliveryId: notice.deliveryId, paymentId: payment.paymentId }, 'a payment already credited was delivered again: nothing credited');
          return { received: true, credited: null, reason: error.reason };
        }
      },
    );
  });

  app.post<{ Params: { accountId: string }; Body: { iban: string } }>(
    '/api/accounts/:accountId/payout-destinations',
    {
      onRequest: driver,
      schema: {
        summary: 'Confirm a bank account of yours for payouts: Wallets keeps the IBAN, the ledger records its fingerprint and your request',
        tags: ['money out'],
        response: { 201: success('The destination, with the IBAN’s last four characters') },
        security: bearer,
        params: accountParams,
        body: closed({ iban }, ['iban']),
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(request, accountId, reply)) return reply;
      const normalized = request.body.iban.replaceAll(' ', '');
      const id = ids(request);
      const destinationId = id('dest');
      const salt = sha256(`${id('salt')}\n${randomBytes(16).toString('hex')}`);
      const kept = store.record<KeptDestination>('payout-destinations', `${accountId}/${destinationId}`);
      const destination: KeptDestination = kept ?? { iban: normalized, salt, confirmedBy: guard.principal(request).username, confirmedAtMs: context.clock.now() };
      if (kept === undefined) await store.keep('payout-destinations', `${accountId}/${destinationId}`, destination);
      const confirmation = sha256(JSON.stringify({ accountId, destinationId, by: destination.confirmedBy, atMs: destination.confirmedAtMs }));
      const confirmed = await ledger.submit('Wallet:confirmPayoutDestination', { eventId: id('evt'), accountId, destinationId, fingerprint: sha256(`${destination.salt}:${destination.iban}`), confirmation });
      await store.remember(`payout-destinations:${accountId}`, destinationId);
      return reply.code(201).send({ ...confirmed, ibanEnding: destination.iban.slice(-4) });
    },
  );

  app.post<{ Params: { accountId: string }; Body: { amount: number; refundOf?: string; destinationId?: string } }>(
    '/api/accounts/:accountId/payouts',
    {
      onRequest: driver,
      schema: {
        summary: 'Take money out of your wallet: back to a payment it came from (refundOf: its reference, refunded at the provider at once) or to a bank account you confirmed (destinationId)',
        tags: ['money out'],
        response: { 201: success('The payout, debited'), 202: success('A refund the provider could not make yet: Wallets makes it or returns the money') },
        security: bearer,
        params: accountParams,
        body: closed({ amount, refundOf: ledgerId, destinationId: ledgerId }, ['amount']),
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(request, accountId, reply)) return reply;
      const { refundOf, destinationId } = request.body;
      if ((refundOf === undefined) === (destinationId === undefined)) return reply.code(400).send({ error: 'BadRequest', message: 'name either refundOf (a payment’s reference) or destinationId (a bank account you confirmed)' });
      const id = ids(request);
      const payoutId = id('po');
      const principal = guard.principal(request);
      const requestRef = sha256(JSON.stringify({ accountId, payoutId, by: principal.username, body: request.body, idempotencyKey: request.headers[IDEMPOTENCY_KEY] ?? null }));
      const destination = refundOf !== undefined ? `refund:${refundOf}` : `destination:${destinationId}`;
      let payout = await ledger.submit('Wallet:requestPayout', { eventId: id('evt'), accountId, payoutId, amount: request.body.amount, destination, requestRef });
      await store.remember(`payouts:${accountId}`, payoutId);
      const provider = refundOf?.split(':')[0];
      if (refundOf !== undefined && payments !== undefined && provider === payments.name && payout.status === 'requested') {
        try {
          const { refundId } = await payments.refund({ paymentId: refundOf.slice(provider.length + 1), amount: payout.amount, idempotencyKey: payoutId });
          payout = await ledger.submit('Wallet:payout', { eventId: id('evt'), accountId, payoutId, reference: refundId });
        } catch (error) {
          if (!(error instanceof PaymentProviderFailed)) throw error;
          request.log.warn({ err: error, accountId, payoutId }, 'refund not made at the provider; the payout waits for Wallets’ staff');
          return reply.code(202).send({ ...payout, message: 'the refund could not be made at the provider yet; Wallets will make it or return the money to your wallet' });
        }
      }
      return reply.code(201).send(payout);
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/payouts',
    { onRequest: driverOrStaff, schema: { summary: 'The payouts asked for from this account, with their destination and status', tags: ['money out'], security: bearer, params: accountParams } },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(request, accountId, reply)) return reply;
      const payouts = await Promise.all(store.list(`payouts:${accountId}`).map((payoutId) => ledger.evaluate('Wallet:getPayout', { accountId, payoutId })));
      return { payouts: payouts.sort((a: Payout, b: Payout) => b.requestedAtMs - a.requestedAtMs) };
    },
  );

  for (const [outcome, transaction, summary] of [
    ['paid', 'Wallet:payout', 'Record that Wallets made the transfer of a requested payout (to the destination its owner named; staff choose none)'],
    ['returned', 'Wallet:returnPayout', 'Record that a requested payout could not be made: its amount goes back to the account'],
  ] as const) {
    app.post<{ Params: { accountId: string; payoutId: string }; Body: { reference: string } }>(
      `/api/accounts/:accountId/payouts/:payoutId/${outcome}`,
      {
        onRequest: staff,
        schema: { summary, tags: ['money out'], security: bearer, params: closed({ accountId: ledgerId, payoutId: ledgerId }, ['accountId', 'payoutId']), body: closed({ reference: transferReference }, ['reference']) },
      },
      async (request) => ledger.submit(transaction, { eventId: ids(request)('evt'), ...request.params, reference: request.body.reference }),
    );
  }
}
