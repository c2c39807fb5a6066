import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { PricedTariff } from '@chargeledger/chaincode/pricing';
import type { Principal } from '../auth/sessions';
import { LiveSessions } from '../charts/live-sessions';
import { sessionCurve } from '../charts/session-curve';
import type { RouteContext } from '../http/app';
import { bearer, closed, ledgerId } from '../http/schemas';
import { receiptOf } from './receipts';

/** How often a driver's open live stream is sent the running sessions again. */
export const LIVE_INTERVAL_MS = 1_000;

type OwnAccount = (principal: Principal, accountId: string, reply: FastifyReply) => boolean;

/**
 * What a driver's phone draws and watches: a session's power and cost over time from the meter's signed
 * records, and the running sessions, sent as server-sent events while the page is open.
 */
export function registerDriverChartRoutes(app: FastifyInstance, context: RouteContext, ownAccount: OwnAccount): void {
  const { guard } = context;
  const ledger = context.ledger.ledger;
  const driverOrStaff = guard.allow('driver', 'wallets-staff');
  const live = new LiveSessions({ ledger, csms: context.csms, clock: context.clock });
  const streams = new Set<ServerResponse>();
  // An open stream would keep the server from closing: each is ended first.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get<{ Params: { accountId: string; sessionId: string } }>(
    '/api/accounts/:accountId/receipts/:sessionId/curve',
    {
      onRequest: driverOrStaff,
      schema: {
        summary: 'A settled session\'s power and cost build-up over time, from the meter\'s signed records priced on the tariff frozen at its start',
        description: 'One point per signed reading: the energy since the first reading, the average power since the reading before, and what the session would have cost had it ended there (the chaincode\'s pricing). The last point\'s cost is the receipt\'s `priced` for a verified receipt. 409 for a session billed from unsigned readings.',
        tags: ['accounts'],
        security: bearer,
        params: closed({ accountId: ledgerId, sessionId: ledgerId }, ['accountId', 'sessionId']),
      },
    },
    async (request, reply) => {
      const { accountId, sessionId } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      const receipt = await receiptOf(ledger, sessionId);
      if (receipt === undefined || receipt.driverAccountId !== accountId) return reply.code(404).send({ error: 'NotFound', message: `account ${accountId} has no receipt for session ${sessionId}` });
      if (receipt.verification !== 'verified') return reply.code(409).send({ error: 'Conflict', message: `session ${sessionId} was billed from unsigned meter data: there are no signed readings to draw` });
      const [records, tariff] = await Promise.all([context.csms.meterRecords(sessionId), ledger.evaluate('Tariff:getTariff', { tariffId: receipt.tariffId, version: receipt.tariffVersion })]);
      if (records.status !== 'ok') return reply.code(503).send({ error: 'Unavailable', message: `the session's signed meter records cannot be read from the CSMS: ${records.reason}` });
      return { sessionId, currency: receipt.currency, priced: receipt.priced, points: sessionCurve(records.value, tariff.tariff as PricedTariff) };
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/live',
    {
      onRequest: driverOrStaff,
      schema: {
        summary: 'The account\'s running sessions: energy so far from the CSMS, cost so far priced on the frozen tariff; with Accept: text/event-stream, sent again every second',
        description: 'As JSON, one answer `{ sessions }`. As server-sent events (Accept: text/event-stream), an event `sessions` with the same body every second while the stream is open, and `unavailable` when the ledger cannot be read.',
        tags: ['accounts'],
        security: bearer,
        params: closed({ accountId: ledgerId }, ['accountId']),
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ownAccount(guard.principal(request), accountId, reply)) return reply;
      if (!(request.headers.accept ?? '').includes('text/event-stream')) return { sessions: await live.of(accountId) };
      reply.hijack();
      const stream = reply.raw;
      // The headers set before (the CORS ones) go out too: a hijacked reply sends only what is written here.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) stream.setHeader(name, value);
      stream.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
      streams.add(stream);
      let timer: NodeJS.Timeout | undefined;
      const token = guard.token(request) ?? '';
      const send = async (): Promise<void> => {
        // A stream does not outlive its sign-in: signed out or expired, it ends.
        if (context.sessions.principalOf(token) === undefined) {
          streams.delete(stream);
          stream.end();
          return;
        }
        try {
          stream.write(`event: sessions\ndata: ${JSON.stringify({ sessions: await live.of(accountId) })}\n\n`);
        } catch (error) {
          request.log.warn({ err: error, accountId }, 'live sessions could not be read');
          stream.write(`event: unavailable\ndata: ${JSON.stringify({ message: 'the ledger cannot be read now' })}\n\n`);
        }
        if (streams.has(stream)) timer = setTimeout(() => void send(), LIVE_INTERVAL_MS);
      };
      stream.on('close', () => {
        streams.delete(stream);
        clearTimeout(timer);
      });
      await send();
      return reply;
    },
  );
}
