import { bridgeHeartbeatKey, ledgerQueriesKey } from '@chargeledger/ledger-queue';
import type { RPCClient } from 'ocpp-rpc';
import { adminRequest, issueIdToken, LEDGER_QUERIES, provisionCharger, type RunningCsms, startCsms, type StartCsmsOptions } from '../support/csms';
import { ocppClient } from '../../support/ocpp-client';

/**
 * Authorize when the ledger cannot be asked. No ledger bridge runs here: where a test writes the bridge's
 * heartbeat, a bridge seems alive but answers nothing, so the CSMS waits out its timeout; where none is
 * written, the CSMS asks nobody and the configured fallback decides at once. The ledger's own verdicts are
 * tested through a real bridge in test/ledger/authorize.test.ts, on the embedded ledger and on Fabric, and
 * how fast a running bridge answers in csms-authorize-bridge.test.ts.
 */

const PASSWORD = 'a-long-charger-password';
const TIMEOUT_MS = 400;

describe('Authorize while no ledger bridge answers', () => {
  let running: RunningCsms | undefined;
  const clients: RPCClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await running?.stop();
    running = undefined;
  });

  async function aCsms(ledgerAuthorization: StartCsmsOptions['ledgerAuthorization'], bridge: 'silent' | 'absent' = 'silent'): Promise<RunningCsms> {
    running = await startCsms({ ledgerAuthorization });
    // A bridge that wrote its heartbeat and then hung: alive as far as Redis says, answering nothing.
    if (bridge === 'silent') await running.redis.set(bridgeHeartbeatKey(running.prefix), String(Date.now()), 'PX', 60_000);
    await provisionCharger(running, 'CP-16', PASSWORD);
    await provisionCharger(running, 'CP-201', PASSWORD);
    await issueIdToken(running, 'RFID-0001', 'driver-alice');
    return running;
  }

  async function charger(csms: RunningCsms, identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1'): Promise<RPCClient> {
    const client = ocppClient({ endpoint: csms.ocppEndpoint, identity, password: PASSWORD, protocols: [protocol], strictMode: true, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  }

  async function timed<T>(call: () => Promise<T>): Promise<{ readonly answer: T; readonly ms: number }> {
    const started = performance.now();
    const answer = await call();
    return { answer, ms: performance.now() - started };
  }

  const authorizationsCounted = async (csms: RunningCsms): Promise<string[]> =>
    (await adminRequest(csms, 'GET', '/metrics')).body.split('\n').filter((line) => line.startsWith('csms_authorizations_total'));

  it('falls back to the registry after the timeout: an issued card is accepted, and counted as a fallback', async () => {
    const csms = await aCsms({ timeoutMs: TIMEOUT_MS, cacheTtlMs: 30_000, whenUnavailable: 'registry' });
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const cp201 = await charger(csms, 'CP-201', 'ocpp2.0.1');

    const first = await timed(() => cp16.call('Authorize', { idTag: 'RFID-0001' }));
    expect(first.answer).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    // A fallback is not a verdict: nothing is cached, so the next Authorize asks the ledger again.
    const second = await timed(() => cp201.call('Authorize', { idToken: { idToken: 'RFID-0001', type: 'ISO14443' } }));
    expect(second.answer).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(second.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(await authorizationsCounted(csms)).toContain('csms_authorizations_total{source="fallback",status="Accepted"} 2');
  });

  it('takes the fallback at once when no bridge is alive, and pushes no question nobody would pop', async () => {
    const csms = await aCsms({ timeoutMs: 2_000, cacheTtlMs: 30_000, whenUnavailable: 'registry' }, 'absent');
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const cp201 = await charger(csms, 'CP-201', 'ocpp2.0.1');

    const first = await timed(() => cp16.call('Authorize', { idTag: 'RFID-0001' }));
    expect(first.answer).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(first.ms).toBeLessThan(250);
    const second = await timed(() => cp201.call('Authorize', { idToken: { idToken: 'RFID-0001', type: 'ISO14443' } }));
    expect(second.answer).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(second.ms).toBeLessThan(250);
    expect(await authorizationsCounted(csms)).toContain('csms_authorizations_total{source="fallback",status="Accepted"} 2');
    expect(await csms.redis.exists(ledgerQueriesKey(csms.prefix, LEDGER_QUERIES))).toBe(0);
  });

  it('refuses at once when no bridge is alive and the fallback is to refuse', async () => {
    const csms = await aCsms({ timeoutMs: 2_000, cacheTtlMs: 30_000, whenUnavailable: 'reject' }, 'absent');
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const refused = await timed(() => cp16.call('Authorize', { idTag: 'RFID-0001' }));
    expect(refused.answer).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(refused.ms).toBeLessThan(250);
  });

  it('asks the ledger again once a bridge writes its heartbeat, and stops when it lapses', async () => {
    const csms = await aCsms({ timeoutMs: TIMEOUT_MS, cacheTtlMs: 30_000, whenUnavailable: 'registry' }, 'absent');
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const key = ledgerQueriesKey(csms.prefix, LEDGER_QUERIES);
    await cp16.call('Authorize', { idTag: 'RFID-0001' });
    expect(await csms.redis.exists(key)).toBe(0);

    await csms.redis.set(bridgeHeartbeatKey(csms.prefix), String(Date.now()), 'PX', 300);
    expect((await timed(() => cp16.call('Authorize', { idTag: 'RFID-0001' }))).ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(await csms.redis.llen(key)).toBe(1);
    // The heartbeat has lapsed by now (300 ms), as a dead bridge's does BRIDGE_HEARTBEAT_TTL_MS after its last beat.
    expect((await timed(() => cp16.call('Authorize', { idTag: 'RFID-0001' }))).ms).toBeLessThan(250);
    expect(await csms.redis.llen(key)).toBe(1);
  });

  it('refuses every card while the ledger is away when so configured: 1.6 Blocked, 2.0.1 NotAtThisTime', async () => {
    const csms = await aCsms({ timeoutMs: TIMEOUT_MS, cacheTtlMs: 30_000, whenUnavailable: 'reject' });
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const cp201 = await charger(csms, 'CP-201', 'ocpp2.0.1');

    expect(await cp16.call('Authorize', { idTag: 'RFID-0001' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await cp201.call('Authorize', { idToken: { idToken: 'RFID-0001', type: 'ISO14443' } })).toEqual({ idTokenInfo: { status: 'NotAtThisTime' } });
  });

  it('answers a card the registry refuses at once, without asking the ledger', async () => {
    const csms = await aCsms({ timeoutMs: 5_000, cacheTtlMs: 30_000, whenUnavailable: 'registry' });
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    const cp201 = await charger(csms, 'CP-201', 'ocpp2.0.1');

    const unknown16 = await timed(() => cp16.call('Authorize', { idTag: 'RFID-9999' }));
    expect(unknown16.answer).toEqual({ idTagInfo: { status: 'Invalid' } });
    expect(unknown16.ms).toBeLessThan(1_000);
    expect(await cp201.call('Authorize', { idToken: { idToken: 'RFID-9999', type: 'ISO14443' } })).toEqual({ idTokenInfo: { status: 'Unknown' } });
    expect(await csms.redis.exists(ledgerQueriesKey(csms.prefix, LEDGER_QUERIES))).toBe(0);
  });

  it('leaves an unanswered question on the list only for a few timeouts, so questions never pile up', async () => {
    const csms = await aCsms({ timeoutMs: TIMEOUT_MS, cacheTtlMs: 30_000, whenUnavailable: 'registry' });
    const cp16 = await charger(csms, 'CP-16', 'ocpp1.6');
    await cp16.call('Authorize', { idTag: 'RFID-0001' });

    const key = ledgerQueriesKey(csms.prefix, LEDGER_QUERIES);
    const [question] = await csms.redis.lrange(key, 0, -1);
    expect(JSON.parse(question ?? '{}')).toMatchObject({ kind: 'authorize', chargerId: 'CP-16', idToken: 'RFID-0001' });
    const ttl = await csms.redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4 * TIMEOUT_MS);
  });
});
