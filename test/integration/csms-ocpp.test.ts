import { generateKeyPairSync, sign } from 'node:crypto';
import type { LedgerOutcome } from '@chargeledger/ledger-queue';
import { Queue } from 'bullmq';
import { type RPCClient, UnexpectedHttpResponse } from 'ocpp-rpc';
import { ocppClient } from '../../support/ocpp-client';
import { ADMIN_KEY, issueIdToken, provisionCharger, READER_KEY, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';

function charger(running: RunningCsms, identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1', password = PASSWORD): RPCClient {
  return ocppClient({ endpoint: running.ocppEndpoint, identity, password, protocols: [protocol], strictMode: true, reconnect: false });
}

function ocmfRecord(readings: { tx: 'B' | 'E'; wh: number }[]): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = JSON.stringify({ FV: '1.0', PG: 'T1', MS: 'METER-1', RD: readings.map((r) => ({ TM: '2026-11-24T10:00:00,000+0000 S', TX: r.tx, RV: r.wh / 1000, RI: '1-b:1.8.0', RU: 'kWh', ST: 'G', EF: '' })) });
  const signature = sign('sha256', Buffer.from(payload), privateKey).toString('hex');
  return `OCMF|${payload}|${JSON.stringify({ SD: signature })}`;
}

async function jobsOf(running: RunningCsms): Promise<{ id: string; name: string; data: Record<string, unknown> }[]> {
  const jobs = await running.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  return jobs.map((job) => ({ id: String(job.id), name: job.name, data: job.data as Record<string, unknown> })).sort((a, b) => a.id.localeCompare(b.id));
}

