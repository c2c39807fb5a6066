import { call, ParticipantsStack } from './participants-support';

/**
 * The driver's live stream and a bill's curve at the Wallets service (its own process, embedded ledger, no
 * CSMS): who may read them, the stream's server-sent events, and a stream that ends with its sign-in.
 * test/browser/phone.test.ts watches the figures of a real session.
 */

let stack: ParticipantsStack;
let wallets: string;
beforeAll(async () => {
  stack = await ParticipantsStack.start(['wallets']);
  wallets = stack.url('wallets');
});
afterAll(async () => {
  await stack?.close();
});

let driverCount = 0;
const aDriver = async (): Promise<{ token: string; accountId: string }> => {
  const reply = await call<{ token: string; user: { party: string } }>(wallets, 'POST', '/api/drivers', { body: { username: `live-${++driverCount}`, password: 'a long password 1', name: 'Erika Mustermann', email: 'erika@example.org' } });
  expect(reply.status).toBe(201);
  return { token: reply.body.token, accountId: reply.body.user.party };
};

/** Reads server-sent events from a stream until it ends or `count` arrived. */
async function events(response: Response, count: number): Promise<{ events: { event: string; data: unknown }[]; ended: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: { event: string; data: unknown }[] = [];
  let buffer = '';
  while (seen.length < count) {
    const { value, done } = await reader.read();
    if (done) return { events: seen, ended: true };
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      seen.push({ event: /^event: (.*)$/m.exec(message)?.[1] ?? '', data: JSON.parse(/^data: (.*)$/m.exec(message)?.[1] ?? 'null') });
    }
  }
  await reader.cancel();
  return { events: seen, ended: false };
}

describe('a driver’s running sessions', () => {
  it('answers them once as JSON, none while nothing charges; only to the account’s driver', async () => {
    const driver = await aDriver();
    const other = await aDriver();
    expect(await call(wallets, 'GET', `/api/accounts/${driver.accountId}/live`, { token: driver.token })).toMatchObject({ status: 200, body: { sessions: [] } });
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}/live`, { token: other.token })).status).toBe(403);
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}/live`)).status).toBe(401);
  });

  it('sends them as server-sent events every second, and ends the stream when the driver signs out', async () => {
    const driver = await aDriver();
    const response = await fetch(`${wallets}/api/accounts/${driver.accountId}/live`, { headers: { authorization: `Bearer ${driver.token}`, accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const started = Date.now();
    const first = await events(response, 2);
    expect(first).toEqual({ events: [{ event: 'sessions', data: { sessions: [] } }, { event: 'sessions', data: { sessions: [] } }], ended: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const again = await fetch(`${wallets}/api/accounts/${driver.accountId}/live`, { headers: { authorization: `Bearer ${driver.token}`, accept: 'text/event-stream' } });
    expect((await call(wallets, 'DELETE', '/api/session', { token: driver.token })).status).toBe(204);
    // The one event sent before the sign-out may arrive; then the stream ends.
    const after = await events(again, 5);
    expect(after.ended).toBe(true);
    expect(after.events.length).toBeLessThanOrEqual(2);
  });
});

describe('a bill’s power and cost curve', () => {
  it('is there only for a receipt of the driver’s own account', async () => {
    const driver = await aDriver();
    const other = await aDriver();
    expect(await call(wallets, 'GET', `/api/accounts/${driver.accountId}/receipts/CP-1-none/curve`, { token: driver.token })).toMatchObject({ status: 404, body: { error: 'NotFound' } });
    expect((await call(wallets, 'GET', `/api/accounts/${driver.accountId}/receipts/CP-1-none/curve`, { token: other.token })).status).toBe(403);
  });
});
