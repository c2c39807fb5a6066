import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Payout } from '@chargeledger/chaincode/api';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import type { Role } from '../auth/sessions';
import type { RouteContext } from '../http/app';
import { bearer, closed, ledgerId } from '../http/schemas';
import { success } from '../http/responses';

const destination = { type: 'string', pattern: '^iban:[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$', description: 'your business bank account, iban:<IBAN>' } as const;

/**
 * An operator or a prosumer asks for its own account's money, with its own identity: the request it signs
 * names the destination, which the ledger records; Wallets then makes the transfer and can choose nothing
 * (decision 0027). The chaincode refuses an account that is not the caller's.
 */
export function registerOwnPayoutRoutes(app: FastifyInstance, context: RouteContext, role: Role, ledgerOf: (request: FastifyRequest) => Promise<ChargingLedger>): void {
  const { guard, store, ids } = context;
  const owner = guard.allow(role);
  const listOf = (request: FastifyRequest): string => `own-payouts:${guard.principal(request).party ?? ''}`;

  app.post<{ Body: { accountId: string; amount: number; destination: string } }>(
    '/api/payouts',
    {
      onRequest: owner,
      schema: {
        summary: 'Ask for money out of your own account to your bank account: debited at once, paid by Wallets to the destination you name here',
        tags: ['money out'],
        response: { 201: success('The payout, debited') },
        security: bearer,
        body: closed({ accountId: ledgerId, amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000_00 }, destination }, ['accountId', 'amount', 'destination']),
      },
    },
    async (request, reply) => {
      const id = ids(request);
      const payoutId = id('po');
      const payout = await (await ledgerOf(request)).submit('Wallet:requestPayout', { eventId: id('evt'), payoutId, ...request.body });
      await store.remember(listOf(request), `${request.body.accountId}/${payoutId}`);
      return reply.code(201).send(payout);
    },
  );

  app.get('/api/payouts', { onRequest: owner, schema: { summary: 'The payouts you asked for, newest first', tags: ['money out'], security: bearer } }, async (request) => {
    const ledger = await ledgerOf(request);
    const payouts = await Promise.all(
      store.list(listOf(request)).map((key) => {
        const [accountId = '', payoutId = ''] = key.split('/');
        return ledger.evaluate('Wallet:getPayout', { accountId, payoutId });
      }),
    );
    return { payouts: payouts.sort((a: Payout, b: Payout) => b.requestedAtMs - a.requestedAtMs) };
  });
}
