import { call, ParticipantsStack } from './participants-support';

/**
 * What a hostile client tries against the participants' services: guessing a password, spending the service's
 * CPU on scrypt, flooding sign-up with ledger transactions. The services run as `npm start` runs them, with
 * small throttles so that the test reaches them quickly.
 */

const LIMITS = { PARTICIPANTS_SIGN_IN_PER_ACCOUNT: '5', PARTICIPANTS_SIGN_IN_PER_ADDRESS: '12', PARTICIPANTS_SIGN_UP_PER_ADDRESS: '8' };

describe('sign-in and sign-up under abuse', () => {
  let stack: ParticipantsStack;
  let wallets: string;

  beforeAll(async () => {
    stack = await ParticipantsStack.start(['wallets'], { env: LIMITS });
    wallets = stack.url('wallets');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stops guessing one account’s password: past the limit even the right password is 429 with Retry-After', async () => {
    const signUp = await call(wallets, 'POST', '/api/drivers', { body: { username: 'guessed', password: 'the right password 1', name: 'G', email: 'g@example.org' } });
    expect(signUp.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await call(wallets, 'POST', '/api/session', { body: { username: 'guessed', password: `wrong guess ${i}` } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const response = await fetch(`${wallets}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guessed', password: 'the right password 1' }) });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: 'TooManyRequests' });
  });

  it('stops one client address trying many user names before it costs a password hash each', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(wallets, 'POST', '/api/session', { body: { username: `nobody-${i}`, password: 'some password 1' } })));
    const refused = answers.filter((answer) => answer.status === 429).length;
    // 5 attempts were spent by the test before; 12 a minute from one address in all.
    expect(refused).toBeGreaterThanOrEqual(40 - 12);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a weak password at sign-up with 400 WeakPassword, before any ledger transaction', async () => {
    const height = stack.embedded.height();
    for (const password of ['aaaaaaaaaaaa', 'weakling-password', '1212121212121']) {
      const answer = await call(wallets, 'POST', '/api/drivers', { body: { username: 'weakling', password, name: 'W', email: 'w@example.org' } });
      expect(answer).toMatchObject({ status: 400, body: { error: 'WeakPassword' } });
    }
    expect(stack.embedded.height()).toBe(height);
  });

  it('throttles sign-up per address: a flood of sign-ups is 429 before it reaches the ledger', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(wallets, 'POST', '/api/drivers', { body: { username: `flood-${i}`, password: 'a long password 1', name: 'F', email: 'f@example.org' } })));
    const created = answers.filter((answer) => answer.status === 201).length;
    // 8 sign-up attempts an hour from one address: the first test's and the 3 weak ones came before.
    expect(created).toBe(4);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(16);
  });
});

describe('staff and their passwords, and answers that tell nothing', () => {
  let stack: ParticipantsStack;
  let wallets: string;
  let admin: string;

  beforeAll(async () => {
    stack = await ParticipantsStack.start(['wallets', 'prosumers']);
    wallets = stack.url('wallets');
    admin = await stack.staffToken('wallets');
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const signIn = (username: string, password: string) => call<{ token: string }>(wallets, 'POST', '/api/session', { body: { username, password } });

  it('lets only an admin of staff add or remove staff; a removed member is signed out at once', async () => {
    expect((await call(wallets, 'POST', '/api/users', { token: admin, body: { username: 'clerk-a', password: 'a long password 1' } })).status).toBe(201);
    const clerk = (await signIn('clerk-a', 'a long password 1')).body.token;
    expect((await call(wallets, 'POST', '/api/users', { token: clerk, body: { username: 'clerk-b', password: 'a long password 1' } })).status).toBe(403);
    expect((await call(wallets, 'DELETE', '/api/users/wallets-admin', { token: clerk })).status).toBe(403);
    expect((await call(wallets, 'DELETE', '/api/users/wallets-admin', { token: admin })).status).toBe(409);
    expect((await call(wallets, 'DELETE', '/api/users/nobody-at-all', { token: admin })).status).toBe(404);
    expect((await call(wallets, 'DELETE', '/api/users/clerk-a', { token: admin })).status).toBe(204);
    expect((await call(wallets, 'GET', '/api/me', { token: clerk })).status).toBe(401);
    expect((await signIn('clerk-a', 'a long password 1')).status).toBe(401);
  });

  it('changes a password with the current one, under the rules, signing out the user’s other sessions', async () => {
    const signUp = await call<{ token: string }>(wallets, 'POST', '/api/drivers', { body: { username: 'changer', password: 'the first password', name: 'C', email: 'c@example.org' } });
    const other = (await signIn('changer', 'the first password')).body.token;
    const change = (body: unknown) => call(wallets, 'POST', '/api/me/password', { token: signUp.body.token, body });
    expect((await change({ currentPassword: 'not the password', newPassword: 'the second password' })).status).toBe(403);
    expect(await change({ currentPassword: 'the first password', newPassword: 'zzzzzzzzzzzz' })).toMatchObject({ status: 400, body: { error: 'WeakPassword' } });
    expect((await change({ currentPassword: 'the first password', newPassword: 'the second password' })).status).toBe(204);
    expect((await call(wallets, 'GET', '/api/me', { token: other })).status).toBe(401);
    expect((await call(wallets, 'GET', '/api/me', { token: signUp.body.token })).status).toBe(200);
    expect((await signIn('changer', 'the first password')).status).toBe(401);
    expect((await signIn('changer', 'the second password')).status).toBe(200);
  });

  it('answers a prosumer asking for an account that does not exist as for one that is not theirs', async () => {
    const prosumer = await call<{ token: string }>(stack.url('prosumers'), 'POST', '/api/prosumers', { body: { username: 'curious-pv', password: 'a long password 1' } });
    await stack.ledgerAs('WalletsMSP').submit('Wallet:openAccount', { eventId: 'abuse-open-1', accountId: 'acc-someone-else', kind: 'prosumer', ownerId: 'pro-someone', currency: 'EUR' });
    const earnings = (accountId: string) => call(stack.url('prosumers'), 'GET', `/api/accounts/${accountId}/earnings`, { token: prosumer.body.token });
    const missing = await earnings('acc-no-such-account');
    const others = await earnings('acc-someone-else');
    expect(missing.status).toBe(403);
    expect(others.status).toBe(403);
    expect(Object.keys(missing.body)).toEqual(Object.keys(others.body));
  });
});
