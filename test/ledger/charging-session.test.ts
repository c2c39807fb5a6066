import { priceSession, type PriceBreakdown, type Tariff } from '@chargeledger/chaincode/pricing';
import { aDriverWithCard, anAcTariff, type DriverOnLedger } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, type FinishedJob, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging, type StartedSession } from './support/pipeline';

/**
 * A session from an OCPP charge point simulator through the real CSMS, Redis/BullMQ and the ledger bridge to
 * the chaincode on the ledger under test (the Fabric network, or the embedded ledger), and back to the
 * charger when the ledger refuses or exhausts a hold.
 */

/** The tariff's price for `energyWh` spread evenly between two readings, as ADR 0005 prices a session. */
function priceOf(tariff: Tariff, startMs: number, endMs: number, energyWh: number): PriceBreakdown {
  return priceSession(tariff, {
    startMs,
    endMs,
    samples: [
      { timestampMs: startMs, registerWh: 0 },
      { timestampMs: endMs, registerWh: energyWh },
    ],
  });
}

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

describe.each(['1.6', '2.0.1'] as const)('a charging session over OCPP %s, settled on the ledger by the bridge', (protocol) => {
  let pipeline: Pipeline;

  afterEach(async () => {
    await pipeline.close();
  });

  /** Starts charging and waits for the bridge to apply the open, so that each test can look at its outcome. */
  async function aStartedSession(driver: DriverOnLedger): Promise<StartedSession & { readonly open: FinishedJob }> {
    await pipeline.issueCard(driver);
    const started = await startCharging(pipeline, driver.idToken);
    return { ...started, open: await pipeline.bridge.finished(jobIds(started.sessionId).started) };
  }

  it('settles a signed session: the receipt is verified, and the driver pays the station exactly the tariff price of the metered energy', async () => {
    pipeline = await aPipeline(ledger, protocol);
    const read = readLedger(ledger);
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    const driverBefore = await read.account(driver.accountId);
    const payeeBefore = await read.account(pipeline.station.payeeAccountId);

    const session = await aStartedSession(driver);
    expect(session.open).toMatchObject({ state: 'completed', outcome: { kind: 'session-opened', sessionId: session.sessionId, holdAmount: 2000 } });
    const { stop, endedAtMs } = await chargeAndStop(pipeline, 12 * MINUTE_MS);
    const settled = await pipeline.bridge.completed(jobIds(session.sessionId).ended);

    const receipt = await read.receipt(session.sessionId);
    expect(settled.outcome).toEqual({ kind: 'session-settled', sessionId: session.sessionId, charged: receipt.charged, energyWh: stop.energyWh, verification: 'verified' });
    expect(receipt).toMatchObject({
      verification: 'verified',
      energyWh: stop.energyWh,
      stationId: pipeline.station.stationId,
      evseId: String(session.evseId),
      meterSerial: pipeline.station.meterSerial,
      startTimeMs: session.startedAtMs,
      endTimeMs: endedAtMs,
    });
    expect(stop.energyWh).toBeGreaterThan(1_500);

    // Priced here from what the charger measured, not from the receipt: the begin and end readings' times
    // and the energy between them, under the tariff the operator published.
    const price = priceOf(pipeline.station.tariff, session.startedAtMs, endedAtMs, stop.energyWh);
    expect(price.total).toBeLessThan(receipt.holdAmount);
    expect(receipt).toMatchObject({ priced: price.total, charged: price.total, released: receipt.holdAmount - price.total });

    const driverAfter = await read.account(driver.accountId);
    const payeeAfter = await read.account(pipeline.station.payeeAccountId);
    expect(driverAfter).toMatchObject({ balance: driverBefore.balance - receipt.charged, held: 0, available: driverBefore.balance - receipt.charged });
    expect(payeeAfter.balance).toBe(payeeBefore.balance + receipt.charged);
  });

  it('refuses to open a session for a driver whose funds do not cover the minimum hold, stops the charger, and debits nothing', async () => {
    pipeline = await aPipeline(ledger, protocol);
    const read = readLedger(ledger);
    const driver = await aDriverWithCard(ledger, { topUp: 300, sessionLimit: 2000 });
    const chargerEnded = pipeline.chargePoint.next('transactionEnded');

    const session = await aStartedSession(driver);
    expect(session.open).toMatchObject({ state: 'completed', outcome: { kind: 'hold-refused', sessionId: session.sessionId, reason: 'insufficient-funds' } });
    // The bridge reports the refusal; the CSMS stops the transaction on the charger.
    expect(await chargerEnded).toMatchObject({ reason: 'Remote' });
    await pipeline.chargePoint.settle();

    // The end of a session the ledger refused to open is refused in turn, and kept where an operator sees it.
    expect(await pipeline.bridge.finished(jobIds(session.sessionId).ended)).toMatchObject({ state: 'failed', reason: expect.stringContaining('[INVALID_STATE]') });
    await pipeline.bridge.idle();
    expect(await pipeline.bridge.deadLetters()).toContainEqual(expect.objectContaining({ code: 'INVALID_STATE', event: expect.objectContaining({ kind: 'SessionEnded', sessionId: session.sessionId }) }));

    expect(await read.session(session.sessionId)).toMatchObject({ status: 'refused', holdAmount: 0 });
    await expect(read.receipt(session.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await read.account(driver.accountId)).toMatchObject({ balance: 300, held: 0, available: 300 });
    expect(await read.account(pipeline.station.payeeAccountId)).toMatchObject({ balance: 0 });
  });

  it('stops the charger once the cost reported at a checkpoint reaches the hold, and charges the hold, not more', async () => {
    // 3.90 EUR/kWh: at 11 kW the cost passes a 6 EUR hold within minutes, inside the meter clock skew the ledger allows.
    const tariff = anAcTariff({ elements: [{ priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] }, { priceComponents: [{ type: 'ENERGY', priceMicro: 3_900_000, stepSize: 1 }] }] });
    pipeline = await aPipeline(ledger, protocol, { tariff });
    const read = readLedger(ledger);
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 600 });
    let stoppedByCsms = false;
    const chargerEnded = pipeline.chargePoint.next('transactionEnded').then((ended) => {
      stoppedByCsms = true;
      return ended;
    });

    const session = await aStartedSession(driver);
    expect(session.open).toMatchObject({ state: 'completed', outcome: { kind: 'session-opened', holdAmount: 600 } });
    // Two simulated minutes at a time, each applied and acted on before the next, until the CSMS stops it.
    for (let elapsed = 0; !stoppedByCsms && elapsed < 14 * MINUTE_MS; elapsed += 2 * MINUTE_MS) {
      await pipeline.chargePoint.advance(2 * MINUTE_MS);
      await pipeline.bridge.idle();
    }
    const ended = await chargerEnded;
    const endedAtMs = pipeline.clock.now();
    expect(ended).toMatchObject({ reason: 'Remote' });
    await pipeline.chargePoint.settle();
    await pipeline.bridge.completed(jobIds(session.sessionId).ended);

    const receipt = await read.receipt(session.sessionId);
    const price = priceOf(pipeline.station.tariff, session.startedAtMs, endedAtMs, ended.energyWh);
    expect(receipt).toMatchObject({ verification: 'verified', energyWh: ended.energyWh, priced: price.total, charged: 600, released: 0 });
    expect(price.total).toBeGreaterThanOrEqual(600);
    expect(await read.account(driver.accountId)).toMatchObject({ balance: 5000 - 600, held: 0 });
    expect(await read.account(pipeline.station.payeeAccountId)).toMatchObject({ balance: 600 });
  });

  it('changes nothing on the ledger when the events of a settled session are delivered again', async () => {
    pipeline = await aPipeline(ledger, protocol);
    const read = readLedger(ledger);
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    const session = await aStartedSession(driver);
    await chargeAndStop(pipeline, 10 * MINUTE_MS);
    const ids = jobIds(session.sessionId);
    const settled = await pipeline.bridge.completed(ids.ended);
    const opened = await pipeline.bridge.completed(ids.started);
    await pipeline.bridge.idle();

    const before = { driver: await read.account(driver.accountId), payee: await read.account(pipeline.station.payeeAccountId), receipt: await read.receipt(session.sessionId), session: await read.session(session.sessionId) };

    await pipeline.bridge.redeliver(settled.event, `again.${ids.ended}`);
    await pipeline.bridge.redeliver(opened.event, `again.${ids.started}`);

    // The chaincode recognises each event id and answers with the first result, writing nothing.
    expect(await pipeline.bridge.completed(`again.${ids.ended}`)).toEqual(settled);
    expect(await pipeline.bridge.completed(`again.${ids.started}`)).toEqual(opened);
    const after = { driver: await read.account(driver.accountId), payee: await read.account(pipeline.station.payeeAccountId), receipt: await read.receipt(session.sessionId), session: await read.session(session.sessionId) };
    expect(after).toEqual(before);
  });
});

describe.each(['1.6', '2.0.1'] as const)('a session over OCPP %s that reaches the ledger only after a bridge outage', (protocol) => {
  let pipeline: Pipeline;

  afterEach(async () => {
    await pipeline.close();
  });

  it('settles from its signed evidence when the bridge comes back after the session has ended', async () => {
    pipeline = await aPipeline(ledger, protocol, { bridgeHeld: true });
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    const session = await startCharging(pipeline, driver.idToken);
    const { stop } = await chargeAndStop(pipeline, 10 * MINUTE_MS);
    expect(await pipeline.csms.queue.getJobState(jobIds(session.sessionId).ended)).toBe('waiting');
    pipeline.bridge.run();

    const settled = await pipeline.bridge.completed(jobIds(session.sessionId).ended);
    expect(settled.outcome).toMatchObject({ kind: 'session-settled', energyWh: stop.energyWh, verification: 'verified' });
    const receipt = await readLedger(ledger).receipt(session.sessionId);
    expect(receipt).toMatchObject({ startTimeMs: session.startedAtMs, verification: 'verified' });
  });
});
