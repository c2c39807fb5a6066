import type { Role } from './auth';

export const errorBody = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

function failure<D extends string>(description: D): typeof errorBody & { readonly description: D } {
  return { ...errorBody, description };
}

export const failures = {
  400: failure('The request does not fit the route: its body, path parameters or query are outside the schema, or the body is not JSON'),
  401: failure('No valid API key (Authorization: Bearer <key>); checked before anything else about the request'),
  403: failure('The API key is valid but its role is below what the route needs'),
  413: failure('The body is larger than 1 MiB'),
  414: failure('A path parameter is longer than 100 characters'),
  415: failure('The body is not application/json'),
  500: failure('The CSMS could not complete the call, usually because its store is unreachable; retry later'),
} as const;

export interface RouteShape {
  /** The lowest role the route admits; read-only admits every valid key, so it never answers 403. */
  readonly role: Role;
  /** The route takes a JSON body: it may answer 413 and 415. */
  readonly body?: boolean;
  /** The route has path parameters: it may answer 414. */
  readonly params?: boolean;
  /** The route has a schema for its body, parameters or query: it may answer 400. */
  readonly validated?: boolean;
}

/**
 * Every status an /api route can answer, for its schema and so for the OpenAPI document: the route's own results
 * and, from its shape, what fastify and the API key check answer before the handler runs, and 500.
 */
export function apiResponses<Own extends Record<number, unknown>>(shape: RouteShape, own: Own): Own & Record<number, unknown> {
  return {
    401: failures[401],
    ...(shape.role === 'read-only' ? {} : { 403: failures[403] }),
    ...(shape.validated === true || shape.body === true ? { 400: failures[400] } : {}),
    ...(shape.body === true ? { 413: failures[413], 415: failures[415] } : {}),
    ...(shape.params === true ? { 414: failures[414] } : {}),
    500: failures[500],
    ...own,
  };
}
