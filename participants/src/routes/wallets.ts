import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type LedgerEntry, type Receipt, type RecordedRefusal, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { transparencyXml, verifyProof } from '@chargeledger/verifier';
import { hashPassword } from '../auth/passwords';
import type { Principal } from '../auth/sessions';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { bearer, closed, currency, ledgerId, password, positiveInteger, username } from '../http/schemas';
import { registerCardRoutes } from './cards';
import { registerDriverChartRoutes } from './driver-charts';
import { registerMoneyRoutes } from './money';
import { receiptOf } from './receipts';
import { openSession, refuseWeakPassword } from './sign-in';
import { registerStationFinder } from './station-finder';
import { success } from '../http/responses';

/** The largest hold one session of a self-registered driver may place: 20.00 in the account's currency. */
export const DRIVER_SESSION_LIMIT = 2000;
/** Transactions that carry personal data or raw tokens go to Wallets peers only (ADR 0003). */
const WALLETS_ONLY = { endorsingOrganizations: ['WalletsMSP'] } as const;
const accountParams = closed({ accountId: ledgerId }, ['accountId']);

/**
 * A statement line: the ledger entry and, for a session's debit or credit, the receipt behind it; for a
 * session the ledger refused to settle (`session-refused`, no amount), why it refused.
 */
export interface StatementEntry extends LedgerEntry {
  readonly receipt?: Receipt;
  readonly refusal?: RecordedRefusal;
}

/** A driver sees their own account only; Wallets staff see every account. */
const mayUseAccount = (principal: Principal, accountId: string): boolean => principal.role === 'wallets-staff' || principal.party === accountId;

export async function statementOf(ledger: ChargingLedger, accountId: string): Promise<StatementEntry[]> {
  const { entries } = await ledger.evaluate('Wallet:getHistory', { accountId });
  return Promise.all(
    entries.map(async (entry): Promise<StatementEntry> => {
      if (entry.reason === 'session-refused') {
        const { refusal } = await ledger.evaluate('Session:getSession', { sessionId: entry.ref });
        return refusal === undefined ? entry : { ...entry, refusal };
      }
      if (entry.reason !== 'session-debit' && entry.reason !== 'session-credit') return entry;
      const receipt = await receiptOf(ledger, entry.ref);
      return receipt === undefined ? entry : { ...entry, receipt };
    }),
  );
}

