import { energyWh, productionCurve, type ProductionCurve } from './production-curve';
import { householdLoadW } from './household';
import { clearSkyPowerW, solarNoonMs, type PvSystem } from './solar';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const aRoof = (overrides: Partial<PvSystem> = {}): PvSystem => ({ capacityKwp: 8, latitudeDeg: 50.1, longitudeDeg: 8.7, performanceRatio: 0.85, ...overrides });
const aCurve = (pv: Partial<PvSystem> = {}): ProductionCurve => productionCurve({ pv: aRoof(pv), household: { annualKwh: 4_000, utcOffsetMinutes: 120 } });
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const dailyKwhPerKwp = (pv: PvSystem, date: string): number => energyWh((t) => clearSkyPowerW(pv, t), dayOf(date), dayOf(date) + DAY) / 1000 / pv.capacityKwp;

describe('the clear-sky production curve', () => {
  it('produces nothing at night, and nothing all day in the polar night', () => {
    const curve = aCurve();
    const midsummer = dayOf('2025-06-21');
    expect(curve.productionW(midsummer + 0.5 * HOUR)).toBe(0);
    expect(curve.productionW(midsummer + 22 * HOUR)).toBe(0);
    const arctic = aRoof({ latitudeDeg: 78.2 });
    for (let t = dayOf('2025-12-21'); t < dayOf('2025-12-22'); t += 10 * 60_000) expect(clearSkyPowerW(arctic, t)).toBe(0);
  });

  it.each(['2025-03-20', '2025-06-21', '2025-12-21'])('peaks within minutes of solar noon on %s, which moves with longitude', (date) => {
    for (const longitudeDeg of [8.7, -74]) {
      const pv = aRoof({ longitudeDeg });
      let peakAt = 0;
      for (let t = dayOf(date) - DAY; t < dayOf(date) + 2 * DAY; t += 60_000) {
        if (t >= dayOf(date) && t < dayOf(date) + DAY && clearSkyPowerW(pv, t) > clearSkyPowerW(pv, peakAt)) peakAt = t;
      }
      expect(Math.abs(peakAt - solarNoonMs(dayOf(date), longitudeDeg))).toBeLessThanOrEqual(2 * 60_000);
    }
    // Frankfurt's solar noon is about 35 minutes before 12:00 UTC, New York's nearly five hours after it.
    expect(solarNoonMs(dayOf(date), 8.7)).toBeLessThan(dayOf(date) + 12 * HOUR - 15 * 60_000);
    expect(solarNoonMs(dayOf(date), -74)).toBeGreaterThan(dayOf(date) + 16.5 * HOUR);
  });

  it('rises before noon and falls after it', () => {
    const curve = aCurve();
    const noon = solarNoonMs(dayOf('2025-06-21'), 8.7);
    const samples = [-6, -4, -2, 0, 2, 4, 6].map((h) => curve.productionW(noon + h * HOUR));
    expect(samples.slice(0, 4)).toEqual([...samples.slice(0, 4)].sort((a, b) => a - b));
    expect(samples.slice(3)).toEqual([...samples.slice(3)].sort((a, b) => b - a));
    // Peak power stays below the rating: no more than 1000 W/m² reach flat modules, less the losses.
    expect(samples[3]).toBeGreaterThan(0.6 * 8_000);
    expect(samples[3]).toBeLessThan(0.85 * 8_000);
  });

  it('yields a plausible clear-sky day per kWp: long in midsummer, short in midwinter, even at the equator', () => {
    expect(dailyKwhPerKwp(aRoof(), '2025-06-21')).toBeGreaterThan(5);
    expect(dailyKwhPerKwp(aRoof(), '2025-06-21')).toBeLessThan(8);
    expect(dailyKwhPerKwp(aRoof(), '2025-12-21')).toBeGreaterThan(0.5);
    expect(dailyKwhPerKwp(aRoof(), '2025-12-21')).toBeLessThan(2.5);
    expect(dailyKwhPerKwp(aRoof({ latitudeDeg: 0, longitudeDeg: 0 }), '2025-03-20')).toBeGreaterThan(5);
    expect(dailyKwhPerKwp(aRoof({ latitudeDeg: 0, longitudeDeg: 0 }), '2025-03-20')).toBeLessThan(7.5);
    expect(dailyKwhPerKwp(aRoof({ latitudeDeg: -33.9, longitudeDeg: 18.4 }), '2025-12-21')).toBeGreaterThan(dailyKwhPerKwp(aRoof({ latitudeDeg: -33.9, longitudeDeg: 18.4 }), '2025-06-21'));
  });

  it('scales with the rated capacity', () => {
    const noon = solarNoonMs(dayOf('2025-06-21'), 8.7);
    expect(clearSkyPowerW(aRoof({ capacityKwp: 16 }), noon)).toBeCloseTo(2 * clearSkyPowerW(aRoof(), noon), 6);
  });

  it('refuses a system it cannot model', () => {
    expect(() => aCurve({ capacityKwp: 0 })).toThrow(RangeError);
    expect(() => aCurve({ performanceRatio: 1.2 })).toThrow(RangeError);
  });
});

describe('the surplus', () => {
  it('is production less the household’s load, never below zero', () => {
    const curve = aCurve();
    const noon = solarNoonMs(dayOf('2025-06-21'), 8.7);
    expect(curve.surplusW(noon)).toBeCloseTo(curve.productionW(noon) - curve.loadW(noon), 9);
    expect(curve.loadW(noon)).toBeGreaterThan(0);
    expect(curve.surplusW(dayOf('2025-06-21') + 1 * HOUR)).toBe(0);
    // In the evening the house takes more than the low sun gives.
    const evening = dayOf('2025-06-21') + 19 * HOUR;
    expect(curve.loadW(evening)).toBeGreaterThan(curve.productionW(evening));
    expect(curve.surplusW(evening)).toBe(0);
  });

  it('comes from a household that uses its annual consumption, most of it in the evening', () => {
    const profile = { annualKwh: 4_000, utcOffsetMinutes: 60 };
    const day = dayOf('2025-01-15');
    expect(energyWh((t) => householdLoadW(profile, t), day, day + DAY) * 365).toBeGreaterThan(3_960_000);
    expect(energyWh((t) => householdLoadW(profile, t), day, day + DAY) * 365).toBeLessThan(4_040_000);
    // 19:00 local (18:00 UTC) is the peak, 03:00 local the trough.
    expect(householdLoadW(profile, day + 18 * HOUR)).toBeGreaterThan(3 * householdLoadW(profile, day + 2 * HOUR));
  });
});
