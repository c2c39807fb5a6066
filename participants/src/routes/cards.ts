import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { type ChargingLedger, ensureTokenPepper, LedgerRefusal, linkCard } from '@chargeledger/ledger-client';
import type { Principal } from '../auth/sessions';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { bearer, closed, ledgerId } from '../http/schemas';
import { success } from '../http/responses';

/**
 * Charging cards (decision 0030). A driver asks for a card to be linked and is always answered the same way
 * (202, pending), whatever the card's state, so nobody learns from the answer whether a card id is someone's;
 * Wallets' staff, who see the card or its owner's proof, confirm the request, and only then is the card linked
 * on the ledger. A card unlinked is forgotten from Wallets' private index too, so it can be linked again.
 */

const WALLETS_ONLY = { endorsingOrganizations: ['WalletsMSP'] } as const;
const idToken = { type: 'string', pattern: '^[A-Za-z0-9]{4,36}$', description: 'the card’s UID as the reader reports it' } as const;
const accountParams = closed({ accountId: ledgerId }, ['accountId']);

/** A driver's request to link a card, kept by the Wallets' service (mode 600) until staff confirm it. */
interface CardRequest {
  readonly requestRef: string;
  readonly accountId: string;
  readonly idToken: string;
  readonly requestedAtMs: number;
  readonly status: 'pending' | 'linked' | 'refused';
  readonly tokenRef?: string;
}

const mayUseAccount = (principal: Principal, accountId: string): boolean => principal.role === 'wallets-staff' || principal.party === accountId;

/** The account a card is linked to now, if any; asked on the Wallets peer, where the private index is. */
async function linkedAccountOf(ledger: ChargingLedger, card: string): Promise<string | undefined> {
  try {
    return (await ledger.evaluate('Wallet:resolveIdToken', {}, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.idToken]: card } })).accountId;
  } catch (error) {
    if (error instanceof LedgerRefusal && (error.code === 'NOT_FOUND' || error.code === 'ID_TOKEN_REJECTED' || error.code === 'INVALID_STATE')) return undefined;
    throw error;
  }
}

