import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Clock, SessionStore } from '../auth/sessions';
import type { CsmsReader } from '../csms/csms-reader';
import type { OrganizationLedger } from '../ledger/organization-ledger';
import type { Organization } from '../organizations';
import { registerAuthorityRoutes } from '../routes/authority';
import { registerDashboard } from '../routes/dashboard';
import { registerOperatorRoutes } from '../routes/operators';
import { registerProsumerRoutes } from '../routes/prosumers';
import { registerSignInRoutes } from '../routes/sign-in';
import { registerWalletRoutes } from '../routes/wallets';
import { UserExists, type ParticipantsStore } from '../store';
import { Guard, isGuardHook } from './guard';
import { hooksOf, routeResponses } from './responses';
import { IDEMPOTENCY_HEADER_SCHEMA, type IdSource, registerIdempotency } from './idempotency';
import { confirmedSubmits } from '../ledger/confirmed-submits';
import type { PaymentProvider } from '../payments/payment-provider';
import { ledgerErrorReply } from './refusals';
import { isThrottleHook, registerThrottles, type ThrottleLimits, type Throttles } from './throttles';

export interface ParticipantsAppOptions {
  readonly organization: Organization;
  readonly ledger: OrganizationLedger;
  readonly store: ParticipantsStore;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  /** Card payments (Wallets only); undefined: money comes in only as bank transfers staff record. */
  readonly payments?: PaymentProvider;
  /** How long a submit whose outcome is unknown is asked again on the ledger before the client is answered 503. */
  readonly confirmWithinMs: number;
  /** Where each organization's service is reached, for the dashboard (its pages call the service of the role signed in). */
  readonly services: Readonly<Record<Organization, string>>;
  /** The CSMS's admin API read with a read-only key: chargers' live state for drivers and operators. */
  readonly csms: CsmsReader;
  /** Sign-in and sign-up throttles (429 with Retry-After past them). */
  readonly throttleLimits: ThrottleLimits;
  readonly logger: FastifyBaseLogger | false;
}

/** Everything a route module needs; built once per app. */
export interface RouteContext extends Omit<ParticipantsAppOptions, 'logger' | 'services' | 'confirmWithinMs' | 'throttleLimits'> {
  readonly guard: Guard;
  readonly throttles: Throttles;
  /**
   * The ids of one request: event ids and the ids the service chooses (accounts, prosumers, cards, payouts),
   * derived from its Idempotency-Key and caller when it has one, fresh otherwise.
   */
  readonly ids: (request: FastifyRequest) => IdSource;
}

/** The routes whose POSTs a payment provider sends; they are deduplicated by the provider's payment id instead. */
export const PROVIDER_WEBHOOKS: ReadonlySet<string> = new Set(['/api/payments/stripe/webhook']);

const TITLES: Readonly<Record<Organization, string>> = {
  wallets: 'Wallets: drivers’ accounts, top-ups, cards, statements and receipts',
  operators: 'Operators: stations, tariffs, settlements and energy bought from prosumers',
  prosumers: 'Prosumers: offers of surplus energy, acceptances, delivery settlement and earnings',
  authority: 'Metering authority: meters and their keys',
};

/** One organization's participants' service: its routes only, on its own ledger identity. Not listening yet. */
export async function buildParticipantsApp(options: Readonly<ParticipantsAppOptions>): Promise<FastifyInstance> {
  // No coercion and no removal of unknown properties: a body is what the schema says or it is refused.
  const ajv = { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } } as const;
  const app = options.logger === false ? Fastify({ logger: false, ajv }) : Fastify({ loggerInstance: options.logger, ajv });
  await app.register(swagger, {
    openapi: {
      info: { title: `ChargeLedger participants — ${TITLES[options.organization]}`, version: '0.1.0' },
      components: { securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'The token POST /api/session answered' } } },
    },
  });
  app.setErrorHandler((error, request, reply) => {
    const ledger = ledgerErrorReply(error);
    if (ledger !== undefined) return reply.code(ledger.status).send(ledger.body);
    if (error instanceof UserExists) return reply.code(409).send({ error: 'Conflict', message: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if ((error as { validation?: unknown }).validation !== undefined || (status !== undefined && status >= 400 && status < 500)) {
      return reply.code(status ?? 400).send({ error: 'BadRequest', message: (error as Error).message });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ error: 'InternalError', message: 'the service failed; see its log' });
  });
  app.addHook('onRequest', async (request, reply) => {
    // The dashboard of one service calls the others: they allow each other's origins, and only those.
    const origin = request.headers.origin;
    if (origin !== undefined && Object.values(options.services).includes(origin)) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'origin');
      if (request.method === 'OPTIONS') {
        return reply.code(204).header('access-control-allow-methods', 'GET, POST, PATCH, DELETE').header('access-control-allow-headers', 'authorization, content-type').header('access-control-max-age', '600').send();
      }
    }
    return undefined;
  });

  app.addHook('onRoute', (route) => {
    if (route.schema?.hide === true) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const idempotent = methods.includes('POST') && !PROVIDER_WEBHOOKS.has(route.url);
    if (idempotent) route.schema = { ...route.schema, headers: route.schema?.headers ?? IDEMPOTENCY_HEADER_SCHEMA };
    // Every status the route can answer, with its body, so that the OpenAPI document lists them all.
    const schema = route.schema ?? {};
    const hooks = [...hooksOf(route, 'onRequest'), ...hooksOf(route, 'preHandler')];
    const shape = {
      validated: [schema.body, schema.params, schema.querystring, schema.headers].some((part) => part !== undefined),
      guarded: hooks.some(isGuardHook),
      throttled: hooks.some(isThrottleHook),
      idempotent,
      ledger: route.config?.ledger !== false,
    };
    route.schema = { ...schema, response: routeResponses(shape, (schema.response ?? {}) as Record<string, unknown>) };
  });
  const guard = new Guard(options.sessions);
  const throttles = await registerThrottles(app, options.throttleLimits);
  const ids = registerIdempotency(app, {
    clock: options.clock,
    retentionMs: 24 * 3_600_000,
    maxEntries: 100_000,
    exempt: PROVIDER_WEBHOOKS,
    scope: options.organization,
    callerOf: (request) => {
      const principal = guard.principalIfAny(request);
      return principal === undefined ? 'anonymous' : `user:${principal.username}`;
    },
  });
  const confirm = (ledger: OrganizationLedger['ledger']): OrganizationLedger['ledger'] => confirmedSubmits(ledger, { withinMs: options.confirmWithinMs });
  const ledger: OrganizationLedger = { ...options.ledger, ledger: confirm(options.ledger.ledger), forParty: async (partyId) => confirm(await options.ledger.forParty(partyId)) };
  const { organization, store, sessions, clock, csms, payments } = options;
  const context: RouteContext = { organization, store, sessions, clock, csms, ...(payments === undefined ? {} : { payments }), ledger, guard, ids, throttles };
  registerSignInRoutes(app, context);
  const routes = { wallets: registerWalletRoutes, operators: registerOperatorRoutes, prosumers: registerProsumerRoutes, authority: registerAuthorityRoutes }[options.organization];
  routes(app, context);
  registerDashboard(app, { organization: options.organization, services: options.services });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', organization: options.organization }));
  return app;
}
