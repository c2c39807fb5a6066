import { setTimeout as sleep } from 'node:timers/promises';
import { adminRequest, issueIdToken } from '../support/csms';
import { aDriverWithCard, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { ocppClient } from '../../support/ocpp-client';
import { aPipeline, CHARGER_PASSWORD, jobIds, type Pipeline, readLedger } from './support/pipeline';

/**
 * Authorize answered from the driver's wallet: a simulated charger asks the real CSMS, which asks the bridge's
 * LedgerQueryServer over Redis, which evaluates Session:authorizeIdToken on the Wallets peer of the ledger
 * under test.
 */

const CACHE_TTL_MS = 1_500;

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

describe.each(['1.6', '2.0.1'] as const)('Authorize over OCPP %s, decided by the driver’s funds on the ledger', (protocol) => {
  let pipeline: Pipeline;
  /** What each protocol calls a wallet that cannot cover the station's minimum hold, and an unknown card. */
  const noCredit = protocol === '1.6' ? 'Blocked' : 'NoCredit';
  const unknown = protocol === '1.6' ? 'Invalid' : 'Unknown';

  beforeEach(async () => {
    pipeline = await aPipeline(ledger, protocol, { ledgerAuthorization: { timeoutMs: 10_000, cacheTtlMs: CACHE_TTL_MS, whenUnavailable: 'registry' } });
    await pipeline.chargePoint.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 });
  });

  afterEach(async () => {
    await pipeline.close();
  });

  const authorizations = async (): Promise<string[]> =>
    (await adminRequest(pipeline.csms, 'GET', '/metrics')).body.split('\n').filter((line) => line.startsWith('csms_authorizations_total{'));

  it('accepts a card whose wallet covers the hold, and the session then opens with the hold the ledger promised', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);

    const start = await pipeline.chargePoint.authorizeAndStart(driver.idToken, 1);
    if (!start.accepted) throw new Error(`the card was refused: ${start.status}`);
    const sessionId = `${pipeline.chargePoint.identity}-${start.transactionId ?? ''}`;
    const open = await pipeline.bridge.completed(jobIds(sessionId).started);
    expect(open.outcome).toEqual({ kind: 'session-opened', sessionId, holdAmount: 2000, driverAccountId: driver.accountId, tariff: { tariffId: pipeline.station.tariff.id, version: 1 } });
    expect(await authorizations()).toContain('csms_authorizations_total{source="ledger",status="Accepted"} 1');
  });

  it(`refuses a card whose wallet cannot cover the station's minimum hold (${noCredit}), and nothing reaches the ledger`, async () => {
    // The station's minimum hold is 500 (support/deployment.ts); 499 available is one cent short.
    const driver = await aDriverWithCard(ledger, { topUp: 499, sessionLimit: 2000 });
    await pipeline.issueCard(driver);

    expect(await pipeline.chargePoint.authorizeAndStart(driver.idToken, 1)).toMatchObject({ accepted: false, status: noCredit });
    await pipeline.chargePoint.settle();
    expect(await pipeline.csms.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 499, held: 0 });
  });

  it(`refuses a start right after Authorize refused the card (${noCredit}), from the cached verdict: no session, nothing queued`, async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 499, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    // The charger itself, speaking OCPP: one that starts although Authorize refused, as a faulty or hostile one may.
    await pipeline.chargePoint.close();
    const charger = ocppClient({ endpoint: pipeline.csms.ocppEndpoint, identity: pipeline.chargePoint.identity, password: CHARGER_PASSWORD, protocols: [protocol === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1'], strictMode: true, reconnect: false });
    await charger.connect();
    try {
      const now = new Date().toISOString();
      if (protocol === '1.6') {
        expect(await charger.call('Authorize', { idTag: driver.idToken })).toEqual({ idTagInfo: { status: 'Blocked' } });
        expect(await charger.call('StartTransaction', { connectorId: 1, idTag: driver.idToken, meterStart: 0, timestamp: now })).toMatchObject({ idTagInfo: { status: 'Blocked' } });
      } else {
        const idToken = { idToken: driver.idToken, type: 'ISO14443' };
        expect(await charger.call('Authorize', { idToken })).toEqual({ idTokenInfo: { status: 'NoCredit' } });
        const started = { eventType: 'Started', timestamp: now, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'tx-refused', chargingState: 'Charging' }, idToken, evse: { id: 1, connectorId: 1 } };
        expect(await charger.call('TransactionEvent', started)).toEqual({ idTokenInfo: { status: 'NoCredit' } });
      }
    } finally {
      await charger.close({ force: true });
    }
    expect(await pipeline.csms.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(JSON.parse((await adminRequest(pipeline.csms, 'GET', '/api/sessions')).body)).toEqual({ sessions: [] });
    expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 499, held: 0 });
  });

  it('refuses a card the operator issued but Wallets never linked to an account', async () => {
    await issueIdToken(pipeline.csms, 'DEADBEEF01', 'drv-nobody');
    expect(await pipeline.chargePoint.authorizeAndStart('DEADBEEF01', 1)).toMatchObject({ accepted: false, status: unknown });
  });

  it('reuses a verdict for the cache time, then asks the ledger again and sees the top-up', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 100, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    expect(await pipeline.chargePoint.authorizeAndStart(driver.idToken, 1)).toMatchObject({ accepted: false, status: noCredit });

    const topUpStarted = Date.now();
    await ledger.party('wallets').submit('Wallet:topUp', { eventId: eventId(), accountId: driver.accountId, amount: 4900, reference: uniqueId('psp') });
    // Within the cache time the cached verdict stands, top-up or not.
    if (Date.now() - topUpStarted < CACHE_TTL_MS - 300) {
      expect(await pipeline.chargePoint.authorizeAndStart(driver.idToken, 1)).toMatchObject({ accepted: false, status: noCredit });
    }

    await sleep(CACHE_TTL_MS + 100);
    expect(await pipeline.chargePoint.authorizeAndStart(driver.idToken, 1)).toMatchObject({ accepted: true });
    expect(await authorizations()).toEqual(expect.arrayContaining(['csms_authorizations_total{source="ledger",status="Accepted"} 1']));
  });
});
