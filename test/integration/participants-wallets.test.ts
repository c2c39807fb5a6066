import { call, ParticipantsStack } from './participants-support';

/** The Wallets organization's service as its own process on an embedded ledger: drivers sign up and see only their own wallet. */

let stack: ParticipantsStack;
let wallets: string;
let staff: string;
beforeAll(async () => {
  stack = await ParticipantsStack.start(['wallets']);
  wallets = stack.url('wallets');
  staff = await stack.staffToken('wallets');
});
afterAll(async () => {
  await stack?.close();
});

let driverCount = 0;
const aDriver = async (): Promise<{ token: string; accountId: string; username: string }> => {
  const username = `erika-${++driverCount}`;
  const reply = await call<{ token: string; user: { party: string } }>(wallets, 'POST', '/api/drivers', { body: { username, password: 'a long password 1', name: 'Erika Mustermann', email: 'erika@example.org' } });
  expect(reply.status).toBe(201);
  return { token: reply.body.token, accountId: reply.body.user.party, username };
};

describe('signing up and in at Wallets', () => {
  it('opens a driver’s account on sign-up and signs the driver in', async () => {
    const driver = await aDriver();
    expect(driver.accountId).toMatch(/^drv-[0-9a-f]{12}$/);
    expect((await call(wallets, 'GET', '/api/me', { token: driver.token })).body).toEqual({ username: driver.username, role: 'driver', party: driver.accountId });
    expect(await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId: driver.accountId })).toMatchObject({ kind: 'driver', balance: 0, sessionLimit: 2000 });
  });

  it('refuses a user name taken (409), a wrong password (401), and an unknown property (400)', async () => {
    const driver = await aDriver();
    expect((await call(wallets, 'POST', '/api/drivers', { body: { username: driver.username, password: 'another password', name: 'E', email: 'e@example.org' } })).status).toBe(409);
    expect((await call(wallets, 'POST', '/api/session', { body: { username: driver.username, password: 'a wrong password' } })).status).toBe(401);
    expect((await call(wallets, 'POST', '/api/session', { body: { username: 'nobody-here', password: 'a long password 1' } })).status).toBe(401);
    expect((await call(wallets, 'POST', '/api/drivers', { body: { username: 'x-new', password: 'a long password 1', name: 'E', email: 'e@example.org', role: 'wallets-staff' } })).status).toBe(400);
    expect((await call(wallets, 'POST', '/api/session', { body: { username: driver.username, password: 'a long password 1' } })).status).toBe(200);
  });

  it('forgets a token on sign-out', async () => {
    const driver = await aDriver();
    expect((await call(wallets, 'DELETE', '/api/session', { token: driver.token })).status).toBe(204);
    expect((await call(wallets, 'GET', '/api/me', { token: driver.token })).status).toBe(401);
  });

  it('serves an OpenAPI document with a schema on every route', async () => {
    const { body } = await call<{ paths: Record<string, Record<string, { summary?: string }>> }>(wallets, 'GET', '/api/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/drivers', '/api/accounts/{accountId}/statement', '/api/accounts/{accountId}/cards', '/api/stations/near']));
    for (const [route, methods] of Object.entries(body.paths)) for (const operation of Object.values(methods)) expect({ route, summary: operation.summary }).toEqual({ route, summary: expect.any(String) });
  });
});

