import { ADMIN_KEY, provisionCharger, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

describe('the admin API takes exactly what its schema says', () => {
  let running: RunningCsms;

  beforeAll(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-1', PASSWORD);
  });

  afterAll(async () => {
    await running.stop();
  });

  async function send(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  async function identities(): Promise<string[]> {
    return ((await send('GET', '/api/chargers')).body as { identity: string }[]).map((c) => c.identity);
  }

  it('refuses a charger whose fields have the wrong JSON type with 400, and stores nothing', async () => {
    const wrongTypes = [
      { identity: 'CP-LAYOUT', password: PASSWORD, evseLayout: true },
      { identity: 'CP-LAYOUT-STRINGS', password: PASSWORD, evseLayout: ['2'] },
      { identity: 'CP-LAYOUT-SCALAR', password: PASSWORD, evseLayout: 2 },
      { identity: 'CP-NUMERIC-PASSWORD', password: 1234567890123456 },
      { identity: 'CP-PROFILE-STRING', password: PASSWORD, securityProfile: '1' },
      { identity: 'CP-PROFILE-BOOLEAN', password: PASSWORD, securityProfile: true },
      { identity: 1234, password: PASSWORD },
      { identity: ['CP-IN-AN-ARRAY'], password: PASSWORD },
    ];
    for (const body of wrongTypes) {
      expect({ body, status: (await send('POST', '/api/chargers', body)).status }).toEqual({ body, status: 400 });
    }
    expect(await identities()).toEqual(['CP-1']);
  });

  it('refuses an id token whose account or status has the wrong JSON type with 400', async () => {
    for (const body of [{ accountId: true }, { accountId: 42 }, { accountId: ['driver-alice'] }, { accountId: 'driver-alice', status: ['Accepted'] }, { accountId: null }]) {
      expect({ body, status: (await send('PUT', '/api/id-tokens/CARD-1', body)).status }).toEqual({ body, status: 400 });
    }
    expect((await send('PUT', '/api/id-tokens/CARD-1', { accountId: 'driver-alice' })).status).toBe(204);
  });

  it('reads query parameters only in their plain decimal and true/false spelling', async () => {
    for (const query of ['limit=5', 'limit=500', 'active=true', 'active=false', 'chargerId=CP-1&active=false&limit=1']) {
      expect({ query, status: (await send('GET', `/api/sessions?${query}`)).status }).toEqual({ query, status: 200 });
    }
    for (const query of ['limit=5.0', 'limit=0x10', 'limit=1e2', 'limit=%205', 'limit=', 'limit=05', 'active=1', 'active=', 'active=TRUE', 'chargerId=CP-1&chargerId=CP-2', 'limit=5&limit=6']) {
      expect({ query, status: (await send('GET', `/api/sessions?${query}`)).status }).toEqual({ query, status: 400 });
    }
  });
});
