import { priceSession, type PriceBreakdown, type Tariff } from '@chargeledger/chaincode/src/tariff';
import type { FinishedJob } from './support/bridge';
import { aDriverWithCard, type DriverOnLedger } from './support/deployment';
import { aPipeline, chargeAndStop, jobIds, type Pipeline, readLedger, startCharging, type StartedSession } from './support/pipeline';

/**
 * A session from an OCPP charge point simulator through the real CSMS, Redis/BullMQ and LedgerWorker to the
 * chaincode, and back to the charger when the ledger refuses or exhausts a hold. Only the ledger is not
 * real: it is the in-memory channel (see support/in-memory-ledger.ts).
 */

const MINUTE_MS = 60_000;

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

describe.each(['1.6', '2.0.1'] as const)('a charging session over OCPP %s, settled on the ledger by the bridge', (protocol) => {
  let pipeline: Pipeline;

  beforeEach(async () => {
    pipeline = await aPipeline(protocol);
  });

  afterEach(async () => {
    await pipeline.close();
  });

  const aDriver = (options: { topUp: number; sessionLimit: number }): Promise<DriverOnLedger> =>
    aDriverWithCard(pipeline.cast, { accountId: 'drv-erika', idToken: '04A2B3C4D5E6F7', ...options });

  /** Starts charging and waits for the bridge to apply the open, so that each test can look at its outcome. */
  async function aStartedSession(driver: DriverOnLedger): Promise<StartedSession & { readonly open: FinishedJob }> {
    await pipeline.issueCard(driver);
    const started = await startCharging(pipeline, driver.idToken);
    return { ...started, open: await pipeline.bridge.finished(jobIds(started.sessionId).started) };
  }

  it('settles a signed session: the receipt is verified, and the driver pays the station exactly the tariff price of the metered energy', async () => {
    const ledger = readLedger(pipeline.cast);
    const driver = await aDriver({ topUp: 5000, sessionLimit: 2000 });
    const driverBefore = await ledger.account(driver.accountId);
    const payeeBefore = await ledger.account(pipeline.station.payeeAccountId);

    const session = await aStartedSession(driver);
    expect(session.open).toMatchObject({ state: 'completed', outcome: { kind: 'session-opened', sessionId: session.sessionId, holdAmount: 2000 } });
    const { stop, endedAtMs } = await chargeAndStop(pipeline, 30 * MINUTE_MS);
    const settled = await pipeline.bridge.completed(jobIds(session.sessionId).ended);

    const receipt = await ledger.receipt(session.sessionId);
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
    expect(stop.energyWh).toBeGreaterThan(4_000);

    // Priced here from what the charger measured, not from the receipt: the begin and end readings' times
    // and the energy between them, under the tariff the operator published. For 5,500 Wh in 30 minutes:
    // FLAT 35 + ENERGY 5.5 kWh × 0.39 = 214.5 → 215 + TIME 0.5 h × 0.60 = 30, net 280, VAT 19 % 53.2 → 53, 333 ct.
    const price = priceOf(pipeline.station.tariff, session.startedAtMs, endedAtMs, stop.energyWh);
    expect(price.total).toBeLessThan(receipt.holdAmount);
    expect(receipt).toMatchObject({ priced: price.total, charged: price.total, released: receipt.holdAmount - price.total });

    const driverAfter = await ledger.account(driver.accountId);
    const payeeAfter = await ledger.account(pipeline.station.payeeAccountId);
    expect(driverAfter).toMatchObject({ balance: driverBefore.balance - receipt.charged, held: 0, available: driverBefore.balance - receipt.charged });
    expect(payeeAfter.balance).toBe(payeeBefore.balance + receipt.charged);
  });

  it('refuses to open a session for a driver whose funds do not cover the minimum hold, stops the charger, and debits nothing', async () => {
    const ledger = readLedger(pipeline.cast);
    const driver = await aDriver({ topUp: 300, sessionLimit: 2000 });
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

    expect(await ledger.session(session.sessionId)).toMatchObject({ status: 'refused', holdAmount: 0 });
    await expect(ledger.receipt(session.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await ledger.account(driver.accountId)).toMatchObject({ balance: 300, held: 0, available: 300 });
    expect(await ledger.account(pipeline.station.payeeAccountId)).toMatchObject({ balance: 0 });
    expect(pipeline.cast.network.events.map((event) => event.name)).not.toContain('SessionSettled');
  });

  it('stops the charger once the cost reported at a checkpoint reaches the hold, and charges the hold, not more', async () => {
    const ledger = readLedger(pipeline.cast);
    const driver = await aDriver({ topUp: 5000, sessionLimit: 600 });
    let stoppedByCsms = false;
    const chargerEnded = pipeline.chargePoint.next('transactionEnded').then((ended) => {
      stoppedByCsms = true;
      return ended;
    });

    const session = await aStartedSession(driver);
    expect(session.open).toMatchObject({ state: 'completed', outcome: { kind: 'session-opened', holdAmount: 600 } });
    // Five simulated minutes at a time, each applied and acted on before the next, until the CSMS stops it.
    for (let elapsed = 0; !stoppedByCsms && elapsed < 3 * 60 * MINUTE_MS; elapsed += 5 * MINUTE_MS) {
      await pipeline.chargePoint.advance(5 * MINUTE_MS);
      await pipeline.bridge.idle();
    }
    const ended = await chargerEnded;
    const endedAtMs = pipeline.clock.now();
    expect(ended).toMatchObject({ reason: 'Remote' });
    await pipeline.chargePoint.settle();
    await pipeline.bridge.completed(jobIds(session.sessionId).ended);

    const receipt = await ledger.receipt(session.sessionId);
    const price = priceOf(pipeline.station.tariff, session.startedAtMs, endedAtMs, ended.energyWh);
    expect(receipt).toMatchObject({ verification: 'verified', energyWh: ended.energyWh, priced: price.total, charged: 600, released: 0 });
    expect(price.total).toBeGreaterThanOrEqual(600);
    expect(await ledger.account(driver.accountId)).toMatchObject({ balance: 5000 - 600, held: 0 });
    expect(await ledger.account(pipeline.station.payeeAccountId)).toMatchObject({ balance: 600 });
  });

  it('changes nothing on the ledger when the events of a settled session are delivered again', async () => {
    const ledger = readLedger(pipeline.cast);
    const driver = await aDriver({ topUp: 5000, sessionLimit: 2000 });
    const session = await aStartedSession(driver);
    await chargeAndStop(pipeline, 30 * MINUTE_MS);
    const ids = jobIds(session.sessionId);
    const settled = await pipeline.bridge.completed(ids.ended);
    const opened = await pipeline.bridge.completed(ids.started);
    await pipeline.bridge.idle();

    const world = pipeline.cast.network.world.snapshot();
    const eventCount = pipeline.cast.network.events.length;
    const driverBefore = await ledger.account(driver.accountId);

    await pipeline.bridge.redeliver(settled.event, `again.${ids.ended}`);
    await pipeline.bridge.redeliver(opened.event, `again.${ids.started}`);

    // The chaincode recognises each event id and answers with the first result, writing nothing.
    expect(await pipeline.bridge.completed(`again.${ids.ended}`)).toEqual(settled);
    expect(await pipeline.bridge.completed(`again.${ids.started}`)).toEqual(opened);
    expect(pipeline.cast.network.world.snapshot()).toBe(world);
    expect(pipeline.cast.network.events).toHaveLength(eventCount);
    expect(await ledger.account(driver.accountId)).toEqual(driverBefore);
  });
});

describe.each(['1.6', '2.0.1'] as const)('a session over OCPP %s that reaches the ledger only after a bridge outage', (protocol) => {
  let pipeline: Pipeline;

  beforeEach(async () => {
    pipeline = await aPipeline(protocol, { bridgeHeld: true });
  });

  afterEach(async () => {
    await pipeline.close();
  });

  it('settles from its signed evidence when the bridge applies the whole session 45 minutes late', async () => {
    const driver = await aDriverWithCard(pipeline.cast, { accountId: 'drv-late', idToken: '04A2B3C4D5E6F8', topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    const session = await startCharging(pipeline, driver.idToken);
    const { stop } = await chargeAndStop(pipeline, 30 * MINUTE_MS);
    // The bridge comes back a quarter of an hour after the session ended: the ledger's clock is past both.
    await pipeline.clock.advance(15 * MINUTE_MS);
    pipeline.bridge.run();

    const settled = await pipeline.bridge.completed(jobIds(session.sessionId).ended);
    expect(settled.outcome).toMatchObject({ kind: 'session-settled', energyWh: stop.energyWh, verification: 'verified' });
    const receipt = await readLedger(pipeline.cast).receipt(session.sessionId);
    expect(receipt).toMatchObject({ startTimeMs: session.startedAtMs, verification: 'verified' });
  });
});
