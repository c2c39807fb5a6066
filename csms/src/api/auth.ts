import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * `records` reads the signed meter records of sessions and nothing else: the Wallets' service makes drivers'
 * receipts from them, and they carry the raw card id the meter signed, which the read-only role may not see.
 */
export type Role = 'admin' | 'operator' | 'read-only' | 'records';

/** An API key as stored: its SHA-256 (keys are long random strings, so a fast hash is enough) and its role. */
export interface ApiKeyRecord {
  readonly sha256: string;
  readonly role: Role;
}

export function apiKeyRecord(key: string, role: Role): ApiKeyRecord {
  return { sha256: sha256(key), role };
}

/** `records` is below every other role: it passes only where a route names it. */
const RANK: Record<Role, number> = { records: -1, 'read-only': 0, operator: 1, admin: 2 };

/** `Bearer <key>`, the scheme in any case (RFC 7235: authentication schemes are case-insensitive). */
const BEARER = /^bearer +(\S+)$/i;

/**
 * An onRequest hook: it answers 401 without a known key and 403 when the key's role is below `minimum`. It runs
 * before the body is parsed and before any schema is checked, so a caller without a valid key learns nothing about
 * what the route would have accepted.
 */
export function requireRole(keys: readonly ApiKeyRecord[], minimum: Role, alsoAllowed: readonly Role[] = []) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const key = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const presented = key === undefined ? undefined : Buffer.from(sha256(key), 'hex');
    const match = presented === undefined ? undefined : keys.find((k) => timingSafeEqual(Buffer.from(k.sha256, 'hex'), presented));
    if (match === undefined) {
      return reply.code(401).send({ error: 'Unauthorized', message: 'a valid API key is required (Authorization: Bearer <key>)' });
    }
    if (RANK[match.role] < RANK[minimum] && !alsoAllowed.includes(match.role)) {
      return reply.code(403).send({ error: 'Forbidden', message: `this call needs the ${minimum} role` });
    }
    return undefined;
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
