import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword, verifyPassword, weakPasswordReason } from '../auth/passwords';
import type { Principal, Role } from '../auth/sessions';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { failures, success } from '../http/responses';
import { bearer, closed, password, username } from '../http/schemas';
import type { Organization } from '../organizations';

/** The staff role of each organization; prosumers have none (each prosumer signs up for itself). */
export const STAFF_ROLE: Readonly<Record<Organization, Role | undefined>> = {
  wallets: 'wallets-staff',
  operators: 'operator-staff',
  prosumers: undefined,
  authority: 'authority-staff',
};

/** Every role this organization's service knows. */
export const ROLES: Readonly<Record<Organization, readonly Role[]>> = {
  wallets: ['driver', 'wallets-staff'],
  operators: ['operator-staff'],
  prosumers: ['prosumer'],
  authority: ['authority-staff'],
};

/** Spent on an unknown user name too, so the answer's timing does not tell which names exist. */
const DECOY_HASH = hashPassword('no such user, no such password');

const principalSchema = closed({ username, role: { type: 'string' }, party: { type: 'string', description: 'a driver’s account id, a prosumer’s id, or the operator staff act for' }, admin: { type: 'boolean', description: 'staff who may add and remove staff' } }, ['username', 'role']);
const sessionSchema = closed({ token: { type: 'string' }, expiresAtMs: { type: 'integer' }, user: principalSchema }, ['token', 'expiresAtMs', 'user']);

/** Signs a person in and answers with the session; used by sign-in and by self-registration. */
export function openSession(context: RouteContext, principal: Principal): { token: string; expiresAtMs: number; user: Principal } {
  return { ...context.sessions.open(principal), user: principal };
}

/** Answers 400 WeakPassword unless the new password passes the rules (auth/passwords.ts); returns whether to go on. */
export function refuseWeakPassword(reply: FastifyReply, password: string, username: string): boolean {
  const reason = weakPasswordReason(password, username);
  if (reason !== undefined) void reply.code(400).send({ error: 'WeakPassword', message: reason });
  return reason !== undefined;
}

export function registerSignInRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, organization, throttles } = context;
  const anyone = guard.allow(...ROLES[organization]);

  app.post<{ Body: { username: string; password: string } }>(
    '/api/session',
    {
      onRequest: throttles.signInByAddress,
      preHandler: throttles.signInByAccount,
      config: { ledger: false },
      schema: {
        summary: 'Sign in',
        tags: ['sign-in'],
        body: closed({ username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 200 } }, ['username', 'password']),
        response: { 200: { ...sessionSchema, description: 'Signed in: a bearer token, when it expires, and who you are (a driver\'s account id in user.party)' }, 401: { ...failures[401], description: 'Unauthorized: unknown user name or wrong password' } },
      },
    },
    async (request, reply) => {
      const user = store.user(request.body.username);
      const valid = await verifyPassword(request.body.password, user?.passwordHash ?? (await DECOY_HASH));
      if (user === undefined || !valid) return reply.code(401).send({ error: 'Unauthorized', message: 'unknown user name or wrong password' });
      return openSession(context, { username: user.username, role: user.role, ...(user.party === undefined ? {} : { party: user.party }), ...(user.admin === true ? { admin: true } : {}) });
    },
  );

  app.delete('/api/session', { onRequest: anyone, config: { ledger: false }, schema: { summary: 'Sign out', tags: ['sign-in'], security: bearer, response: { 204: success('Signed out') } } }, async (request, reply) => {
    const token = guard.token(request);
    if (token !== undefined) context.sessions.close(token);
    return reply.code(204).send();
  });

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/me/password',
    {
      onRequest: anyone,
      config: { ledger: false },
      schema: {
        summary: 'Change your password: every other session of yours is signed out',
        tags: ['sign-in'],
        security: bearer,
        body: closed({ currentPassword: { type: 'string', maxLength: 200 }, newPassword: password }, ['currentPassword', 'newPassword']),
        response: { 204: success('Changed'), 403: { ...failures[403], description: 'Forbidden: the current password is wrong' } },
      },
    },
    async (request, reply) => {
      const principal = guard.principal(request);
      const user = store.user(principal.username);
      if (user === undefined) return reply.code(401).send({ error: 'Unauthorized', message: 'sign in first (Authorization: Bearer <token>)' });
      if (!(await verifyPassword(request.body.currentPassword, user.passwordHash))) return reply.code(403).send({ error: 'Forbidden', message: 'the current password is wrong' });
      if (refuseWeakPassword(reply, request.body.newPassword, user.username)) return reply;
      await store.replaceUser({ ...user, passwordHash: await hashPassword(request.body.newPassword) });
      context.sessions.closeAllOf(user.username, guard.token(request));
      return reply.code(204).send();
    },
  );

  app.get('/api/me', { onRequest: anyone, config: { ledger: false }, schema: { summary: 'Who is signed in', tags: ['sign-in'], security: bearer, response: { 200: { ...principalSchema, description: 'Who you are: your role, and your party (a driver\'s account id, a prosumer\'s id, the operator staff act for)' } } } }, async (request) => guard.principal(request));

  const staff = STAFF_ROLE[organization];
  if (staff === undefined) return;
  const adminOnly = (request: FastifyRequest, reply: FastifyReply): boolean => forbidUnless(guard.principal(request).admin === true, reply, 'only an admin of staff adds or removes staff');
  app.post<{ Body: { username: string; password: string; admin?: boolean } }>(
    '/api/users',
    {
      onRequest: guard.allow(staff),
      config: { ledger: false },
      schema: {
        summary: `Add a member of staff (${staff}), an admin's right; operators' staff act for their own operator`,
        tags: ['sign-in'],
        security: bearer,
        body: closed({ username, password, admin: { type: 'boolean' } }, ['username', 'password']),
        response: { 201: { ...principalSchema, description: 'The member of staff added' }, 409: { ...failures[409], description: 'Conflict: the user name is taken; or RequestInProgress (Idempotency-Key)' } },
      },
    },
    async (request, reply) => {
      const creator = guard.principal(request);
      if (!adminOnly(request, reply)) return reply;
      if (refuseWeakPassword(reply, request.body.password, request.body.username)) return reply;
      const user = { username: request.body.username, role: staff, ...(creator.party === undefined ? {} : { party: creator.party }), ...(request.body.admin === true ? { admin: true } : {}) };
      await store.addUser({ ...user, passwordHash: await hashPassword(request.body.password), createdAtMs: context.clock.now() });
      return reply.code(201).send(user);
    },
  );

  app.delete<{ Params: { username: string } }>(
    '/api/users/:username',
    {
      onRequest: guard.allow(staff),
      config: { ledger: false },
      schema: {
        summary: 'Remove a member of staff, an admin\'s right: signed out at once; an admin cannot remove themself',
        tags: ['sign-in'],
        security: bearer,
        params: closed({ username }, ['username']),
        response: { 204: success('Removed and signed out'), 404: { ...failures[404], description: 'NotFound: no member of staff of that name' }, 409: { ...failures[409], description: 'Conflict: an admin cannot remove themself' } },
      },
    },
    async (request, reply) => {
      if (!adminOnly(request, reply)) return reply;
      const { username: name } = request.params;
      const user = store.user(name);
      if (user === undefined || user.role !== staff) return reply.code(404).send({ error: 'NotFound', message: `no member of staff ${name}` });
      if (name === guard.principal(request).username) return reply.code(409).send({ error: 'Conflict', message: 'an admin cannot remove themself' });
      await store.removeUser(name);
      context.sessions.closeAllOf(name);
      return reply.code(204).send();
    },
  );
}
