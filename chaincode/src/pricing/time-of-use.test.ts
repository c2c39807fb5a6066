import { type PriceBreakdown, priceSession, type Tariff, validateTariff } from './index';

const MIN = 60_000;
const HOUR = 60 * MIN;

function aTariff(elements: unknown[], fields: Record<string, unknown> = {}): Tariff {
  const defaults = { id: 'TOU-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0 };
  return validateTariff({ ...defaults, elements, ...fields });
}

function energyElement(priceMicro: number, restrictions?: Record<string, unknown>): unknown {
  const priceComponents = [{ type: 'ENERGY', priceMicro, stepSize: 1 }];
  return restrictions === undefined ? { priceComponents } : { priceComponents, restrictions };
}

/** Prices a session whose samples are [UTC instant, register Wh] pairs, the first and last being plug-in and out. */
function price(tariff: Tariff, ...points: [number, number][]): PriceBreakdown {
  const samples = points.map(([timestampMs, registerWh]) => ({ timestampMs, registerWh }));
  const startMs = samples[0]!.timestampMs;
  const endMs = samples[samples.length - 1]!.timestampMs;
  return priceSession(tariff, { startMs, endMs, samples });
}

function lines(breakdown: PriceBreakdown): [number, number, number, number, number][] {
  return breakdown.lineItems.map((l) => [l.elementIndex, l.quantity, l.net, l.periodStartMs, l.periodEndMs]);
}

describe('time-of-use pricing', () => {
  // Peak 0.50 EUR/kWh from 18:00 to 22:00 local time, 0.30 otherwise; local time is UTC+1.
  const peak = (vatBasisPoints: number): Tariff =>
    aTariff([energyElement(500_000, { startTime: '18:00', endTime: '22:00' }), energyElement(300_000)], {
      utcOffsetMinutes: 60,
      vatBasisPoints,
    });
  const at = (hour: number, minute: number): number => Date.UTC(2024, 0, 15, hour, minute);

  it('splits a 17:30-18:30 local session at the 18:00 peak start, with a sample on the boundary', () => {
    // Local 17:30-18:30 is 16:30-17:30 UTC. Registers 50,000 -> 55,500 (18:00 local) -> 59,000.
    // Off-peak 5,500 Wh * 0.30 = 1.65 EUR = 165 ct; peak 3,500 Wh * 0.50 = 1.75 EUR = 175 ct; net 340.
    // VAT 19 % of 340 = 64.6 -> 65. Shares: 165 -> 31.35, 175 -> 33.25; floors 31 + 33 = 64, the spare cent goes to
    // the larger remainder (.35): 32 and 33. Total 405.
    const breakdown = price(peak(1900), [at(16, 30), 50_000], [at(17, 0), 55_500], [at(17, 30), 59_000]);
    expect(lines(breakdown)).toEqual([
      [1, 5500, 165, at(16, 30), at(17, 0)],
      [0, 3500, 175, at(17, 0), at(17, 30)],
    ]);
    expect(breakdown.lineItems.map((l) => l.vat)).toEqual([32, 33]);
    expect(breakdown).toMatchObject({ totalNet: 340, totalVat: 65, total: 405, energyWh: 9000 });
  });

  it('interpolates energy between samples in whole Wh, the parts adding up to the total', () => {
    // Samples only at plug-in (0 Wh) and plug-out (7,001 Wh), one hour apart; the boundary is half-way.
    // Delivered by the boundary: floor(7,001 * 30 / 60) = floor(3,500.5) = 3,500 Wh; after it 7,001 - 3,500 = 3,501.
    // Off-peak 3,500 Wh * 0.30 = 1.05 EUR = 105 ct; peak 3,501 Wh * 0.50 = 1.7505 EUR -> 175 ct.
    const breakdown = price(peak(0), [at(16, 30), 0], [at(17, 30), 7001]);
    expect(lines(breakdown)).toEqual([
      [1, 3500, 105, at(16, 30), at(17, 0)],
      [0, 3501, 175, at(17, 0), at(17, 30)],
    ]);
    expect(breakdown).toMatchObject({ totalNet: 280, energyWh: 7001 });
  });

  describe('a night window from 22:00 to 06:00 (0.20 EUR/kWh, else 0.40)', () => {
    const night = aTariff([energyElement(200_000, { startTime: '22:00', endTime: '06:00' }), energyElement(400_000)]);

    it('applies from 22:00 in the evening', () => {
      // 21:00-22:00: 7,000 Wh * 0.40 = 280 ct; 22:00-23:00: 4,000 Wh * 0.20 = 80 ct.
      const breakdown = price(night, [at(21, 0), 0], [at(22, 0), 7000], [at(23, 0), 11_000]);
      expect(lines(breakdown)).toEqual([
        [1, 7000, 280, at(21, 0), at(22, 0)],
        [0, 4000, 80, at(22, 0), at(23, 0)],
      ]);
    });

    it('ends at 06:00 in the morning', () => {
      // 05:00-06:00: 3,000 Wh * 0.20 = 60 ct; 06:00-07:00: 2,000 Wh * 0.40 = 80 ct.
      const breakdown = price(night, [at(5, 0), 0], [at(6, 0), 3000], [at(7, 0), 5000]);
      expect(lines(breakdown)).toEqual([
        [0, 3000, 60, at(5, 0), at(6, 0)],
        [1, 2000, 80, at(6, 0), at(7, 0)],
      ]);
    });

    it('covers midnight without splitting the line there', () => {
      // 23:00-01:00, all inside the window: 10,000 Wh * 0.20 = 200 ct, one line.
      const breakdown = price(night, [at(23, 0), 0], [at(25, 0), 10_000]);
      expect(lines(breakdown)).toEqual([[0, 10_000, 200, at(23, 0), at(25, 0)]]);
    });
  });

  describe('a weekend price (0.20 EUR/kWh on Saturday and Sunday, else 0.35)', () => {
    const elements = [energyElement(200_000, { dayOfWeek: ['SATURDAY', 'SUNDAY'] }), energyElement(350_000)];

    it('changes price at midnight from Sunday to Monday', () => {
      // Sunday 2024-01-21 23:00 UTC to Monday 01:00. Sunday: 6,000 Wh * 0.20 = 120 ct; Monday: 4,000 * 0.35 = 140 ct.
      const sunday23 = Date.UTC(2024, 0, 21, 23, 0);
      const breakdown = price(aTariff(elements), [sunday23, 0], [sunday23 + HOUR, 6000], [sunday23 + 2 * HOUR, 10_000]);
      expect(lines(breakdown)).toEqual([
        [0, 6000, 120, sunday23, sunday23 + HOUR],
        [1, 4000, 140, sunday23 + HOUR, sunday23 + 2 * HOUR],
      ]);
      expect(breakdown.totalNet).toBe(260);
    });

    it('decides the day in local time', () => {
      // At UTC+2, local Sunday 23:00 to Monday 01:00 is 21:00-23:00 UTC on Sunday; the local midnight is 22:00 UTC.
      const sunday21 = Date.UTC(2024, 0, 21, 21, 0);
      const tariff = aTariff(elements, { utcOffsetMinutes: 120 });
      const breakdown = price(tariff, [sunday21, 0], [sunday21 + HOUR, 6000], [sunday21 + 2 * HOUR, 10_000]);
      expect(lines(breakdown)).toEqual([
        [0, 6000, 120, sunday21, sunday21 + HOUR],
        [1, 4000, 140, sunday21 + HOUR, sunday21 + 2 * HOUR],
      ]);
    });
  });

  it('applies a date range with an exclusive end date', () => {
    // 0.10 EUR/kWh on 2024-01-15 only, else 0.30. Session 2024-01-15 23:30 to 00:30 UTC, 0 -> 2,000 Wh linearly:
    // by midnight floor(2,000 * 30 / 60) = 1,000 Wh. 1,000 * 0.10 = 10 ct; 1,000 * 0.30 = 30 ct.
    const tariff = aTariff([
      energyElement(100_000, { startDate: '2024-01-15', endDate: '2024-01-16' }),
      energyElement(300_000),
    ]);
    const breakdown = price(tariff, [at(23, 30), 0], [at(24, 30), 2000]);
    expect(lines(breakdown)).toEqual([
      [0, 1000, 10, at(23, 30), at(24, 0)],
      [1, 1000, 30, at(24, 0), at(24, 30)],
    ]);
  });
});
