import { aSession, anOcpiTariff, HOUR, localTime, MIN, priced } from '../../testing/ocpi';
import { PricingError, priceSession, TariffError, type PriceBreakdown } from '../index';

const time = (price: number, step_size = 1, vat?: number): Record<string, unknown> => ({ type: 'TIME', price, ...(vat === undefined ? {} : { vat }), step_size });
const element = (price_components: unknown[], restrictions?: Record<string, unknown>): Record<string, unknown> =>
  restrictions === undefined ? { price_components } : { price_components, restrictions };
const minutesBilled = (breakdown: PriceBreakdown): number[] => breakdown.lineItems.map((l) => l.quantity / 60);

// Each case of issue 24 gives what pricing rules 2 charge, and what the first rules charged for the same tariff.
describe('pricing rules 2 on the points of issue 24', () => {
  it('1. cuts at local midnight where a window has only end_time: 22:00-02:00 is 2 h at day rate and 2 h at night rate', () => {
    // Night 4.00/h until 06:00 (from midnight), day 2.00/h. The first rules priced all four hours by the 22:00 state: 8.00.
    const tariff = priced(anOcpiTariff([element([time(4.0)], { end_time: '06:00' }), element([time(2.0)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T22:00'), chargingMs: 4 * HOUR, energyWh: 20_000 }));
    expect(breakdown.lineItems.map((l) => [l.elementIndex, l.quantity / 3600, l.net])).toEqual([[1, 2, 400], [0, 2, 800]]);
    expect(breakdown.total).toBe(1200);
  });

  it('1. and likewise where a window has only start_time: it closes at midnight', () => {
    const tariff = priced(anOcpiTariff([element([time(4.0)], { start_time: '22:00' }), element([time(2.0)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T21:00'), chargingMs: 4 * HOUR, energyWh: 20_000 }));
    expect(breakdown.lineItems.map((l) => [l.elementIndex, l.quantity / 3600])).toEqual([[1, 1], [0, 2], [1, 1]]);
  });

  it('3. rounds only the parking total when parking is priced: 21 min charging + 16 parked bill 21 + 20, not 30 + 20', () => {
    const tariff = priced(anOcpiTariff([element([time(1.0, 600), { type: 'PARKING_TIME', price: 2.0, step_size: 600 }])]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T10:00'), chargingMs: 21 * MIN, parkingMs: 16 * MIN, energyWh: 1_000 }));
    expect(minutesBilled(breakdown)).toEqual([21, 20]);
    expect(breakdown.total).toBe(102); // the first rules: 1.17
  });

  it('4. rounds once per session across an unpriced stretch: 7 + 8 priced minutes bill 15, not 15 + 15', () => {
    // TIME is priced only 08:00-09:00 and 10:00-11:00, per 15 min; the session runs 08:53-10:08.
    const tariff = priced(anOcpiTariff([element([time(1.0, 900)], { start_time: '08:00', end_time: '09:00' }), element([time(1.0, 900)], { start_time: '10:00', end_time: '11:00' })]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T08:53'), chargingMs: 75 * MIN, energyWh: 10_000 }));
    expect(minutesBilled(breakdown)).toEqual([7, 8]);
    expect(breakdown.total).toBe(25); // the first rules: 0.50
  });

  it('5. min_price and max_price bound the price excl. and incl. VAT', () => {
    const energy = element([{ type: 'ENERGY', price: 0.5, vat: 19.0, step_size: 1 }]);
    const tariff = priced(anOcpiTariff([energy], { min_price: { excl_vat: 1.0, incl_vat: 1.19 }, max_price: { excl_vat: 10.0 } }));
    const session = (energyWh: number) => aSession({ startMs: localTime('2025-06-02T10:00'), chargingMs: HOUR, energyWh });
    expect(priceSession(tariff, session(1_000))).toMatchObject({ totalNet: 100, total: 119, priceLimit: { net: 50, vat: 9 } });
    // max_price names no incl_vat: the net is capped, the lines' VAT stays.
    expect(priceSession(tariff, session(30_000))).toMatchObject({ totalNet: 1000, totalVat: 285, total: 1285, priceLimit: { net: -500, vat: 0 } });
    expect(priceSession(tariff, session(10_000)).priceLimit).toBeUndefined();
  });

  it('6. charges a FLAT fee whose element applies only later in the session, once', () => {
    // A night start fee from 22:00 and a weekend one: a session from 21:00 to 23:00 on a Saturday pays the first to apply.
    const tariff = priced(anOcpiTariff([
      element([{ type: 'FLAT', price: 1.0, step_size: 1 }], { start_time: '22:00', end_time: '06:00' }),
      element([{ type: 'FLAT', price: 3.0, step_size: 1 }], { start_time: '22:30', end_time: '06:00' }),
      element([time(0)]),
    ]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-07T21:00'), chargingMs: 2 * HOUR, energyWh: 5_000 }));
    expect(breakdown.lineItems.filter((l) => l.component === 'FLAT')).toMatchObject([{ elementIndex: 0, net: 100, periodStartMs: localTime('2025-06-07T22:00') }]);
    const early = priceSession(tariff, aSession({ startMs: localTime('2025-06-07T19:00'), chargingMs: HOUR, energyWh: 5_000 }));
    expect(early.lineItems.filter((l) => l.component === 'FLAT')).toEqual([]);
  });

  it('tells VAT omitted from VAT at 0 %', () => {
    const tariff = priced(anOcpiTariff([element([{ type: 'FLAT', price: 1.0, step_size: 1 }, { type: 'ENERGY', price: 0.3, vat: 0.0, step_size: 1 }])]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T10:00'), chargingMs: HOUR, energyWh: 10_000 }));
    expect(breakdown.lineItems.map((l) => [l.component, l.vatBasisPoints])).toEqual([['FLAT', undefined], ['ENERGY', 0]]);
    expect(breakdown.vatSubtotals).toEqual([{ vatBasisPoints: 0, net: 300, vat: 0 }]);
    expect(breakdown.total).toBe(400);
  });

  it('reads start_time equal to end_time as the whole day, and an empty day_of_week as every day', () => {
    const tariff = priced(anOcpiTariff([element([time(3.0)], { start_time: '08:00', end_time: '08:00', day_of_week: [] }), element([time(1.0)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: localTime('2025-06-02T06:00'), chargingMs: 4 * HOUR, energyWh: 1_000 }));
    expect(breakdown.lineItems.map((l) => l.elementIndex)).toEqual([0]);
  });

  it('takes the charger\'s reported power over the average between samples', () => {
    const tariff = priced(anOcpiTariff([element([{ type: 'ENERGY', price: 0.2, step_size: 1 }], { max_power: 16.0 }), element([{ type: 'ENERGY', price: 0.5, step_size: 1 }])]));
    const startMs = localTime('2025-06-02T10:00');
    // 22 kWh in one hour averages 22 kW; the charger says it drew 11 kW at the start (the rest came in a burst).
    const samples = [{ timestampMs: startMs, registerWh: 0, powerW: 11_000 }, { timestampMs: startMs + HOUR, registerWh: 22_000 }];
    expect(priceSession(tariff, { startMs, endMs: startMs + HOUR, samples }).totalNet).toBe(440);
    const averaged = samples.map(({ timestampMs, registerWh }) => ({ timestampMs, registerWh }));
    expect(priceSession(tariff, { startMs, endMs: startMs + HOUR, samples: averaged }).totalNet).toBe(1100);
  });

  it('refuses a session under a current restriction whose samples report no current', () => {
    const tariff = priced(anOcpiTariff([element([time(1.0)], { max_current: 16.0 })]));
    expect(() => priceSession(tariff, aSession({ startMs: localTime('2025-06-02T10:00'), chargingMs: HOUR, energyWh: 1_000 }))).toThrow(expect.objectContaining({ name: 'PricingError', code: 'COVERAGE', path: 'samples[0].currentMilliA' }));
  });

  it('prices a session only within the tariff\'s start_date_time and end_date_time', () => {
    const tariff = priced(anOcpiTariff([element([time(1.0)])], { start_date_time: '2025-06-01T00:00:00Z', end_date_time: '2025-07-01T00:00:00Z' }));
    const at = (text: string) => aSession({ startMs: localTime(text), chargingMs: HOUR, energyWh: 1_000 });
    expect(priceSession(tariff, at('2025-06-15T10:00')).total).toBe(100);
    expect(() => priceSession(tariff, at('2025-05-31T10:00'))).toThrow(PricingError);
    expect(() => priceSession(tariff, at('2025-07-01T10:00'))).toThrow(expect.objectContaining({ code: 'NOT_IN_FORCE' }));
  });
});

describe('daylight-saving nights', () => {
  // Night 4.00/h from 22:00 to 06:00 local, day 2.00/h, billed per second.
  const nightTariff = (timeZone: string) => priced(anOcpiTariff([element([time(4.0)], { start_time: '22:00', end_time: '06:00' }), element([time(2.0)])]), timeZone);
  const hours = (breakdown: PriceBreakdown): [number, number][] => breakdown.lineItems.map((l) => [l.elementIndex, l.quantity / 3600]);

  it.each([
    // [zone, evening, morning, real hours, night hours]
    ['Europe/Berlin', '2025-10-25T21:00', '2025-10-26T07:00', 11, 9],
    ['Europe/Berlin', '2025-03-29T21:00', '2025-03-30T07:00', 9, 7],
    ['America/New_York', '2025-11-01T21:00', '2025-11-02T07:00', 11, 9],
    ['America/New_York', '2025-03-08T21:00', '2025-03-09T07:00', 9, 7],
  ])('%s, %s to %s: %i hours, %i of them at night', (zone, evening, morning, real, night) => {
    const startMs = localTime(evening, zone);
    const endMs = localTime(morning, zone);
    expect(endMs - startMs).toBe(real * HOUR);
    const breakdown = priceSession(nightTariff(zone), aSession({ startMs, chargingMs: endMs - startMs, energyWh: 30_000 }));
    expect(hours(breakdown)).toEqual([[1, 1], [0, night], [1, 1]]);
    expect(breakdown.total).toBe(night * 400 + 2 * 200);
  });

  it('Europe/Berlin, October: restrictions read the wall clock, so in the repeated hour a window closes and opens again', () => {
    // 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET); from 01:00 UTC the clock shows 02:00 again.
    const tariff = priced(anOcpiTariff([element([time(4.0)], { start_time: '02:30', end_time: '05:00' }), element([time(2.0)])]));
    const startMs = Date.UTC(2025, 9, 25, 23, 0);
    const breakdown = priceSession(tariff, aSession({ startMs, chargingMs: 4 * HOUR, energyWh: 10_000 }));
    expect(breakdown.lineItems.map((l) => [l.elementIndex, l.periodStartMs - startMs])).toEqual([[1, 0], [0, 1.5 * HOUR], [1, 2 * HOUR], [0, 2.5 * HOUR]]);
  });

  it('America/New_York, March: a window starting at 02:30, which the clock skips, opens at 03:00 EDT', () => {
    const tariff = priced(anOcpiTariff([element([time(4.0)], { start_time: '02:30', end_time: '05:00' }), element([time(2.0)])]), 'America/New_York');
    const startMs = localTime('2025-03-09T01:00', 'America/New_York');
    const breakdown = priceSession(tariff, aSession({ startMs, chargingMs: 3 * HOUR, energyWh: 10_000 }));
    expect(breakdown.lineItems.map((l) => [l.elementIndex, (l.periodEndMs - l.periodStartMs) / HOUR])).toEqual([[1, 1], [0, 2]]);
  });

  it('a fixed window on a day of the week follows the local date across the change', () => {
    const tariff = priced(anOcpiTariff([element([time(4.0)], { day_of_week: ['SUNDAY'] }), element([time(2.0)])]));
    const startMs = localTime('2025-10-25T23:00');
    const breakdown = priceSession(tariff, aSession({ startMs, chargingMs: 3 * HOUR, energyWh: 10_000 }));
    expect(hours(breakdown)).toEqual([[1, 1], [0, 2]]);
  });
});

describe('OCPI tariffs refused', () => {
  const tariff = anOcpiTariff([element([time(1.0)])]);
  const refusal = (input: unknown, timeZone: unknown = 'Europe/Berlin') => {
    try {
      priced(input, timeZone as string);
    } catch (error) {
      if (error instanceof TariffError) return { code: error.code, path: error.path };
      throw error;
    }
    return undefined;
  };

  it('accepts the tariff and names OCPI\'s fields in every refusal', () => {
    expect(refusal(tariff)).toBeUndefined();
    expect(refusal({ ...tariff, utcOffsetMinutes: 60 })).toEqual({ code: 'UNKNOWN_FIELD', path: 'utcOffsetMinutes' });
    expect(refusal({ ...tariff, last_updated: undefined })).toEqual({ code: 'REQUIRED', path: 'last_updated' });
    expect(refusal(anOcpiTariff([element([{ type: 'TIME', price: 1.0000001, step_size: 1 }])]))).toEqual({ code: 'FORMAT', path: 'elements[0].price_components[0].price' });
    expect(refusal(anOcpiTariff([element([{ type: 'TIME', price: 1, vat: 101, step_size: 1 }])]))).toEqual({ code: 'RANGE', path: 'elements[0].price_components[0].vat' });
    expect(refusal(anOcpiTariff([element([time(1)], { min_kwh: 0.0005 })]))).toEqual({ code: 'FORMAT', path: 'elements[0].restrictions.min_kwh' });
    expect(refusal(anOcpiTariff([element([{ type: 'ENERGY', price: 1, step_size: 1 }], { reservation: 'RESERVATION' })]))).toEqual({ code: 'ENUM', path: 'elements[0].price_components[0].type' });
    expect(refusal({ ...tariff, min_price: { excl_vat: 2 }, max_price: { excl_vat: 1 } })).toEqual({ code: 'RANGE', path: 'max_price.excl_vat' });
    expect(refusal({ ...tariff, min_price: { excl_vat: 0.505 } })).toEqual({ code: 'FORMAT', path: 'min_price.excl_vat' });
  });

  it('refuses a time zone the pinned tz database does not know', () => {
    expect(refusal(tariff, 'Europe/Atlantis')).toEqual({ code: 'ENUM', path: 'timeZone' });
    expect(refusal(tariff, 60)).toEqual({ code: 'TYPE', path: 'timeZone' });
  });
});