export function registerWalletRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids } = context;
  const ledger = context.ledger.ledger;
  const driverOrStaff = guard.allow('driver', 'wallets-staff');
  const staffOnly = guard.allow('wallets-staff');
  const ownAccount = (principal: Principal, accountId: string, reply: FastifyReply): boolean =>
    forbidUnless(mayUseAccount(principal, accountId), reply, `account ${accountId} is not yours`);

  app.post<{ Body: { username: string; password: string; name: string; email: string; currency?: string } }>(
    '/api/drivers',
    {
      onRequest: context.throttles.signUpByAddress,
      schema: {
        summary: 'Sign up as a driver: Wallets opens your account and keeps your name and e-mail off the public ledger',
        tags: ['drivers'],
        response: { 201: success('Signed in: a session token and the driver, the account id in user.party') },
        body: closed({ username, password, name: { type: 'string', minLength: 1, maxLength: 120 }, email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 200 }, currency }, ['username', 'password', 'name', 'email']),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (refuseWeakPassword(reply, body.password, body.username)) return reply;
      if (store.user(body.username) !== undefined) return reply.code(409).send({ error: 'Conflict', message: `user ${body.username} exists` });
      const id = ids(request);
      const accountId = id('drv');
      await ledger.submit('Wallet:openAccount', { eventId: id('evt'), accountId, kind: 'driver', currency: body.currency ?? 'EUR', sessionLimit: DRIVER_SESSION_LIMIT });
      const profile = JSON.stringify({ name: body.name, email: body.email, salt: randomBytes(16).toString('hex') });
      await ledger.submit('Wallet:setDriverProfile', { eventId: id('evt'), accountId }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.driverProfile]: profile } });
      const principal = { username: body.username, role: 'driver' as const, party: accountId };
      await store.addUser({ ...principal, passwordHash: await hashPassword(body.password), createdAtMs: context.clock.now() });
      return reply.code(201).send(openSession(context, principal));
    },
  );

  app.post<{ Body: { accountId: string; kind: 'driver' | 'operator' | 'prosumer'; ownerId?: string; currency: string; sessionLimit?: number } }>(
    '/api/accounts',
    {
      onRequest: staffOnly,
      schema: {
        summary: 'Open an account: a driver’s, or an operator’s or prosumer’s with its owner id',
        tags: ['accounts'],
        response: { 201: success('The account') },
        security: bearer,
        body: closed({ accountId: ledgerId, kind: { type: 'string', enum: ['driver', 'operator', 'prosumer'] }, ownerId: ledgerId, currency, sessionLimit: positiveInteger }, ['accountId', 'kind', 'currency']),
      },
    },
    async (request, reply) => reply.code(201).send(await ledger.submit('Wallet:openAccount', { eventId: ids(request)('evt'), ...request.body })),
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId',
    { onRequest: driverOrStaff, schema: { summary: 'Balance, holds and what is available', tags: ['accounts'], security: bearer, params: accountParams } },
    async (request, reply) => {
      if (!ownAccount(guard.principal(request), request.params.accountId, reply)) return reply;
      return ledger.evaluate('Wallet:getAccount', { accountId: request.params.accountId });
    },
  );

  app.post<{ Params: { accountId: string; sessionId: string } }>(
    '/api/accounts/:accountId/holds/:sessionId/release',
    {
      onRequest: driverOrStaff,
      schema: {
        summary: 'Release the hold of a session the ledger has not settled 72 hours after it opened, charging nothing (Session:abandonSession)',
        description:
          'Wallets may release a driver’s hold once its session is 72 hours old and still open: a lost charger or CSMS must not lock the driver’s money for good. The operator forgoes the session’s revenue. A session the ledger settled or refused is over already (422 INVALID_STATE), as is one younger than 72 hours. A retry answers what the first release did.',
        tags: ['accounts'],
        security: bearer,
        // 120 characters: the release's event id is the session's with `release.` before it, and event ids have at most 128.
        params: closed({ accountId: ledgerId, sessionId: { ...ledgerId, pattern: '^[A-Za-z0-9._:-]{1,120}$' } }, ['accountId', 'sessionId']),
      },
    },
    async (request, reply) => {
      const { accountId, sessionId } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      const session = await ledger.evaluate('Session:getSession', { sessionId });
      if (session.driverAccountId !== accountId) return reply.code(404).send({ error: 'NotFound', message: `account ${accountId} holds nothing for session ${sessionId}` });
      // One release per session: its event id is the session's, so a retry replays the first answer.
      return ledger.submit('Session:abandonSession', { eventId: `release.${sessionId}`, sessionId });
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/statement',
    { onRequest: driverOrStaff, schema: { summary: 'Every entry of the account, with the session receipt or top-up reference behind it', tags: ['accounts'], security: bearer, params: accountParams } },
    async (request, reply) => {
      if (!ownAccount(guard.principal(request), request.params.accountId, reply)) return reply;
      return { accountId: request.params.accountId, entries: await statementOf(ledger, request.params.accountId) };
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/receipts',
    { onRequest: driverOrStaff, schema: { summary: 'The receipts of the account’s charging sessions, newest first', tags: ['accounts'], security: bearer, params: accountParams } },
    async (request, reply) => {
      if (!ownAccount(guard.principal(request), request.params.accountId, reply)) return reply;
      const statement = await statementOf(ledger, request.params.accountId);
      const receipts = statement.flatMap((entry) => (entry.receipt === undefined ? [] : [entry.receipt]));
      return { receipts: receipts.sort((a, b) => b.endTimeMs - a.endTimeMs) };
    },
  );

  app.get<{ Params: { accountId: string; sessionId: string }; Querystring: { format?: 'proof' | 'transparency-xml' } }>(
    '/api/accounts/:accountId/receipts/:sessionId/proof',
    {
      onRequest: driverOrStaff,
      schema: {
        summary: 'A file that proves what the session cost: the settlement\'s blocks from two organizations\' peers and the meter\'s signed records (check it with `npm run verify -- --proof <file>`), or with format=transparency-xml the records for the S.A.F.E. Transparenzsoftware',
        tags: ['accounts'],
        security: bearer,
        params: closed({ accountId: ledgerId, sessionId: ledgerId }, ['accountId', 'sessionId']),
        querystring: closed({ format: { type: 'string', enum: ['proof', 'transparency-xml'] } }, []),
      },
    },
    async (request, reply) => {
      const { accountId, sessionId } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      const receipt = await receiptOf(ledger, sessionId);
      if (receipt === undefined || receipt.driverAccountId !== accountId) return reply.code(404).send({ error: 'NotFound', message: `account ${accountId} has no receipt for session ${sessionId}` });
      const records = await context.csms.meterRecords(sessionId);
      if (records.status !== 'ok') return reply.code(503).send({ error: 'Unavailable', message: `the session's signed meter records cannot be read from the CSMS: ${records.reason}` });
      const proof = await context.ledger.proof(sessionId, receipt.txId, records.value);
      if (request.query.format === 'transparency-xml') {
        const verdict = verifyProof(proof);
        const publicKey = verdict.receipt?.meterPublicKey;
        if (publicKey === undefined || records.value.length === 0) return reply.code(409).send({ error: 'Conflict', message: `session ${sessionId} was billed from unsigned meter data: there are no signed records to export` });
        return reply
          .header('content-type', 'application/xml; charset=utf-8')
          .header('content-disposition', `attachment; filename="${sessionId}.transparency.xml"`)
          .send(transparencyXml({ sessionId, records: records.value, publicKey }));
      }
      return reply.header('content-disposition', `attachment; filename="${sessionId}.proof.json"`).send(proof);
    },
  );

  registerDriverChartRoutes(app, context, ownAccount);
  registerCardRoutes(app, context);
  registerMoneyRoutes(app, context);
  registerStationFinder(app, context, ['driver', 'wallets-staff']);
}
