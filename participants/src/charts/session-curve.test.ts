import { priceMeasurement, type PricedTariff, validateTariff } from '@chargeledger/chaincode/pricing';
import { milliWattHours, sessionCurve } from './session-curve';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const tm = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)},${new Date(ms).toISOString().slice(20, 23)}+0000 S`;
/** An OCMF record of a meter's readings (register in kWh); the signature is not read here. */
const record = (page: number, readings: readonly (readonly [number, string, string])[], register = '1-b:1.8.0'): string =>
  `OCMF|{"FV":"1.0","GS":"CP-7","PG":"T${page}","MS":"CP-7-M1","IS":true,"IT":"ISO14443","ID":"04AA","RD":[${readings.map(([ms, tx, rv]) => `{"TM":"${tm(ms)}","TX":"${tx}","RV":${rv},"RI":"${register}","RU":"kWh","EF":"","ST":"G"}`).join(',')}]}|{"SD":"3045022100AA"}`;
/** 0.39 EUR/kWh and 1.20 EUR an hour, VAT 19 %: a price that grows with energy and with time. */
const TARIFF: PricedTariff = validateTariff({ id: 'AC-DAY', version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }, { type: 'TIME', priceMicro: 1_200_000, stepSize: 60 }] }] });

describe('sessionCurve', () => {
  it('draws one point per signed reading: energy since the first, power since the one before, and the ledger\'s price up to it', () => {
    const records = [record(1, [[T0, 'B', '100.000']]), record(2, [[T0 + 600_000, 'C', '101.833']]), record(3, [[T0 + 1_200_000, 'E', '103.000']])];
    const points = sessionCurve(records, TARIFF);
    expect(points.map((p) => [p.timeMs - T0, p.energyWh, p.powerW])).toEqual([
      [0, 0, 0],
      [600_000, 1833, 10_998],
      [1_200_000, 3000, 7002],
    ]);
    // Had the session ended at a reading, it would have cost what the ledger computes for that measurement.
    expect(points.map((p) => p.cost)).toEqual(points.map((p) => priceMeasurement(TARIFF, { startMs: T0, endMs: p.timeMs, energyWh: p.energyWh }).total));
    expect(points[2]?.cost).toBeGreaterThan(points[1]?.cost ?? Infinity);
    expect(points[0]?.cost).toBe(0);
  });

  it('takes readings in time order, once each, and only of the billed register', () => {
    const records = [record(2, [[T0 + 60_000, 'E', '100.500']]), record(1, [[T0, 'B', '100.000']]), record(1, [[T0, 'B', '100.000']]), record(3, [[T0 + 30_000, 'C', '900.000']], '1-b:2.8.0')];
    expect(sessionCurve(records, TARIFF).map((p) => [p.timeMs - T0, p.energyWh])).toEqual([
      [0, 0],
      [60_000, 500],
    ]);
  });

  it('has no points without readings', () => {
    expect(sessionCurve([], TARIFF)).toEqual([]);
  });
});

describe('milliWattHours', () => {
  it('reads a register digit for digit, in kWh or Wh', () => {
    expect(milliWattHours('48.5427', 'kWh')).toBe(48_542_700);
    expect(milliWattHours('0.001', 'kWh')).toBe(1000);
    expect(milliWattHours('7753', 'Wh')).toBe(7_753_000);
    expect(milliWattHours('12.3456789', 'kWh')).toBe(12_345_678);
  });

  it('refuses what is not a reading', () => {
    expect(() => milliWattHours('-1', 'kWh')).toThrow(RangeError);
    expect(() => milliWattHours('1', 'varh')).toThrow(RangeError);
  });
});
