import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@chargeledger/config';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, type CsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
// A short RFID UID: four bytes, the kind anyone can enumerate against an unkeyed hash.
const CARD = '04A2B3C4';

describe('an id token in the session list of a running CSMS', () => {
  let dataDir: string;
  let csms: CsmsProcess;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'csms-data-'));
    csms = aCsmsProcess(await freePort(), { dataDir, logLevel: 'info' });
    await csms.start();
  });

  afterEach(async () => {
    await csms.kill();
    const { redis } = loadConfig();
    const connection = new Redis({ host: redis.host, port: redis.port });
    await removeKeys(connection, csms.options.prefix);
    connection.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function admin(method: string, route: string, body?: object): Promise<unknown> {
    const response = await fetch(`${csms.url}${route}`, { method, headers: { authorization: `Bearer ${csms.options.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  async function shownToken(): Promise<string> {
    const page = (await admin('GET', '/api/sessions')) as { sessions: { token: string }[] };
    expect(page.sessions).toHaveLength(1);
    return page.sessions[0]!.token;
  }

  it('is a digest under the key in the data folder, which the token alone cannot reproduce, and the one the log shows', async () => {
    await admin('POST', '/api/chargers', { identity: 'CP-1', password: PASSWORD });
    await admin('PUT', `/api/id-tokens/${CARD}`, { accountId: 'driver-alice' });
    const charger = ocppClient({ endpoint: csms.ocppEndpoint, identity: 'CP-1', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await charger.connect();
    try {
      await charger.call('StartTransaction', { connectorId: 1, idTag: CARD, meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' });
    } finally {
      await charger.close({ force: true });
    }

    const shown = await shownToken();
    expect(shown).not.toContain(createHash('sha256').update(CARD).digest('hex').slice(0, 12));
    const keyFile = path.join(dataDir, 'secrets', 'token-digest-key');
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
    expect(key).toHaveLength(32);
    expect(shown).toBe(`hmac-sha256:${createHmac('sha256', key).update(CARD).digest('hex').slice(0, 16)}`);
    expect(csms.output).toContain(`"token":"${shown}"`);

    // The key outlives the process: after a restart the same session shows the same digest.
    await csms.stop();
    await csms.start();
    expect(await shownToken()).toBe(shown);
  });
});