export function registerCardRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids } = context;
  const ledger = context.ledger.ledger;
  const driverOrStaff = guard.allow('driver', 'wallets-staff');
  const staffOnly = guard.allow('wallets-staff');
  let pepperSet = false;
  const ownAccount = (principal: Principal, accountId: string, reply: FastifyReply): boolean =>
    forbidUnless(mayUseAccount(principal, accountId), reply, `account ${accountId} is not yours`);

  const forgetCard = async (card: string, eventId: string): Promise<void> => {
    try {
      await ledger.submit('Wallet:forgetIdToken', { eventId }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.idToken]: card } });
    } catch (error) {
      if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND')) throw error;
    }
  };

  /** Links the card on the ledger (staff only): 409 when it is linked already, to this account or another. */
  const link = async (accountId: string, card: string, id: (prefix: string) => string): Promise<{ status: 201; body: unknown } | { status: 409; body: unknown }> => {
    if (!pepperSet) {
      await ensureTokenPepper(ledger, `pepper-${randomBytes(8).toString('hex')}`);
      pepperSet = true;
    }
    if ((await linkedAccountOf(ledger, card)) !== undefined) return { status: 409, body: { error: 'Conflict', message: 'this card is linked to an account; it must be unlinked there first' } };
    // A card unlinked before unlinking also forgot it may still sit in the private index: forgotten first.
    await forgetCard(card, id('evt'));
    const tokenRef = id('card');
    const linked = await linkCard(ledger, { accountId, idToken: card, tokenRef, eventIds: [id('evt'), id('evt')] });
    await store.remember(`cards:${accountId}`, tokenRef);
    // Kept (mode 600, Wallets' own store) so that unlinking can also forget the card in the private index.
    await store.keep('card-token', tokenRef, card);
    return { status: 201, body: linked };
  };

  app.post<{ Params: { accountId: string }; Body: { idToken: string } }>(
    '/api/accounts/:accountId/cards',
    {
      onRequest: driverOrStaff,
      schema: {
        summary: 'Link a charging card (RFID UID): staff link it at once (201, 409 when it is linked elsewhere); a driver’s request waits for staff to confirm it (202, the same answer whatever the card’s state)',
        tags: ['cards'],
        response: { 201: success('Staff: the card linked (its tokenRef)'), 202: success('A driver: the request waiting for Wallets’ staff') },
        security: bearer,
        params: accountParams,
        body: closed({ idToken }, ['idToken']),
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      const principal = guard.principal(request);
      if (!ownAccount(principal, accountId, reply)) return reply;
      const card = request.body.idToken.toUpperCase();
      const id = ids(request);
      if (principal.role === 'wallets-staff') {
        const answer = await link(accountId, card, id);
        return reply.code(answer.status).send(answer.body);
      }
      const cardRequest: CardRequest = { requestRef: id('cardreq'), accountId, idToken: card, requestedAtMs: context.clock.now(), status: 'pending' };
      await store.keep('card-request', cardRequest.requestRef, cardRequest);
      await store.remember('card-requests', cardRequest.requestRef);
      await store.remember(`card-requests:${accountId}`, cardRequest.requestRef);
      return reply.code(202).send({ requestRef: cardRequest.requestRef, accountId, status: 'pending', message: 'Wallets’ staff confirm the card before it can start a session' });
    },
  );

  app.get('/api/card-requests', { onRequest: staffOnly, config: { ledger: false }, schema: { summary: 'Drivers’ card requests waiting for confirmation (the card id’s last four characters only)', tags: ['cards'], security: bearer } }, async () => ({
    requests: store
      .list('card-requests')
      .map((ref) => store.record<CardRequest>('card-request', ref))
      .filter((entry): entry is CardRequest => entry !== undefined && entry.status === 'pending')
      .map(({ requestRef, accountId, requestedAtMs, idToken: card }) => ({ requestRef, accountId, requestedAtMs, cardEnding: card.slice(-4) })),
  }));

  app.post<{ Params: { requestRef: string } }>(
    '/api/card-requests/:requestRef/confirmation',
    {
      onRequest: staffOnly,
      schema: { summary: 'Confirm a driver’s card request: the card is linked on the ledger (201), or 409 when it is linked to an account already (the request is then refused)', tags: ['cards'], response: { 201: success('The card linked (its tokenRef)') }, security: bearer, params: closed({ requestRef: ledgerId }, ['requestRef']) },
    },
    async (request, reply) => {
      const cardRequest = store.record<CardRequest>('card-request', request.params.requestRef);
      if (cardRequest === undefined || cardRequest.status !== 'pending') return reply.code(404).send({ error: 'NotFound', message: `no pending card request ${request.params.requestRef}` });
      const answer = await link(cardRequest.accountId, cardRequest.idToken, ids(request));
      const tokenRef = answer.status === 201 ? (answer.body as { tokenRef: string }).tokenRef : undefined;
      await store.keep('card-request', cardRequest.requestRef, { ...cardRequest, status: answer.status === 201 ? 'linked' : 'refused', ...(tokenRef === undefined ? {} : { tokenRef }) });
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/cards',
    { onRequest: driverOrStaff, schema: { summary: 'The references of the cards linked here and of the requests still pending (the card numbers stay private)', tags: ['cards'], security: bearer, params: accountParams } },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      const pending = store.list(`card-requests:${accountId}`).filter((ref) => store.record<CardRequest>('card-request', ref)?.status === 'pending');
      return { tokenRefs: store.list(`cards:${accountId}`), pendingRequests: pending };
    },
  );

  app.delete<{ Params: { accountId: string; tokenRef: string } }>(
    '/api/accounts/:accountId/cards/:tokenRef',
    { onRequest: driverOrStaff, schema: { summary: 'Revoke a card: sessions can no longer start with it, and it may be linked again later (to this account or another)', tags: ['cards'], security: bearer, params: closed({ accountId: ledgerId, tokenRef: ledgerId }, ['accountId', 'tokenRef']) } },
    async (request, reply) => {
      const { accountId, tokenRef } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      const id = ids(request);
      const card = store.record<string>('card-token', tokenRef);
      const [unlinkEvent, forgetEvent] = [id('evt'), id('evt')];
      // Forgotten in the private index while its link is still this account's: then anyone may link it again.
      if (card !== undefined && (await linkedAccountOf(ledger, card)) === accountId) await forgetCard(card, forgetEvent);
      return ledger.submit('Wallet:unlinkIdToken', { eventId: unlinkEvent, accountId, tokenRef });
    },
  );
}
