import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Clock } from '../domain/clock';
import { type ChargerCredentials, ChargerExistsError, ChargerNotProvisionedError, type ChargerRegistry } from '../stores/chargers';
import { SECURITY_PROFILES } from '../domain/security-profiles';
import type { IdTokenRegistry } from '../stores/id-tokens';
import type { StationState } from '../stores/station-state';
import { SETTLEMENT_REFUSAL_CODES } from '@chargeledger/ledger-queue';
import type { SessionSettlement } from '@chargeledger/ledger-queue';
import { SESSION_FLAGS, type SessionState } from '../domain/session-state';
import type { SessionStore } from '../stores/sessions';
import type { CsmsMetrics } from '../metrics';
import type { QueueHealth } from '../queue/queue-health';
import type { OcppServer } from '../ocpp/server';
import { ChargerCallError, ChargerNotConnectedError, CommandRejectedError, CommandTimeoutError, type CommandRouter } from '../command-router';
import { type ApiKeyRecord, requireRole } from './auth';
import { apiResponses, errorBody } from './responses';

export interface ApiDependencies {
  readonly redis: Redis;
  readonly clock: Clock;
  readonly apiKeys: readonly ApiKeyRecord[];
  readonly chargers: ChargerRegistry;
  readonly tokens: IdTokenRegistry;
  readonly stations: StationState;
  readonly sessions: SessionStore;
  readonly ocpp: OcppServer;
  readonly router: CommandRouter;
  readonly metrics: CsmsMetrics;
  readonly queueHealth: QueueHealth;
  /** The cost the charger shows (ADR 0033): a running session's view carries it, so a driver's phone shows the same figure. */
  readonly runningCost: (session: SessionState) => Promise<{ readonly amount: number; readonly currency: string } | undefined>;
}

const identity = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,48}$' } as const;
const evseLayout = { type: 'array', minItems: 1, maxItems: 64, items: { type: 'integer', minimum: 1, maximum: 16 } } as const;
const chargerBody = { type: 'object', properties: { identity: { type: 'string' }, createdAt: { type: 'string' }, securityProfile: { type: 'integer' }, evseLayout } } as const;

const sessionBody = {
  type: 'object',
  required: ['sessionId', 'chargerId', 'ocppTransactionId', 'protocol', 'evseId', 'connectorId', 'token', 'startedAt', 'meterStartWh', 'lastRegisterWh', 'energyWh', 'active', 'signedRecords', 'flags'],
  properties: {
    sessionId: { type: 'string' },
    chargerId: { type: 'string' },
    ocppTransactionId: { type: 'string', description: "The charger's OCPP transaction id (1.6: the integer the CSMS gave it, in decimal)" },
    protocol: { type: 'string', enum: ['1.6', '2.0.1'] },
    evseId: { type: 'integer' },
    connectorId: { type: 'integer' },
    token: { type: 'string', description: 'The id token as a keyed digest (hmac-sha256:<16 hex>), never the token: the one the log shows' },
    startedAt: { type: 'string' },
    meterStartWh: { type: 'integer' },
    lastRegisterWh: { type: 'integer' },
    energyWh: { type: 'integer', description: "The energy the charger's registers claim: the last register reading minus the meter start. What the ledger billed is billedEnergyWh" },
    billedEnergyWh: { type: 'integer', description: 'The energy the ledger billed, once it settled the session: the energy the meter signed when the settlement is verified (settlement.energyWh)' },
    active: { type: 'boolean' },
    endedAt: { type: 'string' },
    stopReason: { type: 'string' },
    meterStopWh: { type: 'integer' },
    signedRecords: { type: 'integer', description: 'Signed meter records (OCMF) received so far' },
    runningCost: {
      type: 'object',
      description: "While the session runs: its cost so far as the charger is shown it (minor units of the frozen tariff's currency), from the chaincode's pricing code on the readings so far; absent before the ledger opened the session",
      required: ['amount', 'currency'],
      properties: { amount: { type: 'integer' }, currency: { type: 'string' } },
    },
    settlement: {
      type: 'object',
      description:
        'How the ledger ended the session, once the bridge has seen it committed: `settled` with the amount the chaincode computed, or `refused` (the evidence can never settle it: the hold is released and nothing charged) with the chaincode\'s code and reason; and the ledger transaction and block that hold it',
      required: ['status', 'ledgerTxId', 'blockNumber'],
      properties: {
        status: { type: 'string', enum: ['settled', 'refused'] },
        charged: { type: 'integer', description: 'Settled: minor units of the session currency' },
        energyWh: { type: 'integer', description: 'Settled: the energy billed' },
        verification: { type: 'string', enum: ['verified', 'unverified'] },
        code: { type: 'string', enum: [...SETTLEMENT_REFUSAL_CODES], description: 'Refused: why, as the chaincode says it' },
        reason: { type: 'string', description: 'Refused: the chaincode\'s words' },
        released: { type: 'integer', description: 'Refused: the hold released, minor units of the session currency' },
        ledgerTxId: { type: 'string', description: 'The Fabric transaction that settled or refused the session' },
        blockNumber: { type: 'string' },
      },
    },
    flags: {
      type: 'array',
      items: { type: 'string', enum: [...SESSION_FLAGS] },
      description:
        'What the charger said that the CSMS could not make right: `repeated-stop-differs` (a later stop said another meter stop or end time; the first stands and is what the ledger gets), `meter-stop-below-start` (the final register is below the start, so energyWh shows 0), `claimed-differs-from-signed` (the meter stop minus the meter start is not the energy the meter signed; the ledger billed the signed energy, billedEnergyWh)',
    },
  },
} as const;

