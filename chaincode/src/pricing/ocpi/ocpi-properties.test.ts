import { anOcpiTariff, localTime, MIN, priced } from '../../testing/ocpi';
import { priceSession, type MeterSample, type OcpiPricedTariff, type PricingInput } from '../index';

/** mulberry32: a small seeded generator, so every run draws the same cases and a failure names its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Draw = () => number;
const int = (draw: Draw, min: number, max: number): number => min + Math.floor(draw() * (max - min + 1));
const pick = <T>(draw: Draw, values: readonly T[]): T => values[int(draw, 0, values.length - 1)] as T;
const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const days = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

function aRandomTariff(draw: Draw, stepped: boolean): OcpiPricedTariff {
  const elements = Array.from({ length: int(draw, 1, 5) }, () => {
    const types = ['FLAT', 'ENERGY', 'TIME', 'PARKING_TIME'].filter(() => draw() < 0.5);
    const price_components = (types.length > 0 ? types : ['ENERGY']).map((type) => ({
      type,
      price: int(draw, 0, 100) / 100,
      ...(draw() < 0.3 ? {} : { vat: pick(draw, [0, 7, 19, 20.5]) }),
      step_size: !stepped ? pick(draw, [0, 1]) : type === 'ENERGY' ? pick(draw, [1, 100, 500]) : pick(draw, [1, 60, 300, 900]),
    }));
    const restrictions: Record<string, unknown> = {};
    if (draw() < 0.4) restrictions['start_time'] = hhmm(int(draw, 0, 95) * 15);
    if (draw() < 0.4) restrictions['end_time'] = hhmm(int(draw, 0, 95) * 15);
    if (draw() < 0.3) restrictions['day_of_week'] = days.filter(() => draw() < 0.5);
    if (draw() < 0.2) restrictions['min_kwh'] = int(draw, 0, 20) / 2;
    if (draw() < 0.2) restrictions['max_kwh'] = int(draw, 1, 40) / 2;
    if (draw() < 0.2) restrictions['min_duration'] = int(draw, 0, 12) * 600;
    if (draw() < 0.2) restrictions['max_duration'] = int(draw, 1, 24) * 600;
    if (draw() < 0.2) restrictions['min_power'] = int(draw, 0, 22);
    if (draw() < 0.2) restrictions['max_power'] = int(draw, 1, 22);
    return Object.keys(restrictions).length === 0 ? { price_components } : { price_components, restrictions };
  });
  const limits = draw() < 0.2 ? { min_price: { excl_vat: int(draw, 0, 300) / 100 } } : draw() < 0.2 ? { max_price: { excl_vat: int(draw, 100, 3000) / 100 } } : {};
  return priced(anOcpiTariff(elements, limits), pick(draw, ['Europe/Berlin', 'America/New_York']));
}

/** Charging in segments of whole minutes at a whole number of Wh a minute, so the curve is exact at every minute. */
interface Shape {
  readonly startMs: number;
  readonly segments: readonly { readonly minutes: number; readonly whPerMinute: number }[];
  readonly parkingMinutes: number;
}

function aRandomShape(draw: Draw): Shape {
  // Any day of 2025, at any minute, in the days around the changes of clock included.
  const startMs = localTime('2025-01-01T00:00') + int(draw, 0, 364 * 1440) * MIN;
  const segments = Array.from({ length: int(draw, 1, 4) }, () => ({ minutes: int(draw, 1, 180), whPerMinute: int(draw, 0, 400) }));
  return { startMs, segments, parkingMinutes: draw() < 0.5 ? 0 : int(draw, 1, 120) };
}

function sessionOf(shape: Shape, extraMinute?: number): PricingInput {
  const samples: MeterSample[] = [{ timestampMs: shape.startMs, registerWh: 0 }];
  let t = shape.startMs;
  let wh = 0;
  for (const { minutes, whPerMinute } of shape.segments) {
    for (let m = 1; m <= minutes; m += 1) {
      t += MIN;
      wh += whPerMinute;
      if (m === minutes || t === extraMinute) samples.push({ timestampMs: t, registerWh: wh });
    }
  }
  const chargingEndMs = t;
  for (let m = 1; m <= shape.parkingMinutes; m += 1) {
    t += MIN;
    if (m === shape.parkingMinutes || t === extraMinute) samples.push({ timestampMs: t, registerWh: wh });
  }
  return { startMs: shape.startMs, endMs: t, chargingEndMs, samples };
}

const minutesOf = (shape: Shape): number => shape.segments.reduce((sum, s) => sum + s.minutes, 0) + shape.parkingMinutes;

describe('properties of pricing rules 2 (seeded random tariffs and sessions)', () => {
  it.each(Array.from({ length: 300 }, (_, i) => 1000 + i))('a meter sample on the curve at any extra instant never changes the price (seed %i)', (seed) => {
    const draw = random(seed);
    const tariff = aRandomTariff(draw, true);
    const shape = aRandomShape(draw);
    const extra = shape.startMs + int(draw, 1, minutesOf(shape) - 1 || 1) * MIN;
    const plain = priceSession(tariff, sessionOf(shape));
    const split = priceSession(tariff, sessionOf(shape, extra));
    expect(split).toEqual(plain);
  });

  it.each(Array.from({ length: 300 }, (_, i) => 5000 + i))('more energy and time at the end never lower the price of a non-negative tariff billed per unit (seed %i)', (seed) => {
    const draw = random(seed);
    const tariff = aRandomTariff(draw, false);
    const shape = aRandomShape(draw);
    const longer: Shape = draw() < 0.5 || shape.parkingMinutes === 0
      ? { ...shape, segments: [...shape.segments, { minutes: int(draw, 1, 120), whPerMinute: int(draw, 0, 400) }], parkingMinutes: 0 }
      : { ...shape, parkingMinutes: shape.parkingMinutes + int(draw, 1, 120) };
    const base: Shape = longer.parkingMinutes === 0 ? { ...shape, parkingMinutes: 0 } : shape;
    expect(priceSession(tariff, sessionOf(longer)).total).toBeGreaterThanOrEqual(priceSession(tariff, sessionOf(base)).total);
  });
});
