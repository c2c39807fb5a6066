import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiKeyRecord } from './api/auth';
import { registerRoutes } from './api/routes';
import { ChargerRegistry } from './stores/chargers';
import type { Clock } from './domain/clock';
import { Authorization, type WhenLedgerUnavailable } from './domain/authorization';
import { IdTokenRegistry } from './stores/id-tokens';
import { requestSerializer } from './api/log-redaction';
import { LedgerAuthorizer } from './ledger-authorizer';
import { StationState } from './stores/station-state';
import { SessionStore } from './stores/sessions';
import type { OcppPolicy } from './ocpp/context';
import { LedgerReactions } from './ledger-reactions';
import { PriceDisplay } from './price-display';
import { CsmsMetrics } from './metrics';
import { type ChargerConnection, OcppServer } from './ocpp/server';
import { HandshakeThrottle } from './domain/handshake-throttle';
import { CommandRouter } from './command-router';
import type { EventPublisher } from './queue/publisher';
import { type QueueHealth, watchQueueHealth } from './queue/queue-health';
import { type CsmsTls, tlsServerOptions } from './tls';

export interface CsmsOptions {
  readonly log: Logger;
  readonly clock: Clock;
  /** Commands and state; its offline queue may be on. */
  readonly redis: Redis;
  /** A connection of its own for the command router's subscriptions. */
  readonly subscriber: Redis;
  /** Unique among the nodes sharing this Redis. */
  readonly nodeId: string;
  readonly publisher: EventPublisher;
  /** The events queue and Redis memory: new sessions are refused near Redis's limit, the lag is shown (ADR 0029). */
  readonly queueHealth: QueueHealth;
  /** How often the queue's health is sampled for the refusal and the warnings. */
  readonly queueHealthEveryMs: number;
  readonly keyPrefix: string;
  /** How long an ended session's record stays once the ledger settled or refused it (CSMS_SESSION_RETENTION_S). */
  readonly sessionRetentionS: number;
  /** Where the ledger bridge reports refused and exhausted holds; a connection BullMQ may block on. */
  readonly outcomes: { readonly connection: Redis; readonly prefix: string; readonly queueName: string };
  readonly policy: OcppPolicy;
  readonly apiKeys: readonly ApiKeyRecord[];
  /** The key id tokens are digested under wherever they are shown (tokenDigest); the same on every node. */
  readonly tokenDigestKey: Buffer;
  readonly maxFrameBytes: number;
  readonly callTimeoutMs: number;
  /**
   * Undefined: plain HTTP and ws://, where only security profile 1 can be proven. Set: HTTPS and wss:// for the
   * admin API and OCPP alike, where chargers prove profile 2 (password) or 3 (client certificate, with `clientCa`).
   */
  readonly tls?: CsmsTls;
  /** Undefined: Authorize is decided by the operator's token registry alone, and the ledger is not asked. */
  readonly ledgerAuthorization?: LedgerAuthorizationOptions;
}

export interface LedgerAuthorizationOptions {
  /** The list ledger bridges take questions from (ledgerQueriesKey). */
  readonly queriesKey: string;
  /** The key running bridges keep alive (bridgeHeartbeatKey); no question is asked while it is absent. */
  readonly heartbeatKey: string;
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
  readonly whenUnavailable: WhenLedgerUnavailable;
}

export interface Csms {
  readonly http: FastifyInstance;
  readonly ocpp: OcppServer;
  readonly router: CommandRouter;
  /** Finishes in-flight calls, closes every charger socket with 1001 and the HTTP server. */
  close(): Promise<void>;
}