describe('CSMS over real WebSockets and Redis', () => {
  let running: RunningCsms;
  const opened: RPCClient[] = [];
  const open = async (client: RPCClient): Promise<RPCClient> => {
    opened.push(client);
    await client.connect();
    return client;
  };

  beforeEach(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-16', PASSWORD);
    await provisionCharger(running, 'CP-201', PASSWORD);
    await issueIdToken(running, 'RFID-0001', 'driver-alice');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.close({ force: true })));
    await running.stop();
  });

  it('refuses an unknown charger and a wrong password at the handshake', async () => {
    await expect(charger(running, 'CP-UNKNOWN', 'ocpp1.6').connect()).rejects.toThrow(UnexpectedHttpResponse);
    await expect(charger(running, 'CP-16', 'ocpp1.6', 'not-the-password-at-all').connect()).rejects.toThrow(UnexpectedHttpResponse);
  });

  it('still refuses a wrong password after the right one was accepted and remembered', async () => {
    await (await open(charger(running, 'CP-16', 'ocpp1.6'))).close();
    await expect(charger(running, 'CP-16', 'ocpp1.6', 'a-long-charger-passwore').connect()).rejects.toThrow(UnexpectedHttpResponse);
    await open(charger(running, 'CP-16', 'ocpp1.6'));
  });

  it('queues a 1.6 session as started, sampled and ended events, answering only after each is stored', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const boot = (await client.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'AC22' })) as { status: string; interval: number };
    expect(boot).toMatchObject({ status: 'Accepted', interval: 60 });
    expect(await client.call('Authorize', { idTag: 'RFID-0001' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await client.call('Authorize', { idTag: 'RFID-9999' })).toEqual({ idTagInfo: { status: 'Invalid' } });

    const start = (await client.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 1000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    expect(start.transactionId).toBeGreaterThan(0);
    await client.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: '2026-11-24T10:15:00.000Z', sampledValue: [{ value: '4500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
    const record = ocmfRecord([{ tx: 'B', wh: 1000 }, { tx: 'E', wh: 9000 }]);
    const signedValue = JSON.stringify({ signedMeterData: Buffer.from(record).toString('base64'), signingMethod: '', encodingMethod: 'OCMF', publicKey: '' });
    await client.call('StopTransaction', {
      transactionId: start.transactionId,
      meterStop: 9000,
      timestamp: '2026-11-24T10:30:00.000Z',
      idTag: 'RFID-0001',
      reason: 'EVDisconnected',
      transactionData: [{ timestamp: '2026-11-24T10:30:00.000Z', sampledValue: [{ value: signedValue, format: 'SignedData', context: 'Transaction.End' }] }],
    });

    const sessionId = `CP-16-${start.transactionId}`;
    const jobs = await jobsOf(running);
    expect(jobs.map((job) => job.id)).toEqual([`ended.${sessionId}`, `sampled.${sessionId}.${Date.parse('2026-11-24T10:15:00.000Z')}`, `started.${sessionId}`]);
    const ended = jobs.find((job) => job.name === 'SessionEnded')!;
    expect(ended.data).toMatchObject({ sessionId, meterStopWh: 9000, reason: 'EVDisconnected', evidence: [{ format: 'OCMF', records: [record] }] });
    expect(jobs.find((job) => job.name === 'SessionStarted')!.data).toMatchObject({ eventId: `started.${sessionId}`, idToken: 'RFID-0001', meterStartWh: 1000, evseId: 1 });
  });

  it('numbers 1.6 transactions from the clock, so a CSMS that lost its Redis never reuses a settled session id', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const before = Math.floor((Date.now() - Date.UTC(2025, 0, 1)) / 250);
    const first = (await client.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T09:00:00.000Z' })) as { transactionId: number };
    const second = (await client.call('StartTransaction', { connectorId: 2, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T09:00:01.000Z' })) as { transactionId: number };
    expect(first.transactionId).toBeGreaterThan(before);
    expect(first.transactionId).toBeLessThan(2 ** 31);
    expect(second.transactionId).toBe(first.transactionId + 1);
  });

  it('keeps a reading off the ledger queue once the ledger opened its session, until its estimate nears the hold (ADR 0032)', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    await client.call('BootNotification', { chargePointVendor: 'ChargeLedger', chargePointModel: 'Sim' });
    const start = (await client.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 1000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    const sessionId = `CP-16-${start.transactionId}`;
    const reading = async (minute: number, registerWh: number): Promise<void> => {
      const timestamp = `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`;
      await client.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp, sampledValue: [{ value: String(registerWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
    };
    const sampled = async (): Promise<number[]> => (await jobsOf(running)).filter((job) => job.name === 'MeterSampled').map((job) => job.data.registerWh as number);

    // Before the ledger answered the open, every reading goes to the bridge, which decides.
    await reading(1, 1100);
    expect(await sampled()).toEqual([1100]);

    // The ledger opened it: a hold of 10.00 EUR at 1.00 EUR/kWh. 80 % of the hold is 8 kWh since the start.
    const outcomes = new Queue<LedgerOutcome>('ledger-outcomes', { connection: running.redis, prefix: running.prefix });
    const tariff = { id: 'AC-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 1_000_000, stepSize: 1 }] }] };
    await outcomes.add('SessionOpened', { kind: 'SessionOpened', eventId: `started.${sessionId}`, sessionId, chargerId: 'CP-16', holdAmount: 1000, tariff: { tariffId: 'AC-1', version: 1, currency: 'EUR', priced: tariff } }, { jobId: `outcome.started.${sessionId}` });
    await outcomes.close();
    const deadline = Date.now() + 10_000;
    while ((await running.redis.get(`${running.prefix}:csms:price:pricing:${sessionId}`)) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    await reading(10, 5000); // 4 kWh: 4.00 EUR, 40 % of the hold
    await reading(20, 8900); // 7.9 kWh: 79 %
    expect(await sampled()).toEqual([1100]);
    await reading(30, 9000); // 8 kWh: 80 %, the ledger is told the session nears its hold
    await reading(40, 11_500); // past the hold: the bridge records it and stops the charger
    expect((await sampled()).sort((a, b) => a - b)).toEqual([1100, 9000, 11_500]);

    // The end carries the whole session, the readings kept off the queue included in its register.
    await client.call('StopTransaction', { transactionId: start.transactionId, meterStop: 11_600, timestamp: '2026-11-24T10:41:00.000Z', reason: 'Local' });
    const ended = (await jobsOf(running)).find((job) => job.name === 'SessionEnded');
    expect(ended?.data).toMatchObject({ sessionId, meterStartWh: 1000, meterStopWh: 11_600 });
  });

  it('gives a retried StartTransaction the same transaction id and queues it once', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const request = { connectorId: 1, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T11:00:00.000Z' };
    const first = (await client.call('StartTransaction', request)) as { transactionId: number };
    const again = (await client.call('StartTransaction', request)) as { transactionId: number };
    expect(again.transactionId).toBe(first.transactionId);
    expect((await jobsOf(running)).filter((job) => job.name === 'SessionStarted')).toHaveLength(1);
  });

  it('answers a StopTransaction for a transaction it never started and queues nothing', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const answer = await client.call('StopTransaction', { transactionId: 424242, meterStop: 10, timestamp: '2026-11-24T12:00:00.000Z', idTag: 'RFID-0001' });
    expect(answer).toEqual({ idTagInfo: { status: 'Invalid' } });
    expect(await jobsOf(running)).toEqual([]);
  });

  it('ignores meter values that go backwards', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const { transactionId } = (await client.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 5000, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    await client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: '2026-11-24T10:05:00.000Z', sampledValue: [{ value: '4000' }] }] });
    expect((await jobsOf(running)).map((job) => job.name)).toEqual(['SessionStarted']);
  });

  it('answers an unknown action with NotImplemented and a schema violation with a validation error', async () => {
    // A charger that does not validate its own calls, so that the CSMS sees what a faulty one would send.
    const raw = ocppClient({ endpoint: running.ocppEndpoint, identity: 'CP-16', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: false, reconnect: false });
    await open(raw);
    await expect(raw.call('FlyToTheMoon', {})).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
    await expect(raw.call('StartTransaction', { connectorId: 'one', idTag: 'RFID-0001' })).rejects.toMatchObject({ rpcErrorCode: expect.stringMatching(/Violation/) });
  });

  it('keeps connector statuses and firmware and diagnostics/log upload statuses of both versions in the station state', async () => {
    const v16 = await open(charger(running, 'CP-16', 'ocpp1.6'));
    await v16.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: '2026-11-24T10:00:00.000Z' });
    await v16.call('FirmwareStatusNotification', { status: 'Downloading' });
    await v16.call('DiagnosticsStatusNotification', { status: 'Uploaded' });
    const v201 = await open(charger(running, 'CP-201', 'ocpp2.0.1'));
    await v201.call('StatusNotification', { timestamp: '2026-11-24T10:00:00.000Z', connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await v201.call('FirmwareStatusNotification', { status: 'Installed' });
    await v201.call('LogStatusNotification', { status: 'Uploading', requestId: 3 });
    expect(await v201.call('NotifyEvent', { generatedAt: '2026-11-24T10:00:00.000Z', seqNo: 0, eventData: [{ eventId: 1, timestamp: '2026-11-24T10:00:00.000Z', trigger: 'Alerting', actualValue: '1', eventNotificationType: 'HardWiredNotification', component: { name: 'EVSE' }, variable: { name: 'Problem' } }] })).toEqual({});

    const list = (await (await fetch(`${running.url}/api/chargers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { identity: string; connected: boolean; state: Record<string, unknown> }[];
    expect(list.find((c) => c.identity === 'CP-16')).toMatchObject({ connected: true, state: { firmwareStatus: 'Downloading', diagnosticsStatus: 'Uploaded', connectors: { '1': { status: 'Charging', errorCode: 'NoError' } } } });
    expect(list.find((c) => c.identity === 'CP-201')).toMatchObject({ connected: true, state: { firmwareStatus: 'Installed', diagnosticsStatus: 'Uploading', connectors: { '1/1': { status: 'Occupied' } } } });
  });

  it('rejects DataTransfer from a vendor it was not configured for', async () => {
    const client = await open(charger(running, 'CP-16', 'ocpp1.6'));
    expect(await client.call('DataTransfer', { vendorId: 'com.example' })).toEqual({ status: 'UnknownVendorId' });
    expect(await client.call('DataTransfer', { vendorId: 'org.chargeledger.test' })).toEqual({ status: 'Accepted' });
  });

  it('queues a 2.0.1 transaction from TransactionEvent Started, Updated and Ended', async () => {
    const client = await open(charger(running, 'CP-201', 'ocpp2.0.1'));
    const register = (wh: number, context: string) => ({ timestamp: '2026-11-24T10:00:00.000Z', sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] });
    const base = { transactionInfo: { transactionId: 'tx-abc' }, evse: { id: 1, connectorId: 1 } };
    const started = await client.call('TransactionEvent', { ...base, eventType: 'Started', timestamp: '2026-11-24T10:00:00.000Z', triggerReason: 'Authorized', seqNo: 0, idToken: { idToken: 'RFID-0001', type: 'ISO14443' }, meterValue: [register(2000, 'Transaction.Begin')] });
    expect(started).toEqual({ idTokenInfo: { status: 'Accepted' } });
    await client.call('TransactionEvent', { ...base, eventType: 'Updated', timestamp: '2026-11-24T10:10:00.000Z', triggerReason: 'MeterValuePeriodic', seqNo: 1, meterValue: [{ ...register(3000, 'Sample.Periodic'), timestamp: '2026-11-24T10:10:00.000Z' }] });
    await client.call('TransactionEvent', { ...base, eventType: 'Ended', timestamp: '2026-11-24T10:20:00.000Z', triggerReason: 'EVCommunicationLost', seqNo: 2, transactionInfo: { transactionId: 'tx-abc', stoppedReason: 'EVDisconnected' }, meterValue: [register(4500, 'Transaction.End')] });
    const jobs = await jobsOf(running);
    expect(jobs.map((job) => job.name).sort()).toEqual(['MeterSampled', 'SessionEnded', 'SessionStarted']);
    expect(jobs.find((job) => job.name === 'SessionEnded')!.data).toMatchObject({ sessionId: 'CP-201-tx-abc', meterStopWh: 4500, reason: 'EVDisconnected', protocol: '2.0.1' });
  });

  it('starts a 2.0.1 session identified after plug-in with the EVSE, time and meter start of its first event', async () => {
    const client = await open(charger(running, 'CP-201', 'ocpp2.0.1'));
    const register = (wh: number) => [{ timestamp: '2026-11-24T09:00:00.000Z', sampledValue: [{ value: wh, context: 'Transaction.Begin', unitOfMeasure: { unit: 'Wh' } }] }];
    await client.call('TransactionEvent', { eventType: 'Started', timestamp: '2026-11-24T09:00:00.000Z', triggerReason: 'CablePluggedIn', seqNo: 0, transactionInfo: { transactionId: 'tx-late' }, evse: { id: 2, connectorId: 1 }, meterValue: register(1500) });
    expect(await jobsOf(running)).toEqual([]);
    await client.call('TransactionEvent', { eventType: 'Updated', timestamp: '2026-11-24T09:02:00.000Z', triggerReason: 'Authorized', seqNo: 1, transactionInfo: { transactionId: 'tx-late' }, idToken: { idToken: 'RFID-0001', type: 'ISO14443' } });
    const [started] = await jobsOf(running);
    expect(started?.data).toMatchObject({ kind: 'SessionStarted', evseId: 2, connectorId: 1, meterStartWh: 1500, startedAt: '2026-11-24T09:00:00.000Z' });
  });

  it('places a 1.6 connector on the EVSE of the provisioned layout', async () => {
    await provisionCharger(running, 'CP-DC', { securityProfile: 1, password: PASSWORD, evseLayout: [2] });
    const client = await open(charger(running, 'CP-DC', 'ocpp1.6'));
    await client.call('StartTransaction', { connectorId: 2, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' });
    expect((await jobsOf(running))[0]?.data).toMatchObject({ kind: 'SessionStarted', evseId: 1, connectorId: 2 });
    await expect(client.call('StartTransaction', { connectorId: 3, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T10:05:00.000Z' })).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
  });

  it('closes the older connection when a charger connects a second time', async () => {
    const first = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const closed = new Promise<{ code: number }>((resolve) => first.once('close', resolve));
    await open(charger(running, 'CP-16', 'ocpp1.6'));
    expect((await closed).code).toBe(4000);
  });

  it('serves an OpenAPI document of the admin API, every route with its schema and the API key scheme', async () => {
    const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>>; components: { securitySchemes: Record<string, unknown> } };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/chargers', '/api/id-tokens/{idToken}', '/api/chargers/{identity}/commands/{action}']));
    expect(document.paths['/api/chargers']?.['post']?.requestBody).toBeDefined();
    expect(document.components.securitySchemes).toHaveProperty('apiKey');
  });

  it('closes the socket of a charger that sends a frame over the configured size, and breaks nothing else', async () => {
    const big = await open(charger(running, 'CP-16', 'ocpp1.6'));
    const other = await open(charger(running, 'CP-201', 'ocpp2.0.1'));
    const closed = new Promise<{ code: number }>((resolve) => big.once('close', resolve));
    void big.call('DataTransfer', { vendorId: 'org.chargeledger.test', data: 'x'.repeat(70_000) }).catch(() => undefined);
    expect((await closed).code).toBe(1009);
    expect(await other.call('Heartbeat', {})).toHaveProperty('currentTime');
  });

  it('answers 401 without an API key and 403 for a read-only key on an admin route', async () => {
    expect((await fetch(`${running.url}/api/chargers`)).status).toBe(401);
    const forbidden = await fetch(`${running.url}/api/chargers`, { method: 'POST', headers: { authorization: `Bearer ${READER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ identity: 'CP-X', password: PASSWORD }) });
    expect(forbidden.status).toBe(403);
    const list = await fetch(`${running.url}/api/chargers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(((await list.json()) as { identity: string }[]).map((c) => c.identity)).toEqual(['CP-16', 'CP-201']);
  });
});

describe('CSMS when the queue is unavailable', () => {
  it('answers StartTransaction with an error instead of a false acknowledgement', async () => {
    const running = await startCsms({ publisherPort: 1 });
    try {
      await provisionCharger(running, 'CP-16', PASSWORD);
      await issueIdToken(running, 'RFID-0001', 'driver-alice');
      const client = charger(running, 'CP-16', 'ocpp1.6');
      await client.connect();
      await expect(client.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' })).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
      await client.close({ force: true });
    } finally {
      await running.stop();
    }
  });
});
