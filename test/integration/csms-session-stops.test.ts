import { Writable } from 'node:stream';
import type { SessionEnded } from '@chargeledger/ledger-queue';
import type { RPCClient } from 'ocpp-rpc';
import pino from 'pino';
import { adminRequest, issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
const TOKEN = 'RFID-0001';

/** What a CSMS logged, one parsed JSON line each. */
class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
  flagged(flag: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line['flagged'] === flag);
  }
}

/**
 * The first stop of a transaction is final: the admin API and the event queued for the ledger both keep it.
 * What the CSMS cannot make right (a repeated stop that says something else, a meter that ends below where it
 * started) it answers as OCPP says and flags: a structured log line, a metric, and the session marked.
 */
describe('how a session ends when a charger contradicts itself', () => {
  let running: RunningCsms;
  let logs: LogLines;
  const clients: RPCClient[] = [];

  beforeEach(async () => {
    logs = new LogLines();
    running = await startCsms({ log: pino({ level: 'info' }, logs) });
    await provisionCharger(running, 'CP-16', PASSWORD);
    await provisionCharger(running, 'CP-201', PASSWORD);
    await issueIdToken(running, TOKEN, 'driver-alice');
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

  async function session(sessionId: string): Promise<Record<string, unknown>> {
    const response = await adminRequest(running, 'GET', `/api/sessions/${sessionId}`);
    expect(response.status).toBe(200);
    return JSON.parse(response.body) as Record<string, unknown>;
  }

  async function queuedEnd(sessionId: string): Promise<SessionEnded | undefined> {
    return (await running.queue.getJob(`ended.${sessionId}`))?.data as SessionEnded | undefined;
  }

  async function flagCount(flag: string): Promise<number | undefined> {
    const line = (await adminRequest(running, 'GET', '/metrics')).body.split('\n').find((text) => text.startsWith(`csms_session_flags_total{flag="${flag}"}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  }

  it('keeps the first of two 1.6 StopTransactions with different meterStop, answers the repeat and flags it', async () => {
    const cp = await charger('CP-16', 'ocpp1.6');
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 1000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    const sessionId = `CP-16-${transactionId}`;
    const first = await cp.call('StopTransaction', { transactionId, idTag: TOKEN, meterStop: 1500, timestamp: '2026-11-24T10:30:00.000Z', reason: 'Local' });
    const repeat = await cp.call('StopTransaction', { transactionId, idTag: TOKEN, meterStop: 2500, timestamp: '2026-11-24T10:40:00.000Z', reason: 'Remote' });

    expect(first).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(repeat).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await session(sessionId)).toMatchObject({ active: false, meterStopWh: 1500, energyWh: 500, endedAt: '2026-11-24T10:30:00.000Z', stopReason: 'Local', flags: ['repeated-stop-differs'] });
    expect(await queuedEnd(sessionId)).toMatchObject({ meterStopWh: 1500, endedAt: '2026-11-24T10:30:00.000Z', reason: 'Local' });
    expect(await flagCount('repeated-stop-differs')).toBe(1);
    expect(logs.flagged('repeated-stop-differs')).toEqual([expect.objectContaining({ sessionId, meterStopWh: 1500, repeatedMeterStopWh: 2500 })]);
  });

  it('takes a 1.6 StopTransaction repeated word for word (a charger retrying) without flagging it', async () => {
    const cp = await charger('CP-16', 'ocpp1.6');
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 1000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    const stop = { transactionId, meterStop: 1500, timestamp: '2026-11-24T10:30:00.000Z', reason: 'Local' };
    expect(await cp.call('StopTransaction', stop)).toEqual({});
    expect(await cp.call('StopTransaction', stop)).toEqual({});
    expect(await session(`CP-16-${transactionId}`)).toMatchObject({ meterStopWh: 1500, flags: [] });
    expect(await flagCount('repeated-stop-differs')).toBe(0);
  });

  it('keeps the first of two 2.0.1 TransactionEvent Ended with different meter readings, and flags the repeat', async () => {
    const cp = await charger('CP-201', 'ocpp2.0.1');
    const register = (wh: number, context: string, timestamp: string) => [{ timestamp, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
    const base = { evse: { id: 1, connectorId: 1 } };
    await cp.call('TransactionEvent', { ...base, eventType: 'Started', timestamp: '2026-11-24T10:00:00.000Z', triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'tx-1' }, idToken: { idToken: TOKEN, type: 'ISO14443' }, meterValue: register(2000, 'Transaction.Begin', '2026-11-24T10:00:00.000Z') });
    const ended = (seqNo: number, wh: number, timestamp: string): object => ({ ...base, eventType: 'Ended', timestamp, triggerReason: 'EVCommunicationLost', seqNo, transactionInfo: { transactionId: 'tx-1', stoppedReason: 'EVDisconnected' }, meterValue: register(wh, 'Transaction.End', timestamp) });
    expect(await cp.call('TransactionEvent', ended(1, 4500, '2026-11-24T10:20:00.000Z'))).toEqual({});
    expect(await cp.call('TransactionEvent', ended(2, 9000, '2026-11-24T10:25:00.000Z'))).toEqual({});

    expect(await session('CP-201-tx-1')).toMatchObject({ meterStopWh: 4500, energyWh: 2500, endedAt: '2026-11-24T10:20:00.000Z', flags: ['repeated-stop-differs'] });
    expect(await queuedEnd('CP-201-tx-1')).toMatchObject({ meterStopWh: 4500, endedAt: '2026-11-24T10:20:00.000Z' });
    expect(await flagCount('repeated-stop-differs')).toBe(1);
    expect(logs.flagged('repeated-stop-differs')).toHaveLength(1);
  });

  it('flags a meterStop below meterStart in the log, the metrics and the session, and shows the reading the charger sent', async () => {
    const cp = await charger('CP-16', 'ocpp1.6');
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 5000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    const sessionId = `CP-16-${transactionId}`;
    await cp.call('StopTransaction', { transactionId, meterStop: 4000, timestamp: '2026-11-24T10:30:00.000Z' });

    expect(await session(sessionId)).toMatchObject({ meterStartWh: 5000, meterStopWh: 4000, flags: ['meter-stop-below-start'] });
    expect(await queuedEnd(sessionId)).toMatchObject({ meterStartWh: 5000, meterStopWh: 4000 });
    expect(await flagCount('meter-stop-below-start')).toBe(1);
    expect(logs.flagged('meter-stop-below-start')).toEqual([expect.objectContaining({ level: 40, sessionId, meterStartWh: 5000, meterStopWh: 4000 })]);
  });
});