/** A session as the API shows it: the id token only as the digest the logs use. */
function sessionView(state: SessionState, tokens: Pick<IdTokenRegistry, 'digest'>): Record<string, unknown> {
  return {
    sessionId: state.sessionId,
    chargerId: state.chargerId,
    ocppTransactionId: state.ocppTransactionId,
    protocol: state.protocol,
    evseId: state.evseId,
    connectorId: state.connectorId,
    token: tokens.digest(state.idToken),
    startedAt: state.startedAt,
    meterStartWh: state.meterStartWh,
    lastRegisterWh: state.lastRegisterWh,
    energyWh: state.lastRegisterWh - state.meterStartWh,
    active: !state.ended,
    ...(state.endedAt === undefined ? {} : { endedAt: state.endedAt }),
    ...(state.stopReason === undefined ? {} : { stopReason: state.stopReason }),
    ...(state.meterStopWh === undefined ? {} : { meterStopWh: state.meterStopWh }),
    signedRecords: state.evidence.reduce((count, evidence) => count + evidence.records.length, 0),
    ...(state.settlement === undefined ? {} : settlementView(state.settlement)),
    flags: state.flags ?? [],
  };
}

/** The ledger's end of the session, and the energy it billed when it settled it. */
function settlementView(settlement: SessionSettlement): Record<string, unknown> {
  return settlement.status === 'refused' ? { settlement } : { billedEnergyWh: settlement.energyWh, settlement };
}

