import { LedgerRefusal } from '@chargeledger/ledger-client';
import { SessionBatcher, type Outcome } from '@chargeledger/ledger-bridge';
import type { LedgerEvent, SessionStarted } from '@chargeledger/ledger-queue';
import pino from 'pino';
import { aDriverWithCard, anAcTariff, type DriverOnLedger } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * What a whole session costs the ledger (ADR 0032): opens share transactions as settlements do, and meter
 * values are priced by the bridge, reaching the ledger only when the estimate nears or reaches the hold.
 */

const log = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});
afterEach(async () => {
  await pipeline.close();
});

/** The readings the CSMS queued for a session, applied or not. */
async function readingsOf(sessionId: string): Promise<number> {
  const jobs = await pipeline.csms.queue.getJobs(['completed', 'waiting', 'delayed', 'active', 'failed'], 0, -1);
  return jobs.filter((job) => job?.data.kind === 'MeterSampled' && job.data.sessionId === sessionId).length;
}

/** The readings the charger sent in a session, as the CSMS kept them to show the running cost. */
async function readingsSentIn(sessionId: string): Promise<number> {
  return pipeline.csms.redis.llen(`${pipeline.csms.prefix}:csms:price:samples:${sessionId}`);
}

const resolve = (idToken: string): Promise<{ accountId: string; tokenRef: string; tokenProof: string }> =>
  ledger.bridge.evaluate('Wallet:resolveIdToken', {}, { transient: { idToken }, endorsingOrganizations: ['WalletsMSP'] });