/** Builds the CSMS (OCPP and admin API on one HTTP or HTTPS server) without listening; the caller decides where. */
export async function buildCsms(options: Readonly<CsmsOptions>): Promise<Csms> {
  const stores = { redis: options.redis, keyPrefix: options.keyPrefix };
  const chargers = new ChargerRegistry(stores);
  const tokens = new IdTokenRegistry({ ...stores, digestKey: options.tokenDigestKey });
  const stations = new StationState(stores);
  const sessions = new SessionStore({ ...stores, retentionS: options.sessionRetentionS });

  // The router and the metrics ask the OCPP server about its sockets only once it runs (closures, not calls).
  const metrics: CsmsMetrics = new CsmsMetrics({ connectedChargers: (): number => ocpp.connectedCount, queueHealth: () => options.queueHealth.sample() });
  const router: CommandRouter = new CommandRouter({
    nodeId: options.nodeId,
    keyPrefix: options.keyPrefix,
    redis: options.redis,
    subscriber: options.subscriber,
    local: (identity): ChargerConnection | undefined => ocpp.connection(identity),
    timeoutMs: options.callTimeoutMs,
    log: options.log,
  });
  await router.start();
  const priceDisplay = new PriceDisplay({ redis: options.redis, keyPrefix: options.keyPrefix, chargers: router, chargingEndedAt: (sessionId) => sessions.chargingEndedAt(sessionId), log: options.log.child({ component: 'price-display' }) });
  let ledger: LedgerAuthorizer | undefined;
  if (options.ledgerAuthorization !== undefined) {
    ledger = new LedgerAuthorizer({
      ...options.ledgerAuthorization,
      redis: options.redis,
      subscriber: options.subscriber,
      replyChannel: `${options.keyPrefix}:node:${options.nodeId}:ledger-replies`,
      keyPrefix: options.keyPrefix,
    });
    await ledger.start();
  }
  const authorization = new Authorization({
    tokens,
    ledger,
    whenLedgerUnavailable: options.ledgerAuthorization?.whenUnavailable ?? 'registry',
    newSessions: options.queueHealth,
    onDecision: ({ source, status }) => metrics.authorizations.inc({ source, status }),
  });
  const ocpp: OcppServer = new OcppServer({
    log: options.log,
    metrics,
    onConnect: (identity): Promise<void> => router.register(identity),
    onDisconnect: (identity): Promise<void> => router.unregister(identity),
    chargers,
    // 10 refused handshakes of one identity, or 50 from one address, in 5 minutes: then refused unchecked.
    handshakeThrottle: new HandshakeThrottle({ clock: options.clock, windowMs: 5 * 60_000, maxFailuresPerIdentity: 10, maxFailuresPerAddress: 50, maxTracked: 100_000 }),
    maxFrameBytes: options.maxFrameBytes,
    callTimeoutMs: options.callTimeoutMs,
    contextFor: (chargerId, log) => ({ chargerId, log, clock: options.clock, policy: options.policy, publisher: options.publisher, sessions, tokens, authorization, stations, chargers, sessionFlagged: (flag) => metrics.sessionFlags.inc({ flag }), priceDisplay }),
  });

  // Every line fastify logs about a request carries its URL through this serializer: an id token in a URL
  // (PUT /api/id-tokens/:idToken) reaches the log only as its digest.
  const loggerInstance = options.log.child({ component: 'api' }, { serializers: { req: requestSerializer((idToken) => tokens.digest(idToken)) } }) as FastifyBaseLogger;
  const { tls } = options;
  // An https.Server is typed as an http.Server as well, so both kinds fit the one FastifyInstance type.
  // A field or query parameter a schema does not name is refused (400), not silently dropped: a misspelt
  // filter must not return everything. Nothing is coerced either: `true` is not a layout `[1]`, a number is not a
  // password, and a query parameter is the string it is on the wire, read by its route in one spelling only.
  const ajv = { customOptions: { removeAdditional: false, coerceTypes: false } } as const;
  const http: FastifyInstance = tls === undefined ? Fastify({ loggerInstance, ajv }) : Fastify({ loggerInstance, ajv, https: tlsServerOptions(tls) });
  await http.register(swagger, {
    openapi: {
      info: { title: 'ChargeLedger CSMS admin API', version: '0.1.0', description: 'Chargers, id tokens and commands of the charging station management system.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key with the role admin, operator, read-only, or records (signed meter records only)' } } },
      security: [{ apiKey: [] }],
    },
  });
  // Fastify's own 404 logs the raw URL in its message; this one logs nothing beyond the redacted request line.
  http.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: 'NotFound', message: `no route for ${request.method} at this path` }));
  await registerRoutes(http, { redis: options.redis, clock: options.clock, apiKeys: options.apiKeys, chargers, tokens, stations, sessions, ocpp, router, metrics, queueHealth: options.queueHealth,
    runningCost: async (session) => {
      const cost = await priceDisplay.cost(session, 'running');
      return cost === undefined ? undefined : { amount: cost.amount, currency: cost.currency };
    },
  });
  http.server.on('upgrade', (request, socket, head) => {
    // Only an origin-form target (a path) is an OCPP endpoint; anything else, absolute-form included, is 404.
    const target = request.url ?? '/';
    const path = target.startsWith('/') ? (URL.canParse(target, 'http://localhost') ? new URL(target, 'http://localhost').pathname : '') : '';
    if (!path.startsWith('/ocpp/')) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    ocpp.handleUpgrade(request, socket as import('node:net').Socket, head);
  });

  const reactions = new LedgerReactions({
    ...options.outcomes,
    sessions,
    router,
    priceDisplay,
    log: options.log.child({ component: 'ledger-reactions' }),
    settlementRefused: (code) => metrics.settlementsRefused.inc({ code }),
    sessionFlagged: (flag) => metrics.sessionFlags.inc({ flag }),
  });
  reactions.run();
  const healthWatch = await watchQueueHealth(options.queueHealth, options.queueHealthEveryMs);

  return {
    http,
    ocpp,
    router,
    async close(): Promise<void> {
      healthWatch.stop();
      await reactions.close();
      await ocpp.close();
      await http.close();
    },
  };
}
