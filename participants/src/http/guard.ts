import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role, SessionStore } from '../auth/sessions';

/** The hooks `Guard.allow` made: a route holding one answers 401 and 403 (the OpenAPI document lists them). */
const GUARD_HOOKS = new WeakSet<object>();

export function isGuardHook(hook: unknown): boolean {
  return typeof hook === 'function' && GUARD_HOOKS.has(hook);
}

/** `Bearer <token>`, the scheme in any case (RFC 7235). */
const BEARER = /^bearer +(\S+)$/i;

/**
 * Sign-in checks as onRequest hooks: 401 without a live session token, 403 when the person's role is not one
 * the route allows. They run before the body is parsed, so a stranger learns nothing of what a route accepts.
 */
export class Guard {
  readonly #sessions: SessionStore;
  readonly #principals = new WeakMap<FastifyRequest, Principal>();

  constructor(sessions: SessionStore) {
    this.#sessions = sessions;
  }

  allow(...roles: readonly Role[]): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
    const hook = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
      const principal = token === undefined ? undefined : this.#sessions.principalOf(token);
      if (principal === undefined) return reply.code(401).send({ error: 'Unauthorized', message: 'sign in first (Authorization: Bearer <token>)' });
      if (!roles.includes(principal.role)) return reply.code(403).send({ error: 'Forbidden', message: `this needs the role ${roles.join(' or ')}` });
      this.#principals.set(request, principal);
      return undefined;
    };
    GUARD_HOOKS.add(hook);
    return hook;
  }

  /** The person a guarded route was called by. */
  principal(request: FastifyRequest): Principal {
    const principal = this.#principals.get(request);
    if (principal === undefined) throw new Error(`${request.routeOptions.url ?? request.url} has no guard`);
    return principal;
  }

  /** The person a guarded route was called by, or undefined on a route open to anyone. */
  principalIfAny(request: FastifyRequest): Principal | undefined {
    return this.#principals.get(request);
  }

  token(request: FastifyRequest): string | undefined {
    return BEARER.exec(request.headers.authorization ?? '')?.[1];
  }
}

/** Answers 403 unless `allowed`; returns whether the handler may go on. */
export function forbidUnless(allowed: boolean, reply: FastifyReply, message: string): boolean {
  if (!allowed) void reply.code(403).send({ error: 'Forbidden', message });
  return allowed;
}