export async function registerRoutes(app: FastifyInstance, deps: ApiDependencies): Promise<void> {
  const readOnly = requireRole(deps.apiKeys, 'read-only');
  const operator = requireRole(deps.apiKeys, 'operator');
  const admin = requireRole(deps.apiKeys, 'admin');

  // No key for the probes: an orchestrator asks them without one, and the document says so (security: []).
  app.get('/health', { schema: { security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, 503: { ...errorBody, description: 'Redis is unreachable' } } } }, async (_request, reply) => {
    try {
      await deps.redis.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ error: 'NotReady', message: 'redis is unreachable' });
    }
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/metrics', { schema: { hide: true, response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });

  app.post<{ Body: { readonly identity: string; readonly evseLayout?: readonly number[]; readonly rotatePassword?: boolean } & ChargerCredentials }>(
    '/api/chargers',
    {
      onRequest: admin,
      schema: {
        body: {
          type: 'object',
          required: ['identity'],
          additionalProperties: false,
          properties: {
            identity,
            password: { type: 'string', minLength: 16, maxLength: 40 },
            securityProfile: { type: 'integer', enum: [...SECURITY_PROFILES], default: 1 },
            evseLayout,
            rotatePassword: { type: 'boolean', description: 'true: the identity exists and its credentials, profile and layout are replaced. Otherwise an existing identity is a 409.' },
          },
          // Profiles 1 and 2 authenticate with the password; profile 3 with the certificate alone, so a password would only mislead.
          if: { required: ['securityProfile'], properties: { securityProfile: { const: 3 } } },
          then: { not: { required: ['password'] } },
          else: { required: ['password'] },
        },
        response: apiResponses(
          { role: 'admin', body: true },
          {
            201: chargerBody,
            404: { ...errorBody, description: 'rotatePassword for an identity that is not provisioned' },
            409: { ...errorBody, description: 'The identity is already provisioned and rotatePassword was not given' },
          },
        ),
      },
    },
    async (request, reply) => {
      const { rotatePassword, ...charger } = request.body;
      try {
        const record = await deps.chargers.provision({ ...charger, createdAt: deps.clock.now() }, { rotate: rotatePassword === true });
        return await reply.code(201).send(record);
      } catch (error) {
        if (error instanceof ChargerExistsError) return reply.code(409).send({ error: 'ChargerExists', message: error.message });
        if (error instanceof ChargerNotProvisionedError) return reply.code(404).send({ error: 'NotProvisioned', message: error.message });
        throw error;
      }
    },
  );

  app.get(
    '/api/chargers',
    { onRequest: readOnly, schema: { response: apiResponses({ role: 'read-only' }, { 200: { type: 'array', items: { type: 'object', additionalProperties: true } } }) } },
    async () => {
      const connected = new Set(deps.ocpp.connectedIdentities());
      const chargers = await deps.chargers.list();
      return Promise.all(chargers.map(async (c) => ({ ...c, connected: connected.has(c.identity), state: await deps.stations.get(c.identity) })));
    },
  );

  app.get(
    '/api/queue',
    {
      onRequest: readOnly,
      schema: {
        description:
          'The events queue to the ledger bridge and the Redis under it, sampled now: events not yet applied, how long the oldest has waited (the bridge’s lag), Redis memory against its limit, and whether new sessions are accepted (ADR 0029).',
        response: apiResponses(
          { role: 'read-only' },
          {
            200: {
              type: 'object',
              required: ['sampledAt', 'depth', 'oldestWaitingMs', 'redisUsedBytes', 'redisMaxBytes', 'newSessionsAccepted'],
              properties: {
                sampledAt: { type: 'string', format: 'date-time' },
                depth: { type: 'integer', description: 'Events waiting, delayed or being applied' },
                oldestWaitingMs: { type: 'integer', description: 'Age of the oldest of them; 0 when none waits' },
                redisUsedBytes: { type: 'integer' },
                redisMaxBytes: { type: 'integer', description: 'Redis maxmemory; 0 when it has none' },
                newSessionsAccepted: { type: 'boolean', description: 'false while Redis is near its memory limit: Authorize and transaction starts are answered NotAtThisTime (1.6 Blocked)' },
              },
            },
          },
        ),
      },
    },
    async () => deps.queueHealth.sample(),
  );

  app.get<{ Querystring: { chargerId?: string; active?: 'true' | 'false'; limit?: string; cursor?: string } }>(
    '/api/sessions',
    {
      onRequest: readOnly,
      schema: {
        description: 'Charging sessions, newest first by the charger-reported start; filtered by charger and by whether they are still running. An ended session is listed until CSMS_SESSION_RETENTION_S (30 days by default) after the ledger settled or refused it; running sessions and ended ones not yet decided are always listed.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            chargerId: identity,
            active: { type: 'string', enum: ['true', 'false'] },
            limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', description: 'Sessions per page, 1 to 500 in decimal; 50 when absent' },
            cursor: { type: 'string', pattern: '^(0|[1-9][0-9]{0,8})$', description: 'The `next` of the previous page' },
          },
        },
        response: apiResponses({ role: 'read-only', validated: true }, { 200: { type: 'object', required: ['sessions'], properties: { sessions: { type: 'array', items: sessionBody }, next: { type: 'string' } } } }),
      },
    },
    async (request) => {
      const { chargerId, active, limit, cursor } = request.query;
      const page = await deps.sessions.list({
        limit: limit === undefined ? 50 : Number(limit),
        ...(chargerId === undefined ? {} : { chargerId }),
        ...(active === undefined ? {} : { active: active === 'true' }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { sessions: page.sessions.map((session) => sessionView(session, deps.tokens)), ...(page.next === undefined ? {} : { next: page.next }) };
    },
  );

  app.get<{ Params: { sessionId: string } }>(
    '/api/sessions/:sessionId',
    {
      onRequest: readOnly,
      schema: {
        description: 'One session, with its running cost while it runs. An ended session\'s record is kept CSMS_SESSION_RETENTION_S (30 days by default) after the ledger settled or refused it, then answered 404; its meter records stay.',
        params: { type: 'object', properties: { sessionId: { type: 'string', minLength: 1, maxLength: 128 } } },
        response: apiResponses({ role: 'read-only', params: true, validated: true }, { 200: sessionBody, 404: { ...errorBody, description: 'No session with this id, or an ended one past its retention' } }),
      },
    },
    async (request, reply) => {
      const state = await deps.sessions.get(request.params.sessionId);
      if (state === undefined) return reply.code(404).send({ error: 'NotFound', message: `no session ${request.params.sessionId}` });
      const runningCost = state.ended ? undefined : await deps.runningCost(state);
      return { ...sessionView(state, deps.tokens), ...(runningCost === undefined ? {} : { runningCost }) };
    },
  );

  app.get<{ Params: { sessionId: string } }>(
    '/api/sessions/:sessionId/meter-records',
    {
      // The records carry the raw card id the meter signed: the operator role, or the narrow `records` role.
      onRequest: requireRole(deps.apiKeys, 'operator', ['records']),
      schema: {
        description: 'The signed meter records (OCMF) the charger sent for a session, exactly as received: what a receipt\'s verifier checks against the meter key the Authority registered. They carry the card id the meter signed, so this needs the operator role (or a key of the role records, which reads these and nothing else). They are kept after the session\'s own record expires (CSMS_SESSION_RETENTION_S), for as long as a receipt may be checked.',
        params: { type: 'object', properties: { sessionId: { type: 'string', minLength: 1, maxLength: 128 } } },
        response: apiResponses(
          { role: 'operator', params: true, validated: true },
          {
            200: {
              type: 'object',
              required: ['sessionId', 'records'],
              properties: {
                sessionId: { type: 'string' },
                records: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['format', 'record'],
                    properties: { format: { type: 'string', enum: ['OCMF'] }, record: { type: 'string' }, publicKey: { type: 'string', description: 'The key the charger reported (informational: verifiers use the Authority\'s)' } },
                  },
                },
              },
            },
            404: { ...errorBody, description: 'No session with this id' },
          },
        ),
      },
    },
    async (request, reply) => {
      const evidence = await deps.sessions.signedRecords(request.params.sessionId);
      if (evidence === undefined) return reply.code(404).send({ error: 'NotFound', message: `no session ${request.params.sessionId}` });
      return {
        sessionId: request.params.sessionId,
        records: evidence.flatMap((evidence) => evidence.records.map((record) => ({ format: evidence.format, record, ...(evidence.publicKey === undefined ? {} : { publicKey: evidence.publicKey }) }))),
      };
    },
  );

  app.put<{ Params: { idToken: string }; Body: { accountId: string; status: 'Accepted' | 'Blocked' | 'Expired'; language?: string } }>(
    '/api/id-tokens/:idToken',
    {
      onRequest: operator,
      schema: {
        params: { type: 'object', properties: { idToken: { type: 'string', minLength: 1, maxLength: 36 } } },
        body: { type: 'object', required: ['accountId'], additionalProperties: false, properties: { accountId: { type: 'string', minLength: 1, maxLength: 64 }, status: { type: 'string', enum: ['Accepted', 'Blocked', 'Expired'], default: 'Accepted' }, language: { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$', maxLength: 35, description: "The driver's language (RFC 5646) for what the charger shows them" } } },
        response: apiResponses({ role: 'operator', body: true, params: true }, { 204: { type: 'null', description: 'The token is stored with its account and status' } }),
      },
    },
    async (request, reply) => {
      const { accountId, status, language } = request.body;
      await deps.tokens.put(request.params.idToken, { accountId, status, ...(language === undefined ? {} : { language }) });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { identity: string; action: string }; Body: Record<string, unknown> }>(
    '/api/chargers/:identity/commands/:action',
    {
      onRequest: operator,
      schema: {
        params: { type: 'object', properties: { identity, action: { type: 'string', pattern: '^[A-Za-z]{3,40}$' } } },
        body: { type: 'object', additionalProperties: true },
        response: apiResponses(
          { role: 'operator', body: true, params: true },
          {
            200: { type: 'object', additionalProperties: true, description: "The charger's answer" },
            400: { ...errorBody, description: 'The request does not fit the route, or the command does not fit the OCPP schema of the charger\'s protocol (it was not sent)' },
            404: { ...errorBody, description: 'No CSMS node holds a connection to this charger' },
            502: { ...errorBody, description: 'The charger answered with an OCPP error (its code is `error`)' },
            504: { ...errorBody, description: 'The charger did not answer in time' },
          },
        ),
      },
    },
    async (request, reply) => {
      try {
        return (await deps.router.relay(request.params.identity, request.params.action, request.body)) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof ChargerNotConnectedError) return reply.code(404).send({ error: 'NotConnected', message: error.message });
        if (error instanceof CommandRejectedError) return reply.code(400).send({ error: error.rpcErrorCode, message: error.message });
        if (error instanceof CommandTimeoutError) return reply.code(504).send({ error: 'ChargerTimeout', message: error.message });
        if (error instanceof ChargerCallError) return reply.code(502).send({ error: error.rpcErrorCode, message: error.message });
        throw error;
      }
    },
  );
}
