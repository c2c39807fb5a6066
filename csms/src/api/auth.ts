import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Role = 'admin' | 'operator' | 'read-only';

/** An API key as stored: its SHA-256 (keys are long random strings, so a fast hash is enough) and its role. */
export interface ApiKeyRecord {
  readonly sha256: string;
  readonly role: Role;
}

export function apiKeyRecord(key: string, role: Role): ApiKeyRecord {
  return { sha256: sha256(key), role };
}

const RANK: Record<Role, number> = { 'read-only': 0, operator: 1, admin: 2 };

/** A preHandler that answers 401 without a known key and 403 when the key's role is below `minimum`. */
export function requireRole(keys: readonly ApiKeyRecord[], minimum: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? Buffer.from(sha256(header.slice(7)), 'hex') : undefined;
    const match = presented === undefined ? undefined : keys.find((k) => timingSafeEqual(Buffer.from(k.sha256, 'hex'), presented));
    if (match === undefined) {
      await reply.code(401).send({ error: 'Unauthorized', message: 'a valid API key is required (Authorization: Bearer <key>)' });
      return;
    }
    if (RANK[match.role] < RANK[minimum]) {
      await reply.code(403).send({ error: 'Forbidden', message: `this call needs the ${minimum} role` });
    }
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
