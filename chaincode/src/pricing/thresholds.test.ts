import { type PriceBreakdown, type PricingInput, priceSession, type Tariff, validateTariff } from './index';

const SEC = 1000;
const MIN = 60 * SEC;
/** Monday 2024-01-15 10:00 UTC. */
const T10 = Date.UTC(2024, 0, 15, 10, 0);

function aTariff(elements: unknown[]): Tariff {
  return validateTariff({ id: 'THR-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements });
}

function element(type: string, priceMicro: number, stepSize: number, restrictions?: Record<string, unknown>): unknown {
  const priceComponents = [{ type, priceMicro, stepSize }];
  return restrictions === undefined ? { priceComponents } : { priceComponents, restrictions };
}

/** A session from T10 whose samples are [ms after T10, register Wh]; it ends at the last sample unless told. */
function session(points: [number, number][], extra: Partial<PricingInput> = {}): PricingInput {
  const samples = points.map(([offsetMs, registerWh]) => ({ timestampMs: T10 + offsetMs, registerWh }));
  return { startMs: T10, endMs: samples[samples.length - 1]!.timestampMs, samples, ...extra };
}

function lines(breakdown: PriceBreakdown): [string, number, number, number, number, number][] {
  return breakdown.lineItems.map((l) => [
    l.component, l.elementIndex, l.quantity, l.net, l.periodStartMs - T10, l.periodEndMs - T10,
  ]);
}

describe('restrictions on energy, duration and power', () => {
  it('gives the first kWh free and charges the rest (OCPI min_kwh / max_kwh)', () => {
    // 20,000 Wh evenly over an hour. 1,000 Wh are reached at ceil(1,000 * 3,600,000 / 20,000) = 180,000 ms (10:03).
    // 1,000 Wh free; 19,000 Wh * 0.20 EUR/kWh = 3.80 EUR.
    const tariff = aTariff([
      element('ENERGY', 0, 1, { maxEnergyWh: 1000 }),
      element('ENERGY', 200_000, 1, { minEnergyWh: 1000 }),
    ]);
    const breakdown = priceSession(tariff, session([[0, 0], [60 * MIN, 20_000]]));
    expect(lines(breakdown)).toEqual([
      ['ENERGY', 0, 1000, 0, 0, 3 * MIN],
      ['ENERGY', 1, 19_000, 380, 3 * MIN, 60 * MIN],
    ]);
    expect(breakdown.total).toBe(380);
  });

  it('prices by session duration (OCPI max_duration example)', () => {
    // Free for the first 30 min, 0.25 EUR/kWh until 60 min, 0.40 after. A 40 min session: 5,000 Wh in the first
    // 30 min (free), 1,200 Wh in the last 10 min at 0.25 = 0.30 EUR.
    const tariff = aTariff([
      element('ENERGY', 0, 1, { maxDurationS: 1800 }),
      element('ENERGY', 250_000, 1, { maxDurationS: 3600 }),
      element('ENERGY', 400_000, 1),
    ]);
    const breakdown = priceSession(tariff, session([[0, 0], [30 * MIN, 5000], [40 * MIN, 6200]]));
    expect(lines(breakdown)).toEqual([
      ['ENERGY', 0, 5000, 0, 0, 30 * MIN],
      ['ENERGY', 1, 1200, 30, 30 * MIN, 40 * MIN],
    ]);
    expect(breakdown.total).toBe(30);
  });

  it('prices by charging power (OCPI max_power example)', () => {
    // Below 16 kW 0.20 EUR/kWh, 16-32 kW 0.35, above 0.50. 1,000 Wh in 10 min (6 kW): 0.20 EUR;
    // 40,000 Wh in 50 min (48 kW): 20.00 EUR; 500 Wh in 7.5 min (4 kW): 0.10 EUR. Total 20.30 EUR.
    const tariff = aTariff([
      element('ENERGY', 200_000, 1, { maxPowerW: 16_000 }),
      element('ENERGY', 350_000, 1, { minPowerW: 16_000, maxPowerW: 32_000 }),
      element('ENERGY', 500_000, 1),
    ]);
    const input = session([[0, 0], [10 * MIN, 1000], [60 * MIN, 41_000], [67.5 * MIN, 41_500]]);
    const breakdown = priceSession(tariff, input);
    expect(lines(breakdown)).toEqual([
      ['ENERGY', 0, 1000, 20, 0, 10 * MIN],
      ['ENERGY', 2, 40_000, 2000, 10 * MIN, 60 * MIN],
      ['ENERGY', 0, 500, 10, 60 * MIN, 67.5 * MIN],
    ]);
    expect(breakdown.total).toBe(2030);
  });
});

describe('step size across elements', () => {
  it('rounds only the last element, over the whole charging time (OCPI step_size example #2)', () => {
    // 1.20 EUR/h in 30 min steps before 17:00, 2.40 EUR/h in 15 min steps after. Charging 16:35-17:10.
    // Before: 25 min = 1,500 s, not rounded: 1,500 s * 1.20/h = 0.50 EUR.
    // Total 35 min rounded to the last step (15 min): 45 min; 45 - 25 = 20 min = 1,200 s * 2.40/h = 0.80 EUR.
    const tariff = aTariff([
      element('TIME', 1_200_000, 1800, { endTime: '17:00' }),
      element('TIME', 2_400_000, 900, { startTime: '17:00' }),
    ]);
    const start = Date.UTC(2024, 0, 15, 16, 35);
    const samples = [
      { timestampMs: start, registerWh: 0 },
      { timestampMs: start + 35 * MIN, registerWh: 5000 },
    ];
    const breakdown = priceSession(tariff, { startMs: start, endMs: start + 35 * MIN, samples });
    expect(breakdown.lineItems.map((l) => [l.elementIndex, l.quantity, l.net])).toEqual([
      [0, 1500, 50],
      [1, 1200, 80],
    ]);
    expect(breakdown.total).toBe(130);
  });

  it('rounds the last paid block when the dimension becomes free', () => {
    // Parking costs 1.00 EUR/h in 15 min steps until 20:00 and nothing after. Plugged in 19:40, charging until
    // 19:52, unplugged 20:10: 8 min of paid parking rounds up to 15 min = 900 s * 1.00/h = 0.25 EUR.
    const tariff = aTariff([
      element('PARKING_TIME', 1_000_000, 900, { endTime: '20:00' }),
      element('FLAT', 0, 1),
    ]);
    const start = Date.UTC(2024, 0, 15, 19, 40);
    const breakdown = priceSession(tariff, {
      startMs: start,
      endMs: start + 30 * MIN,
      chargingEndMs: start + 12 * MIN,
      samples: [
        { timestampMs: start, registerWh: 0 },
        { timestampMs: start + 12 * MIN, registerWh: 2000 },
      ],
    });
    expect(breakdown.lineItems.map((l) => [l.component, l.quantity, l.net])).toEqual([
      ['FLAT', 1, 0],
      ['PARKING_TIME', 900, 25],
    ]);
  });

  it('carries fractions of a second from an element switch into the next line', () => {
    // 1.00 EUR/h below 50 kW, 2.00 EUR/h above, 1 s steps. 100 Wh in the first 30.5 s (11.8 kW), then 1,000 Wh in
    // 29.5 s (122 kW), so the price changes at 30.5 s. First line: 30.5 s floored to 30 s (0.0083 EUR -> 1 ct), the
    // half second carried. Last line: ceil(60 s) - 30 s = 30 s at 2.00/h (0.0167 EUR -> 2 ct). 60 s billed in all.
    const tariff = aTariff([
      element('TIME', 1_000_000, 1, { maxPowerW: 50_000 }),
      element('TIME', 2_000_000, 1),
    ]);
    const breakdown = priceSession(tariff, session([[0, 0], [30.5 * SEC, 100], [60 * SEC, 1100]]));
    expect(breakdown.lineItems.map((l) => [l.elementIndex, l.quantity, l.net, l.periodEndMs - T10])).toEqual([
      [0, 30, 1, 30.5 * SEC],
      [1, 30, 2, 60 * SEC],
    ]);
  });
});
