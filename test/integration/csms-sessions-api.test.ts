import type { RPCClient } from 'ocpp-rpc';
import { adminRequest, issueIdToken, provisionCharger, READER_KEY, RECORDS_KEY, type RunningCsms, startCsms } from '../support/csms';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
const CARD = 'RFID-0001';

interface SessionView {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly protocol: string;
  readonly token: string;
  readonly energyWh: number;
  readonly active: boolean;
  readonly endedAt?: string;
  readonly stopReason?: string;
  readonly meterStopWh?: number;
  readonly signedRecords: number;
}
interface SessionPage {
  readonly sessions: readonly SessionView[];
  readonly next?: string;
}

describe('Sessions in the admin API, from real chargers over WebSockets', () => {
  let running: RunningCsms;
  const clients: RPCClient[] = [];

  beforeEach(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-16', PASSWORD);
    await provisionCharger(running, 'CP-201', PASSWORD);
    await issueIdToken(running, CARD, 'driver-alice');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await running.stop();
  });

  async function charger(identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1'): Promise<RPCClient> {
    const client = ocppClient({ endpoint: running.ocppEndpoint, identity, password: PASSWORD, protocols: [protocol], strictMode: true, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  }

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await adminRequest(running, 'GET', path);
    return { status: response.status, body: JSON.parse(response.body) as T };
  };

  /**
   * Three 1.6 sessions a minute apart (the last still running), then one 2.0.1 session. Returns the 1.6
   * sessions' ids in the order they started (the CSMS numbers 1.6 transactions from the clock).
   */
  async function someSessions(): Promise<[string, string, string]> {
    const ids: string[] = [];
    const cp16 = await charger('CP-16', 'ocpp1.6');
    for (const [minute, stop] of [
      [0, true],
      [1, true],
      [2, false],
    ] as const) {
      const timestamp = `2026-11-24T10:0${minute}:00.000Z`;
      const { transactionId } = (await cp16.call('StartTransaction', { connectorId: 1, idTag: CARD, meterStart: 1000 * minute, timestamp })) as { transactionId: number };
      ids.push(`CP-16-${transactionId}`);
      if (stop) await cp16.call('StopTransaction', { transactionId, meterStop: 1000 * minute + 750, timestamp: `2026-11-24T10:0${minute}:30.000Z`, reason: 'EVDisconnected' });
    }
    const cp201 = await charger('CP-201', 'ocpp2.0.1');
    const base = { transactionInfo: { transactionId: 'tx-1' }, evse: { id: 1, connectorId: 1 } };
    const register = (wh: number, context: string) => ({ timestamp: '2026-11-24T10:05:00.000Z', sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', context }] });
    await cp201.call('TransactionEvent', { ...base, eventType: 'Started', timestamp: '2026-11-24T10:05:00.000Z', triggerReason: 'Authorized', seqNo: 0, idToken: { idToken: CARD, type: 'ISO14443' }, meterValue: [register(500, 'Transaction.Begin')] });
    await cp201.call('TransactionEvent', { ...base, eventType: 'Updated', timestamp: '2026-11-24T10:06:00.000Z', triggerReason: 'MeterValuePeriodic', seqNo: 1, meterValue: [register(900, 'Sample.Periodic')] });
    return ids as [string, string, string];
  }

  it('lists sessions newest first, filtered by charger and by whether they still run, with energy and end', async () => {
    const [first, second, third] = await someSessions();

    const all = await get<SessionPage>('/api/sessions');
    expect(all.status).toBe(200);
    expect(all.body.sessions.map((s) => s.sessionId)).toEqual(['CP-201-tx-1', third, second, first]);
    expect(all.body.sessions[0]).toMatchObject({ chargerId: 'CP-201', protocol: '2.0.1', energyWh: 400, active: true });
    expect(all.body.sessions[3]).toMatchObject({ chargerId: 'CP-16', energyWh: 750, active: false, endedAt: '2026-11-24T10:00:30.000Z', stopReason: 'EVDisconnected', meterStopWh: 750 });

    const running16 = await get<SessionPage>('/api/sessions?chargerId=CP-16&active=true');
    expect(running16.body.sessions.map((s) => s.sessionId)).toEqual([third]);
    const ended = await get<SessionPage>('/api/sessions?active=false');
    expect(ended.body.sessions.map((s) => s.sessionId)).toEqual([second, first]);
  });

  it('pages through the sessions with the cursor it returns, missing none and repeating none', async () => {
    const [first, second] = await someSessions();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { body } = await get<SessionPage>(`/api/sessions?limit=2&active=false${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      seen.push(...body.sessions.map((s) => s.sessionId));
      if (body.next === undefined) break;
      cursor = body.next;
    }
    expect(seen).toEqual([second, first]);
  });

  it('shows one session, never its raw token, and 404 for a session it does not know', async () => {
    const [first] = await someSessions();
    const one = await get<SessionView>(`/api/sessions/${first}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ sessionId: first, token: expect.stringMatching(/^hmac-sha256:[0-9a-f]{16}$/) as unknown as string });
    expect(JSON.stringify(one.body)).not.toContain(CARD);
    expect((await get<{ error: string }>('/api/sessions/CP-16-99')).body).toEqual({ error: 'NotFound', message: 'no session CP-16-99' });
    expect((await get('/api/sessions/CP-16-99')).status).toBe(404);
  });

  it('names the charger’s OCPP transaction apart from the ledger’s, also for a session stored before they were', async () => {
    const [first] = await someSessions();
    expect((await get<Record<string, unknown>>(`/api/sessions/${first}`)).body).toMatchObject({ ocppTransactionId: first.slice('CP-16-'.length) });
    const stored = {
      sessionId: 'CP-16-41', chargerId: 'CP-16', transactionId: '41', protocol: '1.6', evseId: 1, connectorId: 1, idToken: CARD, startedAt: '2026-11-20T10:00:00.000Z',
      meterStartWh: 0, lastRegisterWh: 900, ended: true, endedAt: '2026-11-20T10:30:00.000Z', meterStopWh: 900, evidence: [],
      settlement: { charged: 81, energyWh: 900, verification: 'unverified', transactionId: 'f00dfeed', blockNumber: '12' },
    };
    await running.redis.multi().set(`${running.prefix}:csms:session:CP-16-41`, JSON.stringify(stored)).zadd(`${running.prefix}:csms:sessions-by-start`, Date.parse(stored.startedAt), 'CP-16-41').exec();
    const settlement = { status: 'settled', charged: 81, energyWh: 900, verification: 'unverified', ledgerTxId: 'f00dfeed', blockNumber: '12' };
    expect((await get<Record<string, unknown>>('/api/sessions/CP-16-41')).body).toMatchObject({ ocppTransactionId: '41', billedEnergyWh: 900, settlement });
    expect((await get<SessionPage>('/api/sessions?active=false')).body.sessions.at(-1)).toMatchObject({ sessionId: 'CP-16-41', ocppTransactionId: '41', settlement });
  });

  it('lets a read-only key read sessions, refuses a call without a key, and answers bad queries with 400', async () => {
    expect((await fetch(`${running.url}/api/sessions`)).status).toBe(401);
    expect((await fetch(`${running.url}/api/sessions`, { headers: { authorization: `Bearer ${READER_KEY}` } })).status).toBe(200);
    for (const query of ['limit=0', 'limit=501', 'active=maybe', 'cursor=-1', 'chargerId=no%20spaces', 'colour=red']) {
      expect({ query, status: (await adminRequest(running, 'GET', `/api/sessions?${query}`)).status }).toEqual({ query, status: 400 });
    }
  });

  it('gives the signed meter records, which carry the raw card id, to the operator role and the records role only', async () => {
    const [first] = await someSessions();
    const records = (key: string): Promise<Response> => fetch(`${running.url}/api/sessions/${first}/meter-records`, { headers: { authorization: `Bearer ${key}` } });
    expect((await records(READER_KEY)).status).toBe(403);
    expect((await adminRequest(running, 'GET', `/api/sessions/${first}/meter-records`)).status).toBe(200);
    expect((await records(RECORDS_KEY)).status).toBe(200);
    // The records role reads nothing else.
    expect((await fetch(`${running.url}/api/sessions`, { headers: { authorization: `Bearer ${RECORDS_KEY}` } })).status).toBe(403);
    expect((await fetch(`${running.url}/api/chargers`, { headers: { authorization: `Bearer ${RECORDS_KEY}` } })).status).toBe(403);
  });
});
