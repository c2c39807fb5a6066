import { loadConfig } from '@chargeledger/config';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, type CsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
// Tokens no other text in the log could contain by chance.
const TOKEN = 'A1B2C3D4E5F60718';
const UNKNOWN_TOKEN = 'F00DFACE12345678';
const ODD_TOKEN = 'card/7 x+y';

describe('the CSMS log (csms.log) at the most verbose level', () => {
  let csms: CsmsProcess;

  beforeAll(async () => {
    csms = aCsmsProcess(await freePort(), { logLevel: 'trace' });
    await csms.start();
  });

  afterAll(async () => {
    await csms.kill();
    const { redis } = loadConfig();
    const connection = new Redis({ host: redis.host, port: redis.port });
    await removeKeys(connection, csms.options.prefix);
    connection.disconnect();
  });

  async function call(method: string, path: string, body?: object, key: string | null = csms.options.adminKey): Promise<number> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    const response = await fetch(`${csms.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    await response.arrayBuffer();
    return response.status;
  }

  it('never contains an id token, whether it came in a URL, a body or an OCPP message', async () => {
    expect(await call('POST', '/api/chargers', { identity: 'CP-LOG', password: PASSWORD })).toBe(201);
    expect(await call('PUT', `/api/id-tokens/${TOKEN}`, { accountId: 'driver-alice' })).toBe(204);
    expect(await call('PUT', `/api/id-tokens/${encodeURIComponent(ODD_TOKEN)}`, { accountId: 'driver-bob' })).toBe(204);
    expect(await call('PUT', `/api/id-tokens/${TOKEN}?idToken=${TOKEN}`, { accountId: 'driver-alice' })).toBe(204);
    expect(await call('PUT', `/api/id-tokens/${UNKNOWN_TOKEN}`, { accountId: '' })).toBe(400);
    expect(await call('PUT', `/api/id-tokens/${UNKNOWN_TOKEN}`, { accountId: 'driver-carol' }, null)).toBe(401);
    expect(await call('GET', `/api/id-tokens/${UNKNOWN_TOKEN}`)).toBe(404);
    expect(await call('DELETE', `/api/id-tokens/${TOKEN}`)).toBe(404);

    const charger = ocppClient({ endpoint: csms.ocppEndpoint, identity: 'CP-LOG', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await charger.connect();
    try {
      await charger.call('Authorize', { idTag: TOKEN });
      await charger.call('Authorize', { idTag: UNKNOWN_TOKEN });
      const { transactionId } = (await charger.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
      await charger.call('StopTransaction', { transactionId, idTag: TOKEN, meterStop: 1200, timestamp: '2026-11-24T10:30:00.000Z' });
    } finally {
      await charger.close({ force: true });
    }
    expect(await call('GET', '/api/sessions')).toBe(200);

    const log = csms.output;
    // The calls were logged (with the token's place in the URL kept), so the absence below means something.
    expect(log).toContain('/api/id-tokens/');
    expect(log).toContain('session started');
    for (const token of [TOKEN, UNKNOWN_TOKEN, ODD_TOKEN, encodeURIComponent(ODD_TOKEN)]) {
      expect(log.toLowerCase()).not.toContain(token.toLowerCase());
    }
  });
});