describe('a driver’s wallet', () => {
  it('is credited by a bank transfer staff record, and the statement lists it with its reference', async () => {
    const driver = await aDriver();
    const topUp = await call(wallets, 'POST', `/api/accounts/${driver.accountId}/bank-transfers`, { token: staff, body: { amount: 2500, reference: 'psp-4711' } });
    expect(topUp).toMatchObject({ status: 200, body: { balance: 2500, available: 2500 } });
    const statement = await call<{ entries: unknown[] }>(wallets, 'GET', `/api/accounts/${driver.accountId}/statement`, { token: driver.token });
    expect(statement.body.entries).toEqual([expect.objectContaining({ amount: 2500, reason: 'top-up', ref: 'bank:psp-4711', txId: expect.any(String) })]);
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}/receipts`, { token: driver.token })).body).toEqual({ receipts: [] });
    const noProof = await call<{ message: string }>(wallets, 'GET', `/api/accounts/${driver.accountId}/receipts/SIM-1-1/proof`, { token: driver.token });
    expect(noProof).toMatchObject({ status: 404, body: { message: `account ${driver.accountId} has no receipt for session SIM-1-1` } });
  });

  it('answers 401 without a session and 403 for another driver’s account, on every account route', async () => {
    const erika = await aDriver();
    const max = await aDriver();
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/accounts/${erika.accountId}`],
      ['GET', `/api/accounts/${erika.accountId}/statement`],
      ['GET', `/api/accounts/${erika.accountId}/receipts`],
      ['GET', `/api/accounts/${erika.accountId}/receipts/SIM-1-1/proof`],
      ['GET', `/api/accounts/${erika.accountId}/cards`],
      ['POST', `/api/accounts/${erika.accountId}/top-ups`, { amount: 100 }],
      ['POST', `/api/accounts/${erika.accountId}/payout-destinations`, { iban: 'DE89370400440532013000' }],
      ['POST', `/api/accounts/${erika.accountId}/payouts`, { amount: 100, refundOf: 'stripe:pi_1' }],
      ['GET', `/api/accounts/${erika.accountId}/payouts`],
      ['POST', `/api/accounts/${erika.accountId}/cards`, { idToken: '04AABBCCDDEEFF' }],
      ['DELETE', `/api/accounts/${erika.accountId}/cards/card-1`],
      ['POST', `/api/accounts/${erika.accountId}/holds/SIM-1-1/release`],
    ];
    for (const [method, route, body] of routes) {
      expect([route, (await call(wallets, method, route, { body })).status]).toEqual([route, 401]);
      expect([route, (await call(wallets, method, route, { token: max.token, body })).status]).toEqual([route, 403]);
    }
    expect((await call(wallets, 'GET', '/api/stations/near?lat=52.52&lon=13.4', {})).status).toBe(401);
  });

  it('releases only a hold of a session the ledger knows for the account: 404 for a session it does not know', async () => {
    const driver = await aDriver();
    const release = await call(wallets, 'POST', `/api/accounts/${driver.accountId}/holds/SIM-1-1/release`, { token: driver.token });
    expect(release).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await call(wallets, 'POST', `/api/accounts/${driver.accountId}/holds/SIM$1/release`, { token: driver.token })).status).toBe(400);
  });

  it('takes an amount only as a number and nothing the schema does not name', async () => {
    const driver = await aDriver();
    const topUp = (body: unknown) => call(wallets, 'POST', `/api/accounts/${driver.accountId}/top-ups`, { token: driver.token, body });
    expect((await topUp({ amount: '100' })).status).toBe(400);
    expect((await topUp({ amount: 100, accountId: 'drv-other' })).status).toBe(400);
    expect((await topUp({ amount: 0 })).status).toBe(400);
    // A driver's word is no payment: the reference a provider would give is not the driver's to send.
    expect((await topUp({ amount: 100, reference: 'psp-1' })).status).toBe(400);
  });

  it('links a card once staff confirm the driver’s request, lists its reference, revokes it, and answers a card no longer active with the chaincode’s NOT_FOUND', async () => {
    const driver = await aDriver();
    const request = await call<{ requestRef: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/cards`, { token: driver.token, body: { idToken: '04a1b2c3d4e5f6' } });
    expect(request).toMatchObject({ status: 202, body: { status: 'pending', requestRef: expect.any(String) } });
    expect((await call(wallets, 'GET', '/api/card-requests', { token: staff })).body).toMatchObject({ requests: expect.arrayContaining([{ requestRef: request.body.requestRef, accountId: driver.accountId, requestedAtMs: expect.any(Number), cardEnding: 'E5F6' }]) });
    const link = await call<{ tokenRef: string }>(wallets, 'POST', `/api/card-requests/${request.body.requestRef}/confirmation`, { token: staff, body: {} });
    expect(link).toMatchObject({ status: 201, body: { accountId: driver.accountId, status: 'active', proofHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}/cards`, { token: driver.token })).body).toEqual({ tokenRefs: [link.body.tokenRef], pendingRequests: [] });
    const resolved = await stack.ledgerAs('WalletsMSP').evaluate('Wallet:resolveIdToken', {}, { endorsingOrganizations: ['WalletsMSP'], transient: { idToken: '04A1B2C3D4E5F6' } });
    expect(resolved).toMatchObject({ accountId: driver.accountId, tokenRef: link.body.tokenRef });
    const revoke = () => call(wallets, 'DELETE', `/api/accounts/${driver.accountId}/cards/${link.body.tokenRef}`, { token: driver.token });
    expect(await revoke()).toMatchObject({ status: 200, body: { status: 'revoked' } });
    expect(await revoke()).toMatchObject({ status: 404, body: { error: 'LedgerRefusal', code: 'NOT_FOUND', reason: expect.any(String) } });
    expect((await call(wallets, 'DELETE', `/api/accounts/${driver.accountId}/cards/card-unknown`, { token: driver.token })).status).toBe(404);
  });

  it('answers a request for a card someone holds exactly as any other, makes squatting pointless, and lets a card unlinked be linked again', async () => {
    const owner = await aDriver();
    const squatter = await aDriver();
    const CARD = '04C0FFEE0000AB';
    const ask = (driver: { token: string; accountId: string }) => call<{ requestRef: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/cards`, { token: driver.token, body: { idToken: CARD } });
    const confirm = (ref: string) => call<{ tokenRef: string }>(wallets, 'POST', `/api/card-requests/${ref}/confirmation`, { token: staff, body: {} });
    const first = await ask(owner);
    expect((await confirm(first.body.requestRef)).status).toBe(201);
    // The squatter asks for the owner's card: the same answer a free card gets, and nothing happens on the ledger.
    const height = stack.embedded.height();
    const squat = await ask(squatter);
    expect(squat.status).toBe(202);
    expect(Object.keys(squat.body).sort()).toEqual(Object.keys(first.body).sort());
    expect(stack.embedded.height()).toBe(height);
    // Staff confirming it find the card linked: the request is refused, the card stays the owner's.
    expect((await confirm(squat.body.requestRef)).status).toBe(409);
    const resolve = () => stack.ledgerAs('WalletsMSP').evaluate('Wallet:resolveIdToken', {}, { endorsingOrganizations: ['WalletsMSP'], transient: { idToken: CARD } });
    expect(await resolve()).toMatchObject({ accountId: owner.accountId });
    // Unlinked by its owner, the card can be linked again (here to the other driver, once staff confirm).
    const tokenRef = (await call<{ tokenRefs: string[] }>(wallets, 'GET', `/api/accounts/${owner.accountId}/cards`, { token: owner.token })).body.tokenRefs[0] ?? '';
    expect((await call(wallets, 'DELETE', `/api/accounts/${owner.accountId}/cards/${tokenRef}`, { token: owner.token })).status).toBe(200);
    const again = await ask(squatter);
    expect((await confirm(again.body.requestRef)).status).toBe(201);
    expect(await resolve()).toMatchObject({ accountId: squatter.accountId });
  });
});

describe('Wallets staff', () => {
  it('open an admitted operator’s account; opening it again is the chaincode’s ALREADY_EXISTS as 409', async () => {
    const open = () => call(wallets, 'POST', '/api/accounts', { token: staff, body: { accountId: 'acc-op-7', kind: 'operator', ownerId: 'op-2', currency: 'EUR' } });
    expect(await open()).toMatchObject({ status: 201, body: { accountId: 'acc-op-7', kind: 'operator', ownerId: 'op-2' } });
    expect(await open()).toMatchObject({ status: 409, body: { error: 'LedgerRefusal', code: 'ALREADY_EXISTS' } });
  });

  it('cannot open an account for an operator the consortium never admitted (ADR 0038): 404 with the reason', async () => {
    const reply = await call(wallets, 'POST', '/api/accounts', { token: staff, body: { accountId: 'acc-op-9', kind: 'operator', ownerId: 'op-9', currency: 'EUR' } });
    expect(reply).toMatchObject({ status: 404, body: { error: 'LedgerRefusal', code: 'NOT_FOUND', reason: expect.stringContaining('op-9') } });
  });

  it('get a chaincode refusal other than not-found, exists or denied as 422 with its code and reason', async () => {
    const reply = await call(wallets, 'POST', '/api/accounts', { token: staff, body: { accountId: 'acc-op-8', kind: 'operator', currency: 'EUR' } });
    expect(reply).toMatchObject({ status: 422, body: { error: 'LedgerRefusal', code: 'BAD_REQUEST', reason: expect.any(String) } });
  });

  it('see any account, and get 404 with the chaincode’s reason for one that does not exist', async () => {
    const driver = await aDriver();
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}`, { token: staff })).status).toBe(200);
    expect(await call(wallets, 'GET', '/api/accounts/drv-nobody', { token: staff })).toMatchObject({ status: 404, body: { error: 'LedgerRefusal', code: 'NOT_FOUND', reason: expect.any(String) } });
  });

  it('are the only ones who open accounts or add staff', async () => {
    const driver = await aDriver();
    expect((await call(wallets, 'POST', '/api/accounts', { token: driver.token, body: { accountId: 'acc-x', kind: 'driver', currency: 'EUR' } })).status).toBe(403);
    expect((await call(wallets, 'POST', '/api/users', { token: driver.token, body: { username: 'mallory', password: 'a long password 1' } })).status).toBe(403);
    expect((await call(wallets, 'POST', '/api/users', { token: staff, body: { username: 'clerk-1', password: 'a long password 1' } })).status).toBe(201);
    expect((await call(wallets, 'POST', '/api/users', { token: staff, body: { username: 'clerk-1', password: 'a long password 1' } })).status).toBe(409);
  });
});
