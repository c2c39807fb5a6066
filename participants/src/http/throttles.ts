import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** How much a service takes before it answers 429: counted in memory, per service process. */
export interface ThrottleLimits {
  /** Sign-in attempts per user name, right or wrong, in 15 minutes: guessing one account's password stops there. */
  readonly signInPerAccount: number;
  /** Sign-in attempts per client address in a minute: one client cannot spend the service's CPU on scrypt. */
  readonly signInPerAddress: number;
  /** Sign-ups per client address in an hour: each one makes permanent ledger transactions. */
  readonly signUpPerAddress: number;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

export interface Throttles {
  /** onRequest: before the body is read. */
  readonly signInByAddress: Hook;
  /** preHandler: the user name is the validated body's, and no password has been hashed yet. */
  readonly signInByAccount: Hook;
  readonly signUpByAddress: Hook;
}

const MINUTE = 60_000;

/** The hooks `registerThrottles` made: a route holding one answers 429 (the OpenAPI document lists it). */
const THROTTLE_HOOKS = new WeakSet<object>();

export function isThrottleHook(hook: unknown): boolean {
  return typeof hook === 'function' && THROTTLE_HOOKS.has(hook);
}

/**
 * The throttles of sign-in and sign-up, on @fastify/rate-limit's counters. Each is checked before any password is
 * hashed and before the ledger is asked; a request past one is answered 429 with `Retry-After` (seconds) and
 * costs nothing more. Counting every attempt, not only failures, keeps the check ahead of scrypt.
 */
export async function registerThrottles(app: FastifyInstance, limits: Readonly<ThrottleLimits>): Promise<Throttles> {
  await app.register(rateLimit, { global: false });
  const hook = (what: string, limiter: ReturnType<FastifyInstance['createRateLimit']>): Hook => {
    const throttle: Hook = async (request, reply) => {
      const result = await limiter(request);
      if (result.isAllowed || !result.isExceeded) return undefined;
      const seconds = Math.max(1, result.ttlInSeconds);
      return reply.code(429).header('retry-after', String(seconds)).send({ error: 'TooManyRequests', message: `too many ${what}; try again in ${seconds} s` });
    };
    THROTTLE_HOOKS.add(throttle);
    return throttle;
  };
  const byAddress = (request: FastifyRequest): string => request.ip;
  const byAccount = (request: FastifyRequest): string => {
    const username = (request.body as { username?: unknown } | undefined)?.username;
    return typeof username === 'string' ? username.normalize('NFC').toLowerCase() : '';
  };
  return {
    signInByAddress: hook('sign-in attempts from this address', app.createRateLimit({ max: limits.signInPerAddress, timeWindow: MINUTE, keyGenerator: byAddress })),
    signInByAccount: hook('sign-in attempts for this user name', app.createRateLimit({ max: limits.signInPerAccount, timeWindow: 15 * MINUTE, keyGenerator: byAccount })),
    signUpByAddress: hook('sign-ups from this address', app.createRateLimit({ max: limits.signUpPerAddress, timeWindow: 60 * MINUTE, keyGenerator: byAddress })),
  };
}
