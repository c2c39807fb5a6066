import { priceMeasurement, priceSession, type Tariff } from '@chargeledger/chaincode/pricing';
import type { FrozenTariff } from '@chargeledger/ledger-queue';
import { finalCost, formatAmount, majorUnits, runningCost, type SessionPricing } from './running-cost';

const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);
const MINUTE = 60_000;

function aTariff(components: Tariff['elements'][number]['priceComponents']): Tariff {
  return { id: 'T-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 1900, elements: [{ priceComponents: components }] };
}
const frozen = (tariff: Tariff): FrozenTariff => ({ tariffId: tariff.id, version: tariff.version, currency: tariff.currency, priced: tariff });
const pricing = (tariff: Tariff, holdAmount = 10_000): SessionPricing => ({ tariff: frozen(tariff), holdAmount });

const ENERGY_AND_PARKING = aTariff([
  { type: 'ENERGY', priceMicro: 400_000, stepSize: 1 },
  { type: 'TIME', priceMicro: 1_200_000, stepSize: 1 },
  { type: 'PARKING_TIME', priceMicro: 6_000_000, stepSize: 1 },
]);

describe('the running cost of a session', () => {
  it('is priceSession on the readings so far, counted from the register at the start', () => {
    const tariff = aTariff([{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }]);
    const samples = [
      { timestampMs: T0, registerWh: 50_000 },
      { timestampMs: T0 + MINUTE, registerWh: 50_180 },
      { timestampMs: T0 + 2 * MINUTE, registerWh: 50_360 },
    ];
    const expected = priceSession(tariff, { startMs: T0, endMs: T0 + 2 * MINUTE, samples: samples.map((s) => ({ ...s, registerWh: s.registerWh - 50_000 })) }).total;
    expect(runningCost(pricing(tariff), samples)).toEqual({ amount: expected, currency: 'EUR', digits: 2 });
    expect(expected).toBeGreaterThan(0);
  });

  it('prices parking from the reading after which the register stopped rising, where the tariff prices parking', () => {
    const samples = [
      { timestampMs: T0, registerWh: 0 },
      { timestampMs: T0 + 10 * MINUTE, registerWh: 2_000 },
      { timestampMs: T0 + 20 * MINUTE, registerWh: 2_000 },
      { timestampMs: T0 + 30 * MINUTE, registerWh: 2_000 },
    ];
    const withParking = priceSession(ENERGY_AND_PARKING, { startMs: T0, endMs: T0 + 30 * MINUTE, samples, chargingEndMs: T0 + 10 * MINUTE });
    expect(withParking.lineItems.map((line) => line.component)).toContain('PARKING_TIME');
    expect(runningCost(pricing(ENERGY_AND_PARKING), samples)?.amount).toBe(withParking.total);
  });

  it('never falls as the session goes on', () => {
    const figures: number[] = [];
    const samples = [{ timestampMs: T0, registerWh: 0 }];
    for (let minute = 1; minute <= 20; minute++) {
      samples.push({ timestampMs: T0 + minute * MINUTE, registerWh: Math.min(minute, 8) * 150 });
      figures.push(runningCost(pricing(ENERGY_AND_PARKING), samples)?.amount ?? -1);
    }
    expect(figures).toEqual([...figures].sort((a, b) => a - b));
  });

  it('is unknown for samples that cannot be priced, not a guess', () => {
    expect(runningCost(pricing(ENERGY_AND_PARKING), [])).toBeUndefined();
  });
});

describe('the final cost at the stop', () => {
  it('is what the settlement computes: the first and last reading, all charging time, capped at the hold', () => {
    const samples = [
      { timestampMs: T0, registerWh: 0 },
      { timestampMs: T0 + 10 * MINUTE, registerWh: 2_000 },
      { timestampMs: T0 + 30 * MINUTE, registerWh: 2_000 },
    ];
    const settled = priceSession(ENERGY_AND_PARKING, { startMs: T0, endMs: T0 + 30 * MINUTE, samples: [samples[0]!, samples[2]!] }).total;
    expect(finalCost(pricing(ENERGY_AND_PARKING), samples)?.amount).toBe(settled);
    expect(finalCost(pricing(ENERGY_AND_PARKING, 100), samples)?.amount).toBe(100);
  });
});

describe('parking from the end of charging the charger reported', () => {
  // The register still creeps after 12 min (a trickle), so the readings alone would not show parking there.
  const samples = [
    { timestampMs: T0, registerWh: 0 },
    { timestampMs: T0 + 10 * MINUTE, registerWh: 2_000 },
    { timestampMs: T0 + 20 * MINUTE, registerWh: 2_010 },
    { timestampMs: T0 + 30 * MINUTE, registerWh: 2_020 },
  ];
  const reportedEnd = T0 + 12 * MINUTE;

  it('ends the final cost as the ledger settles it: the charger\'s end of charging, parking after it', () => {
    const settled = priceMeasurement(ENERGY_AND_PARKING, { startMs: T0, endMs: T0 + 30 * MINUTE, energyWh: 2_020, chargingEndMs: reportedEnd });
    expect(settled.lineItems.map((line) => line.component)).toContain('PARKING_TIME');
    expect(finalCost(pricing(ENERGY_AND_PARKING), samples, reportedEnd)?.amount).toBe(settled.total);
    expect(finalCost(pricing(ENERGY_AND_PARKING), samples)?.amount).not.toBe(settled.total);
  });

  it('makes the running cost what the settlement would charge were the session to stop now', () => {
    const expected = priceMeasurement(ENERGY_AND_PARKING, { startMs: T0, endMs: T0 + 30 * MINUTE, energyWh: 2_020, chargingEndMs: reportedEnd }).total;
    expect(runningCost(pricing(ENERGY_AND_PARKING), samples, reportedEnd)?.amount).toBe(expected);
    expect(runningCost(pricing(ENERGY_AND_PARKING), samples)?.amount).not.toBe(expected);
  });

  it('is ignored outside the readings, as the ledger ignores it', () => {
    expect(finalCost(pricing(ENERGY_AND_PARKING), samples, T0 + 40 * MINUTE)?.amount).toBe(finalCost(pricing(ENERGY_AND_PARKING), samples)?.amount);
  });
});

describe('amounts on the OCPP wire', () => {
  it('are written from minor units by their digits', () => {
    expect(formatAmount({ amount: 1234, digits: 2 })).toBe('12.34');
    expect(formatAmount({ amount: 5, digits: 2 })).toBe('0.05');
    expect(formatAmount({ amount: 500, digits: 0 })).toBe('500');
    expect(majorUnits({ amount: 1999, currency: 'EUR', digits: 2 })).toBe(19.99);
  });
});
