import { ADMIN_KEY, provisionCharger, READER_KEY, type RunningCsms, startCsms } from '../support/csms';

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

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { readonly security?: unknown; readonly responses: Record<string, unknown> }>>;
  readonly security?: unknown;
}

describe('the admin API asks who is calling before anything else', () => {
  let running: RunningCsms;

  beforeAll(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-1', PASSWORD);
  });

  afterAll(async () => {
    await running.stop();
  });

  async function send(method: string, path: string, options: { authorization?: string; contentType?: string; body?: string } = {}): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {};
    if (options.authorization !== undefined) headers['authorization'] = options.authorization;
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const response = await fetch(`${running.url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: options.body }) });
    return { status: response.status, text: await response.text() };
  }

  it('answers 401 to a call without a valid key, whatever its body, and says nothing about the schema', async () => {
    const badBodies = [
      { contentType: 'application/json', body: JSON.stringify({ identity: 'no spaces allowed', evseLayout: 'x' }) },
      { contentType: 'application/json', body: '{"identity": ' },
      { contentType: 'application/json', body: '' },
      { contentType: 'application/xml', body: '<charger/>' },
    ];
    for (const authorization of [undefined, 'Bearer not-a-key-of-this-csms', `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`]) {
      for (const bad of badBodies) {
        const answer = await send('POST', '/api/chargers', { ...bad, ...(authorization === undefined ? {} : { authorization }) });
        expect({ authorization, bad, status: answer.status }).toEqual({ authorization, bad, status: 401 });
        expect(answer.text).not.toMatch(/body|identity|evseLayout|JSON|media type/i);
      }
    }
    const badQuery = await send('GET', '/api/sessions?limit=banana&colour=red');
    expect(badQuery.status).toBe(401);
    expect(badQuery.text).not.toMatch(/limit|colour|querystring/i);
  });

  it('answers 403 to a key whose role is too low before looking at the body', async () => {
    const answer = await send('POST', '/api/chargers', { authorization: `Bearer ${READER_KEY}`, contentType: 'application/json', body: '{"identity": 7}' });
    expect(answer.status).toBe(403);
  });

  it('takes the Bearer scheme in any case, as HTTP authentication schemes are', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect({ scheme, status: (await send('GET', '/api/chargers', { authorization: `${scheme} ${ADMIN_KEY}` })).status }).toEqual({ scheme, status: 200 });
    }
    for (const authorization of [`Bearer${ADMIN_KEY}`, `Token ${ADMIN_KEY}`, ADMIN_KEY, 'Bearer ']) {
      expect({ authorization, status: (await send('GET', '/api/chargers', { authorization })).status }).toEqual({ authorization, status: 401 });
    }
  });

  it('says in the OpenAPI document that /health and /ready need no key, and every other route does', async () => {
    const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as OpenApiDocument;
    expect(document.paths['/health']?.['get']?.security).toEqual([]);
    expect(document.paths['/ready']?.['get']?.security).toEqual([]);
    expect(document.security).toEqual([{ apiKey: [] }]);
    for (const [path, operations] of Object.entries(document.paths).filter(([p]) => p.startsWith('/api/'))) {
      for (const [method, operation] of Object.entries(operations)) expect({ path, method, security: operation.security }).toEqual({ path, method, security: undefined });
    }
  });

  it('lists in the OpenAPI document every status each route answered', async () => {
    const json = 'application/json';
    const admin = `Bearer ${ADMIN_KEY}`;
    const reader = `Bearer ${READER_KEY}`;
    const calls: { route: string; method: string; path: string; options?: Parameters<typeof send>[2] }[] = [
      { route: '/health', method: 'GET', path: '/health' },
      { route: '/ready', method: 'GET', path: '/ready' },
      ...[undefined, admin].map((authorization) => ({ route: '/api/chargers', method: 'GET', path: '/api/chargers', options: authorization === undefined ? {} : { authorization } })),
      ...[
        {},
        { authorization: reader, contentType: json, body: '{}' },
        { authorization: admin, contentType: json, body: '{"identity": 7}' },
        { authorization: admin, contentType: json, body: '{"identity": ' },
        { authorization: admin, contentType: 'application/xml', body: '<charger/>' },
        { authorization: admin, contentType: json, body: JSON.stringify({ identity: 'CP-BIG', password: 'x'.repeat(1_100_000) }) },
        { authorization: admin, contentType: json, body: JSON.stringify({ identity: 'CP-NEW', password: PASSWORD }) },
      ].map((options) => ({ route: '/api/chargers', method: 'POST', path: '/api/chargers', options })),
      ...[{}, { authorization: admin }].map((options) => ({ route: '/api/sessions', method: 'GET', path: '/api/sessions?limit=5', options })),
      { route: '/api/sessions', method: 'GET', path: '/api/sessions?limit=0', options: { authorization: admin } },
      ...['/api/sessions/none', `/api/sessions/${'x'.repeat(200)}`].map((path) => ({ route: '/api/sessions/{sessionId}', method: 'GET', path, options: { authorization: admin } })),
      { route: '/api/sessions/{sessionId}', method: 'GET', path: '/api/sessions/none' },
      ...[
        {},
        { authorization: reader, contentType: json, body: '{}' },
        { authorization: admin, contentType: json, body: '{}' },
        { authorization: admin, contentType: 'application/xml', body: '<token/>' },
        { authorization: admin, contentType: json, body: JSON.stringify({ accountId: 'driver-alice' }) },
      ].map((options) => ({ route: '/api/id-tokens/{idToken}', method: 'PUT', path: '/api/id-tokens/CARD-1', options })),
      ...[
        { path: '/api/chargers/CP-1/commands/Reset', options: {} },
        { path: '/api/chargers/CP-1/commands/Reset', options: { authorization: reader, contentType: json, body: '{}' } },
        { path: '/api/chargers/CP-1/commands/Reset', options: { authorization: admin, contentType: json, body: '{"type": "Hard"}' } },
        { path: '/api/chargers/CP-1/commands/1', options: { authorization: admin, contentType: json, body: '{}' } },
        { path: '/api/chargers/CP-1/commands/Reset', options: { authorization: admin, contentType: 'text/csv', body: 'type,Hard' } },
      ].map(({ path, options }) => ({ route: '/api/chargers/{identity}/commands/{action}', method: 'POST', path, options })),
    ];
    const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as OpenApiDocument;
    const undocumented: string[] = [];
    const answered = new Set<string>();
    for (const { route, method, path, options } of calls) {
      const { status } = await send(method, path, options);
      answered.add(String(status));
      if (document.paths[route]?.[method.toLowerCase()]?.responses[String(status)] === undefined) undocumented.push(`${method} ${route} answered ${status}`);
    }
    expect(undocumented).toEqual([]);
    // The calls above did provoke the statuses a caller can cause.
    expect([...answered].sort()).toEqual(expect.arrayContaining(['200', '201', '204', '400', '401', '403', '404', '413', '414', '415']));
  });
});
