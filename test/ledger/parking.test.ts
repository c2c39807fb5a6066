import { priceMeasurement, type Tariff } from '@chargeledger/chaincode/pricing';
import type { SessionEnded } from '@chargeledger/ledger-queue';
import { aDriverWithCard, anAcTariff } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * Parking billed on the ledger: the charger says when the vehicle stopped drawing energy (1.6 StatusNotification
 * SuspendedEV, 2.0.1 chargingState leaving Charging), the CSMS passes it on with the session's end, and the
 * chaincode prices the time after it as PARKING_TIME. From the simulator through the real CSMS, Redis/BullMQ and
 * the bridge to the ledger under test.
 */

/** 0.39 EUR/kWh and 0.60 EUR an hour while charging; 6.00 EUR an hour parked, by the minute. A tariff of its own per station. */
const aParkingTariff = (): Tariff => anAcTariff({
  elements: [
    {
      priceComponents: [
        { type: 'ENERGY', priceMicro: 390_000, stepSize: 1 },
        { type: 'TIME', priceMicro: 600_000, stepSize: 60 },
        { type: 'PARKING_TIME', priceMicro: 6_000_000, stepSize: 60 },
      ],
    },
  ],
});
/** A battery nearly full: it stops drawing energy within minutes, and the car stays plugged in. */
const NEARLY_FULL = { batteryCapacityWh: 1_000, initialSocPercent: 95, maxPowerW: 11_000 };

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

describe.each(['1.6', '2.0.1'] as const)('a car that stays plugged in after its battery is full, over OCPP %s', (protocol) => {
  let pipeline: Pipeline;
  afterEach(async () => {
    await pipeline.close();
  });

  it('pays parking from when the charger said charging ended, at the price the receipt can be re-priced with', async () => {
    const tariff = aParkingTariff();
    pipeline = await aPipeline(ledger, protocol, { tariff });
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    const session = await startCharging(pipeline, driver.idToken, 1, NEARLY_FULL);
    await pipeline.bridge.completed(jobIds(session.sessionId).started);
    await chargeAndStop(pipeline, 12 * MINUTE_MS);
    const { event } = await pipeline.bridge.completed(jobIds(session.sessionId).ended);

    // The CSMS passed on when the vehicle stopped drawing energy, before the stop.
    const chargingEndedAt = (event as SessionEnded).chargingEndedAt;
    expect(chargingEndedAt).toEqual(expect.any(String));
    const receipt = await readLedger(ledger).receipt(session.sessionId);
    expect(receipt).toMatchObject({ verification: 'verified', chargingEndMs: Date.parse(chargingEndedAt ?? '') });
    const parkedMs = receipt.endTimeMs - (receipt.chargingEndMs ?? receipt.endTimeMs);
    expect(parkedMs).toBeGreaterThan(MINUTE_MS);

    const parking = receipt.lineItems.find((line) => line.component === 'PARKING_TIME');
    expect(parking?.quantity).toBe(Math.ceil(parkedMs / MINUTE_MS) * 60);
    expect(parking?.net).toBeGreaterThan(0);
    // Anyone re-prices the receipt from what it names: the signed energy, its readings and the end of charging.
    const repriced = priceMeasurement(tariff, { startMs: receipt.startTimeMs, endMs: receipt.endTimeMs, energyWh: receipt.energyWh, chargingEndMs: receipt.chargingEndMs ?? receipt.endTimeMs });
    expect(receipt.priced).toBe(repriced.total);
    expect(receipt.priced).toBeGreaterThan(priceMeasurement(tariff, { startMs: receipt.startTimeMs, endMs: receipt.endTimeMs, energyWh: receipt.energyWh }).total);
  });
});