it('opens sessions handed over together in one transaction; a refused open is final for its own session only', async () => {
  pipeline = await aPipeline(ledger, '1.6', { bridgeHeld: true });
  const read = readLedger(ledger);
  const rich: DriverOnLedger = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
  const poor: DriverOnLedger = await aDriverWithCard(ledger, { topUp: 100, sessionLimit: 2000 });
  for (const driver of [rich, poor]) await pipeline.issueCard(driver);
  const sessions = [await startCharging(pipeline, rich.idToken, 1), await startCharging(pipeline, poor.idToken, 2)];
  const opens: SessionStarted[] = [];
  for (const session of sessions) opens.push((await pipeline.csms.queue.getJob(jobIds(session.sessionId).started))?.data as SessionStarted);
  const [richOpen, poorOpen] = opens as [SessionStarted, SessionStarted];
  // An open the ledger refuses for good: an EVSE the station does not have.
  const stray: SessionStarted = { ...richOpen, sessionId: `${richOpen.sessionId}-stray`, eventId: `started.${richOpen.sessionId}-stray`, evseId: 9, idToken: poor.idToken };
  const batcher = new SessionBatcher({ ledger: ledger.bridge, maxPerTransaction: 10, transactionsInFlight: 1, confirmRefusalMs: 0, log });

  const [richCard, poorCard] = [await resolve(rich.idToken), await resolve(poor.idToken)];
  const answers = await Promise.allSettled([batcher.open(richOpen, richCard), batcher.open(poorOpen, poorCard), batcher.open(stray, poorCard)]);

  expect(answers[0]).toMatchObject({ status: 'fulfilled', value: { kind: 'session-opened', sessionId: richOpen.sessionId, holdAmount: 2000, driverAccountId: rich.accountId } });
  expect(answers[1]).toMatchObject({ status: 'fulfilled', value: { kind: 'hold-refused', sessionId: poorOpen.sessionId, reason: 'insufficient-funds' } });
  expect(answers[2]).toMatchObject({ status: 'rejected', reason: { name: 'LedgerRefusal', code: 'NOT_FOUND' } });
  const [opened, refusedHold] = [await read.session(richOpen.sessionId), await read.session(poorOpen.sessionId)];
  expect(opened).toMatchObject({ status: 'open', holdAmount: 2000 });
  expect(refusedHold).toMatchObject({ status: 'refused', holdAmount: 0 });
  // One transaction for both opens the ledger took.
  expect(refusedHold.openedTxId).toBe(opened.openedTxId);
  await expect(read.session(stray.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });

  // Delivered again: the applied open replays (no second hold), the refused one is refused again.
  const again = await Promise.allSettled([batcher.open(richOpen, richCard), batcher.open(stray, poorCard)]);
  expect(again[0]).toMatchObject({ status: 'fulfilled', value: { kind: 'session-opened', holdAmount: 2000 } });
  expect((again[1] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerRefusal);
  expect(await read.account(rich.accountId)).toMatchObject({ held: 2000 });
  expect(await read.account(poor.accountId)).toMatchObject({ held: 0 });
});

it('prices the readings of a session far from its hold in the CSMS, which keeps them off the ledger queue, and writes none to the ledger', async () => {
  pipeline = await aPipeline(ledger, '1.6');
  const read = readLedger(ledger);
  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
  await pipeline.issueCard(driver);
  const session = await startCharging(pipeline, driver.idToken);
  await pipeline.bridge.completed(jobIds(session.sessionId).started);
  for (let minute = 0; minute < 12; minute++) {
    await pipeline.chargePoint.advance(MINUTE_MS);
    await pipeline.bridge.idle();
  }

  expect(await readingsSentIn(session.sessionId)).toBeGreaterThanOrEqual(6);
  // Only a reading sent before the CSMS heard of the open may reach the bridge, which prices it and writes nothing.
  expect(await readingsOf(session.sessionId)).toBeLessThanOrEqual(1);
  // About 2.60 EUR of a 20 EUR hold after 12 minutes at 11 kW: under 80 %, so no progress record.
  expect(await read.session(session.sessionId)).toMatchObject({ status: 'open', progressSeq: 0 });
});

it('writes a reading to the ledger only as the estimate nears and reaches the hold, and the CSMS still stops the charger', async () => {
  // 3.90 EUR/kWh: at 11 kW the cost passes a 6 EUR hold within minutes.
  const tariff = anAcTariff({ elements: [{ priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] }, { priceComponents: [{ type: 'ENERGY', priceMicro: 3_900_000, stepSize: 1 }] }] });
  pipeline = await aPipeline(ledger, '2.0.1', { tariff });
  const read = readLedger(ledger);
  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 600 });
  await pipeline.issueCard(driver);
  let stopped = false;
  const chargerEnded = pipeline.chargePoint.next('transactionEnded').then((ended) => {
    stopped = true;
    return ended;
  });
  const session = await startCharging(pipeline, driver.idToken);
  const outcomes: Outcome[] = [];
  for (let elapsed = 0; !stopped && elapsed < 14 * MINUTE_MS; elapsed += MINUTE_MS / 2) {
    await pipeline.chargePoint.advance(MINUTE_MS / 2);
    await pipeline.bridge.idle();
  }
  expect(await chargerEnded).toMatchObject({ reason: 'Remote' });
  await pipeline.chargePoint.settle();
  const settled = await pipeline.bridge.completed(jobIds(session.sessionId).ended);
  for (const job of await pipeline.csms.queue.getJobs(['completed'], 0, -1)) {
    const event = job?.data as LedgerEvent | undefined;
    if (event?.kind === 'MeterSampled' && event.sessionId === session.sessionId) outcomes.push(job?.returnvalue as Outcome);
  }

  const recorded = outcomes.filter((o) => o.kind === 'progress-recorded');
  // Readings far from the hold stayed in the CSMS: fewer reached the bridge than the charger sent.
  expect(outcomes.length).toBeLessThan(await readingsSentIn(session.sessionId));
  // At most one record as the estimate nears the hold and one as it reaches it.
  expect(recorded.length).toBeGreaterThanOrEqual(1);
  expect(recorded.length).toBeLessThanOrEqual(2);
  expect((await read.session(session.sessionId)).progressSeq).toBe(recorded.length);
  expect(settled.outcome).toMatchObject({ kind: 'session-settled', charged: 600 });
});
