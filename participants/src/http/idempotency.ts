import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../auth/sessions';

/** The request header (draft-ietf-httpapi-idempotency-key-header): a string the client chooses per request. */
export const IDEMPOTENCY_KEY = 'idempotency-key';
const KEY_SYNTAX = /^[\x20-\x7e]{1,255}$/;

/** How every POST documents the header in the OpenAPI document. */
export const IDEMPOTENCY_HEADER_SCHEMA = {
  type: 'object',
  properties: {
    [IDEMPOTENCY_KEY]: {
      type: 'string',
      description:
        'Optional, 1-255 printable ASCII characters, unique per request of yours. Send the same key to retry: the request takes effect once and the first answer (status and body) comes back with `Idempotent-Replayed: true`; the same key with another request is 422, and while the first is still running 409. Without a key a retry is a new request.',
    },
  },
} as const;

/** Where a request's ids come from: derived from its Idempotency-Key and its caller, or fresh when it has none. */
export type IdSource = (prefix: string) => string;

export interface IdempotencyOptions {
  readonly clock: Clock;
  /** How long an answer is kept for a retry (the draft suggests at least a day). */
  readonly retentionMs: number;
  /** At most this many answers are kept; the oldest go first. */
  readonly maxEntries: number;
  /** Routes (as registered) whose POSTs are not keyed by the client, e.g. a provider's webhook. */
  readonly exempt: ReadonlySet<string>;
  /** The caller a key belongs to: a key is unique per caller, never shared between two. */
  readonly callerOf: (request: FastifyRequest) => string;
  /** Tells services apart, so two organizations' services never derive the same id. */
  readonly scope: string;
}

interface Answer {
  readonly fingerprint: string;
  readonly atMs: number;
  /** Undefined while the first request with the key is still being answered. */
  status?: number;
  payload?: string;
  contentType?: string;
}

/**
 * Every POST takes effect once however often it is sent with the same Idempotency-Key (decision 0027):
 * the ledger event ids and the ids the service chooses (accounts, cards, payouts) are derived from the key
 * and the caller, so a retry reaches the ledger as a replay of the same event and changes nothing; and the
 * first answer (status and body) is kept and sent again. A key reused with another request is 422; a retry
 * while the first is still running is 409. Answers are kept in the service's memory for `retentionMs`;
 * after a restart a retry still has its effect once, since the ledger recognises its event ids, and is
 * answered with what the ledger recorded. A 5xx answer is not kept: the retry runs again, safely.
 */
export function registerIdempotency(app: FastifyInstance, options: Readonly<IdempotencyOptions>): (request: FastifyRequest) => IdSource {
  const answers = new Map<string, Answer>();
  const pending = new WeakMap<FastifyRequest, string>();
  const sources = new WeakMap<FastifyRequest, IdSource>();

  const forget = (): void => {
    const oldest = options.clock.now() - options.retentionMs;
    for (const [key, answer] of answers) {
      if (answers.size <= options.maxEntries && answer.atMs >= oldest) break;
      if (answer.status !== undefined || answer.atMs < oldest) answers.delete(key);
    }
  };

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' || options.exempt.has(request.routeOptions.url ?? '')) return undefined;
    const header = request.headers[IDEMPOTENCY_KEY];
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || !KEY_SYNTAX.test(header)) {
      return reply.code(400).send({ error: 'BadRequest', message: 'Idempotency-Key must be 1-255 printable ASCII characters' });
    }
    const caller = options.callerOf(request);
    const slot = digest(`${options.scope}\n${caller}\n${header}`);
    const fingerprint = digest(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
    const earlier = answers.get(slot);
    if (earlier !== undefined && earlier.fingerprint !== fingerprint) {
      return reply.code(422).send({ error: 'IdempotencyKeyReused', message: 'this Idempotency-Key was sent with another request; choose a new key for a new request' });
    }
    if (earlier !== undefined && earlier.status === undefined) {
      return reply.code(409).header('retry-after', '1').send({ error: 'RequestInProgress', message: 'the first request with this Idempotency-Key is still being answered; retry shortly' });
    }
    if (earlier?.status !== undefined) {
      void reply.code(earlier.status).header('idempotent-replayed', 'true');
      if (earlier.contentType !== undefined) void reply.header('content-type', earlier.contentType);
      return reply.send(earlier.payload);
    }
    forget();
    answers.set(slot, { fingerprint, atMs: options.clock.now() });
    pending.set(request, slot);
    let n = 0;
    sources.set(request, (prefix) => `${prefix}-${digest(`${slot}\n${prefix}\n${n++}`).slice(0, 24)}`);
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const slot = pending.get(request);
    if (slot === undefined) return payload;
    pending.delete(request);
    const answer = answers.get(slot);
    if (answer === undefined) return payload;
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && payload !== null && payload !== undefined)) {
      answers.delete(slot);
      return payload;
    }
    answer.status = reply.statusCode;
    answer.payload = (payload as string | null | undefined) ?? '';
    const contentType = reply.getHeader('content-type');
    if (typeof contentType === 'string') answer.contentType = contentType;
    return payload;
  });

  // A request that failed before its answer was sent leaves no claim on its key.
  app.addHook('onResponse', async (request) => {
    const slot = pending.get(request);
    if (slot !== undefined && answers.get(slot)?.status === undefined) answers.delete(slot);
  });

  return (request) => {
    let source = sources.get(request);
    if (source === undefined) {
      source = (prefix) => `${prefix}-${randomBytes(6).toString('hex')}`;
      sources.set(request, source);
    }
    return source;
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
