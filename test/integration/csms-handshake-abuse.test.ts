import { randomBytes } from 'node:crypto';
import { HandshakeRefusedError, RawCharger } from '../support/raw-charger';
import { provisionCharger, type RunningCsms, startCsms } from '../support/csms';

/**
 * A stranger at the CSMS's OCPP endpoint: it cannot tell a provisioned charger identity from an unknown one by
 * how long a refusal takes, and repeated refusals stop costing the CSMS a password hash each (429).
 */

const PASSWORD = 'a-long-charger-password';

async function refusalStatus(csms: RunningCsms, identity: string, password: string): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  try {
    const charger = await RawCharger.connect({ endpoint: csms.ocppEndpoint, identity, password, protocols: ['ocpp1.6'] });
    charger.destroy();
    return { status: 101, ms: 0 };
  } catch (error) {
    if (!(error instanceof HandshakeRefusedError)) throw error;
    return { status: error.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('charger handshakes under abuse', () => {
  let csms: RunningCsms;

  beforeEach(async () => {
    csms = await startCsms();
  });
  afterEach(async () => {
    await csms.stop();
  });

  it('refuses an unknown identity as slowly as a known one with a wrong password', async () => {
    const known = `CP-${randomBytes(4).toString('hex')}`;
    await provisionCharger(csms, known, PASSWORD);
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const wrong = await refusalStatus(csms, known, `wrong-password-${i}-0123456`);
      const unknown = await refusalStatus(csms, `CP-unknown-${i}`, `wrong-password-${i}-0123456`);
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      knownMs.push(wrong.ms);
      unknownMs.push(unknown.ms);
    }
    // Before: 2 ms against 54 ms. Both now pay one scrypt: within a factor of 3 of each other.
    expect(median(unknownMs)).toBeGreaterThan(median(knownMs) / 3);
  });

  it('answers an upgrade to an absolute-form or unparsable target 404 and keeps serving', async () => {
    const { request } = await import('node:http');
    const target = new URL(csms.url);
    for (const path of ['http://[/ocpp/CP-1', '//%zz/ocpp/CP-1']) {
      const status = await new Promise<number>((resolve, reject) => {
        const outgoing = request({ host: target.hostname, port: target.port, path, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } });
        outgoing.once('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        outgoing.once('upgrade', () => resolve(101));
        outgoing.once('error', reject);
        outgoing.end();
      });
      expect({ path, status }).toEqual({ path, status: 404 });
    }
    expect((await fetch(`${csms.url}/health`)).status).toBe(200);
  });

  it('answers 429 to an identity after 10 refused handshakes, even with the right password, and to an address trying many identities', async () => {
    const target = `CP-${randomBytes(4).toString('hex')}`;
    await provisionCharger(csms, target, PASSWORD);
    for (let i = 0; i < 10; i += 1) expect((await refusalStatus(csms, target, `guess-number-${i}-abcdefgh`)).status).toBe(401);
    expect((await refusalStatus(csms, target, PASSWORD)).status).toBe(429);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i += 1) statuses.push((await refusalStatus(csms, `CP-scan-${i}`, 'some-password-0123456')).status);
    // 10 refusals from this address came before: 50 in all, then 429.
    expect(statuses.slice(0, 40).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(40).every((status) => status === 429)).toBe(true);
  });
});
