import type { RouteOptions } from 'fastify';

/**
 * Every error body the services send: `error` names what went wrong; a message for people, or the chaincode's
 * `code` and `reason` when the ledger refused (LedgerRefusal) or could not be reached (LedgerUnavailable).
 */
export const problemBody = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'e.g. BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests, LedgerRefusal, LedgerUnavailable' },
    message: { type: 'string' },
    code: { type: 'string', description: 'LedgerRefusal: the chaincode\'s error code (NOT_FOUND, ACCESS_DENIED, ALREADY_EXISTS, INSUFFICIENT_FUNDS, ...)' },
    reason: { type: 'string', description: 'LedgerRefusal: the chaincode\'s words' },
  },
} as const;

function problem(description: string): typeof problemBody & { readonly description: string } {
  return { ...problemBody, description };
}

/** A success whose body is described in the route's summary; no schema, so the body is sent as the handler made it. */
export function success(description: string): { readonly description: string } {
  return { description };
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 503;

export const failures: Readonly<Record<ErrorStatus, ReturnType<typeof problem>>> = {
  400: problem('BadRequest: the body, path parameters, query or Idempotency-Key do not fit the route (or a rule of the route: WeakPassword, ...)'),
  401: problem('Unauthorized: not signed in (Authorization: Bearer <token>), checked before the body is read'),
  403: problem('Forbidden: signed in, but the role or the account is not one this route allows; or LedgerRefusal ACCESS_DENIED'),
  404: problem('NotFound, or LedgerRefusal NOT_FOUND: the ledger has no such record'),
  409: problem('Conflict, LedgerRefusal ALREADY_EXISTS, or RequestInProgress: the first request with this Idempotency-Key has not finished (Retry-After)'),
  422: problem('LedgerRefusal: the ledger refused the request, with the chaincode\'s code and reason; or IdempotencyKeyReused: the key came with another request'),
  429: problem('TooManyRequests: past a sign-in or sign-up throttle; Retry-After says in how many seconds to try again'),
  503: problem('LedgerUnavailable: the ledger cannot be reached at the moment, or did not confirm the request in time; try again (with the same Idempotency-Key)'),
};

/** What a route is, as far as the statuses it can answer go. */
export interface RouteShape {
  /** A schema for its body, parameters, query or headers: fastify answers 400 before the handler. */
  readonly validated: boolean;
  /** A sign-in guard: 401 without a session, 403 for a role the route does not admit. */
  readonly guarded: boolean;
  /** A throttle: 429. */
  readonly throttled: boolean;
  /** A POST under the Idempotency-Key rules: 409 while the first is in progress, 422 for a key reused. */
  readonly idempotent: boolean;
  /** Asks the ledger: 403, 404, 409 and 422 for its refusals (participants/src/http/refusals.ts), 503 when unreachable. */
  readonly ledger: boolean;
}

/**
 * Every status a route can answer, for its schema and so for the OpenAPI document: the route's own (its success
 * and anything particular to it, which win) and, from its shape, what the guards, throttles, idempotency and
 * ledger answer. A route that declares no success status answers 200.
 */
export function routeResponses(shape: RouteShape, own: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const statuses = new Set<ErrorStatus>();
  if (shape.validated) statuses.add(400);
  if (shape.guarded) [401, 403].forEach((status) => statuses.add(status as ErrorStatus));
  if (shape.throttled) statuses.add(429);
  if (shape.idempotent) [400, 409, 422].forEach((status) => statuses.add(status as ErrorStatus));
  if (shape.ledger) [403, 404, 409, 422, 503].forEach((status) => statuses.add(status as ErrorStatus));
  const derived = Object.fromEntries([...statuses].sort().map((status) => [String(status), failures[status]]));
  const hasSuccess = Object.keys(own).some((status) => status.startsWith('2'));
  return { ...(hasSuccess ? {} : { 200: success('OK') }), ...derived, ...own };
}

/** The hooks of a route at one stage, whether fastify holds one or a list. */
export function hooksOf(route: RouteOptions, stage: 'onRequest' | 'preHandler'): readonly unknown[] {
  const hooks = route[stage];
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route never asks the ledger, so it answers none of the ledger's statuses. */
    readonly ledger?: boolean;
  }
}
