import { type LedgerOutcome, settlementOutcomeJobId } from '@chargeledger/ledger-queue';
import { Queue } from 'bullmq';
import type { RPCClient } from 'ocpp-rpc';
import { adminRequest, issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
const CARD = 'RFID-0001';
const RETENTION_S = 2;

/**
 * Ended sessions' records leave the CSMS's Redis `CSMS_SESSION_RETENTION_S` after the ledger decided them
 * (ADR 0029), on a real Redis with a real charger: a running session and an ended one not yet settled stay.
 */
describe('the retention of ended sessions at the CSMS', () => {
  let running: RunningCsms;
  let outcomes: Queue<LedgerOutcome>;
  let client: RPCClient;

  beforeEach(async () => {
    running = await startCsms({ sessionRetentionS: RETENTION_S });
    outcomes = new Queue('ledger-outcomes', { connection: running.redis, prefix: running.prefix });
    await provisionCharger(running, 'CP-RET', PASSWORD);
    await issueIdToken(running, CARD, 'driver-alice');
    client = ocppClient({ endpoint: running.ocppEndpoint, identity: 'CP-RET', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await client.connect();
  });

  afterEach(async () => {
    await client.close({ force: true });
    await outcomes.close();
    await running.stop();
  });

  async function aSession(connectorId: number, minute: number, stop: boolean): Promise<string> {
    const timestamp = `2026-12-07T10:0${minute}:00.000Z`;
    const { transactionId } = (await client.call('StartTransaction', { connectorId, idTag: CARD, meterStart: 1000, timestamp })) as { transactionId: number };
    if (stop) await client.call('StopTransaction', { transactionId, meterStop: 1750, timestamp: `2026-12-07T10:0${minute}:30.000Z`, reason: 'EVDisconnected' });
    return `CP-RET-${transactionId}`;
  }

  async function settle(sessionId: string): Promise<void> {
    await outcomes.add('SessionSettled', { kind: 'SessionSettled', status: 'settled', sessionId, chargerId: 'CP-RET', charged: 245, energyWh: 750, verification: 'unverified', ledgerTxId: `tx-${sessionId}`, blockNumber: '7' }, { jobId: settlementOutcomeJobId(sessionId) });
    for (let i = 0; i < 100; i++) {
      const session = JSON.parse((await adminRequest(running, 'GET', `/api/sessions/${sessionId}`)).body) as { settlement?: unknown };
      if (session.settlement !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the settlement of ${sessionId} was not recorded`);
  }

  const status = async (route: string): Promise<number> => (await adminRequest(running, 'GET', route)).status;
  const listed = async (): Promise<string[]> => (JSON.parse((await adminRequest(running, 'GET', '/api/sessions?chargerId=CP-RET')).body) as { sessions: { sessionId: string }[] }).sessions.map((s) => s.sessionId);
  const indexed = async (): Promise<string[]> => [...(await running.redis.zrange(`${running.prefix}:csms:sessions-by-start`, 0, -1)), ...(await running.redis.zrange(`${running.prefix}:csms:sessions-by-start:CP-RET`, 0, -1))];

  it('lets a settled session\'s record expire, keeps its signed records, and keeps a running session and an unsettled one', async () => {
    const settled = await aSession(1, 0, true);
    const unsettled = await aSession(1, 1, true);
    const runningSession = await aSession(2, 2, false);
    await settle(settled);

    const ttl = await running.redis.ttl(`${running.prefix}:csms:session:${settled}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(RETENTION_S);
    expect(await running.redis.ttl(`${running.prefix}:csms:session:${runningSession}`)).toBe(-1);
    expect(await running.redis.ttl(`${running.prefix}:csms:session:${unsettled}`)).toBe(-1);

    await new Promise((resolve) => setTimeout(resolve, (RETENTION_S + 1) * 1000));

    expect(await status(`/api/sessions/${settled}`)).toBe(404);
    expect(await running.redis.exists(`${running.prefix}:csms:stop:${settled}`)).toBe(0);
    // A receipt's proof still reads the session's signed records (none here: unsigned readings).
    const records = await adminRequest(running, 'GET', `/api/sessions/${settled}/meter-records`);
    expect({ status: records.status, body: JSON.parse(records.body) as unknown }).toEqual({ status: 200, body: { sessionId: settled, records: [] } });
    expect(await status(`/api/sessions/${runningSession}`)).toBe(200);
    expect(await status(`/api/sessions/${unsettled}`)).toBe(200);
    expect(await listed()).toEqual([runningSession, unsettled]);

    // The next settlement lets the indexes go of what expired.
    expect(await indexed()).toContain(settled);
    await settle(unsettled);
    expect(await indexed()).not.toContain(settled);
    expect(await indexed()).toEqual(expect.arrayContaining([runningSession, unsettled]));
  });

  it('keeps the time a settled record has left when a late message rewrites the session', async () => {
    const sessionId = await aSession(1, 0, true);
    await settle(sessionId);
    const transactionId = Number(sessionId.replace('CP-RET-', ''));
    // The charger repeats its stop (a retry after a lost answer): the session is stored again.
    await client.call('StopTransaction', { transactionId, meterStop: 1750, timestamp: '2026-12-07T10:00:30.000Z', reason: 'EVDisconnected' });
    expect(await running.redis.ttl(`${running.prefix}:csms:session:${sessionId}`)).toBeGreaterThan(0);
  });
});
