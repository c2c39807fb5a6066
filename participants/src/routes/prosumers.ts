import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerOwnPayoutRoutes } from './own-payouts';
import { type PostOfferRequest, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { type ChargingLedger, LedgerRefusal } from '@chargeledger/ledger-client';
import { hashPassword } from '../auth/passwords';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { bearer, closed, currency, ledgerId, password, positiveInteger, timestampMs, username } from '../http/schemas';
import { rememberedOnLedger } from '../ledger/remembered';
import { openSession, refuseWeakPassword } from './sign-in';
import { success } from '../http/responses';

const offerParams = closed({ offerId: ledgerId }, ['offerId']);
/** An OCMF record as the export meter signed it: `OCMF|{payload}|{signature}`. */
const ocmfRecord = { type: 'string', pattern: '^OCMF\\|', maxLength: 8192 } as const;

/**
 * Prosumers: each signs up for itself and acts with an identity of its own (its prosumer id in the
 * certificate). It posts offers from an export meter the Authority registered, sees the operators'
 * acceptances, settles delivery from the meter's signed records, and sees what it earned.
 */
export function registerProsumerRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids } = context;
  const prosumer = guard.allow('prosumer');
  const prosumerOf = (request: FastifyRequest): string => guard.principal(request).party ?? '';
  const ledgerOf = (request: FastifyRequest): Promise<ChargingLedger> => context.ledger.forParty(prosumerOf(request));
  registerOwnPayoutRoutes(app, context, 'prosumer', ledgerOf);

  app.post<{ Body: { username: string; password: string } }>(
    '/api/prosumers',
    {
      onRequest: context.throttles.signUpByAddress,
      schema: {
        summary: 'Sign up as a prosumer: you get a prosumer id (Wallets opens your account and the Authority registers your export meter for it)',
        tags: ['prosumers'],
        response: { 201: success('Signed in: a session token and the prosumer, its id in user.party') },
        body: closed({ username, password }, ['username', 'password']),
      },
    },
    async (request, reply) => {
      if (refuseWeakPassword(reply, request.body.password, request.body.username)) return reply;
      if (store.user(request.body.username) !== undefined) return reply.code(409).send({ error: 'Conflict', message: `user ${request.body.username} exists` });
      const prosumerId = ids(request)('pro');
      // On Fabric this enrolls the prosumer's own identity with the Prosumers CA before anyone relies on it.
      await context.ledger.forParty(prosumerId);
      const principal = { username: request.body.username, role: 'prosumer' as const, party: prosumerId };
      await store.addUser({ ...principal, passwordHash: await hashPassword(request.body.password), createdAtMs: context.clock.now() });
      return reply.code(201).send(openSession(context, principal));
    },
  );

  app.post<{ Body: Omit<PostOfferRequest, 'eventId' | 'offerId'> & { offerId?: string } }>(
    '/api/offers',
    {
      onRequest: prosumer,
      schema: {
        summary: 'Offer energy from an export meter for a delivery window, at a price per kWh (micro-units of the currency)',
        tags: ['offers'],
        response: { 201: success('The offer') },
        security: bearer,
        body: closed(
          { offerId: ledgerId, prosumerAccountId: ledgerId, exportPointId: ledgerId, energyWh: positiveInteger, priceMicroPerKWh: positiveInteger, currency, windowStartMs: timestampMs, windowEndMs: timestampMs, acceptUntilMs: timestampMs },
          ['prosumerAccountId', 'exportPointId', 'energyWh', 'priceMicroPerKWh', 'currency', 'windowStartMs', 'windowEndMs', 'acceptUntilMs'],
        ),
      },
    },
    async (request, reply) => {
      const offer = await (await ledgerOf(request)).submit('Trading:postOffer', { eventId: ids(request)('evt'), offerId: request.body.offerId ?? ids(request)('offer'), ...request.body });
      await store.remember(`offers:${prosumerOf(request)}`, offer.offerId);
      return reply.code(201).send(offer);
    },
  );

  app.get('/api/offers', { onRequest: prosumer, schema: { summary: 'Your offers with their acceptances (trades)', tags: ['offers'], security: bearer } }, async (request) => {
    const ledger = await ledgerOf(request);
    return { offers: await rememberedOnLedger(store.list(`offers:${prosumerOf(request)}`), (offerId) => ledger.evaluate('Trading:getOffer', { offerId })) };
  });

  app.get<{ Params: { offerId: string } }>(
    '/api/offers/:offerId',
    { onRequest: prosumer, schema: { summary: 'One of your offers with its acceptances', tags: ['offers'], security: bearer, params: offerParams } },
    async (request, reply) => {
      const offer = await (await ledgerOf(request)).evaluate('Trading:getOffer', request.params);
      if (!forbidUnless(offer.prosumerId === prosumerOf(request), reply, `offer ${offer.offerId} is another prosumer’s`)) return reply;
      return offer;
    },
  );

  app.post<{ Params: { offerId: string }; Body: { ocmfRecords: string[] } }>(
    '/api/offers/:offerId/settlement',
    {
      onRequest: prosumer,
      schema: {
        summary: 'Settle delivery from the export meter’s signed records (begin and end of the window): you are paid min(accepted, delivered), the rest is refunded',
        tags: ['offers'],
        security: bearer,
        params: offerParams,
        body: closed({ ocmfRecords: { type: 'array', maxItems: 64, items: ocmfRecord, description: 'empty only after the grace period: delivery then counts as zero' } }, ['ocmfRecords']),
      },
    },
    async (request) => {
      const records = request.body.ocmfRecords;
      const options = records.length === 0 ? {} : { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } };
      return (await ledgerOf(request)).submit('Trading:settleDelivery', { eventId: ids(request)('evt'), offerId: request.params.offerId }, options);
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/earnings',
    { onRequest: prosumer, schema: { summary: 'Your account and what each trade paid into it', tags: ['earnings'], security: bearer, params: closed({ accountId: ledgerId }, ['accountId']) } },
    async (request, reply) => {
      const ledger = await ledgerOf(request);
      // An account that does not exist is answered as one that is not the prosumer's: the answer does not tell which.
      const account = await ledger.evaluate('Wallet:getAccount', request.params).catch((error: unknown) => {
        if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return undefined;
        throw error;
      });
      if (!forbidUnless(account !== undefined && account.kind === 'prosumer' && account.ownerId === prosumerOf(request), reply, `account ${request.params.accountId} is not yours`)) return reply;
      if (account === undefined) return reply;
      const { entries } = await ledger.evaluate('Wallet:getHistory', request.params);
      const payments = entries.filter((entry) => entry.reason === 'trade-payment');
      return { account, payments, earned: payments.reduce((total, entry) => total + entry.amount, 0) };
    },
  );
}
