import { type MeterSample, priceSession, type Tariff, validateTariff } from './index';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 2024-01-15 10:00 UTC. */
const T10 = Date.UTC(2024, 0, 15, 10, 0);

function aTariff(elements: unknown[], fields: Record<string, unknown> = {}): Tariff {
  const defaults = { id: 'TEST-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0 };
  return validateTariff({ ...defaults, elements, ...fields });
}

/** Samples from [offset from T10 in ms, register Wh] pairs. */
function samples(...points: [number, number][]): MeterSample[] {
  return points.map(([offsetMs, registerWh]) => ({ timestampMs: T10 + offsetMs, registerWh }));
}

describe('priceSession', () => {
  it('prices a start fee plus energy, each at its own VAT rate (OCPI "0.25 per kWh + start fee")', () => {
    const tariff = aTariff([
      {
        priceComponents: [
          { type: 'FLAT', priceMicro: 500_000, stepSize: 1, vatBasisPoints: 2000 },
          { type: 'ENERGY', priceMicro: 250_000, stepSize: 1, vatBasisPoints: 1000 },
        ],
      },
    ]);
    // 21,000 - 1,000 = 20,000 Wh. ENERGY: 20,000 Wh * 0.25 EUR/kWh = 5.00 EUR = 500 ct; VAT 10 % = 50 ct.
    // FLAT: 0.50 EUR = 50 ct; VAT 20 % = 10 ct. Net 550, VAT 60, total 610 (OCPI says 5.50 / 6.10 EUR).
    const input = { startMs: T10, endMs: T10 + HOUR, samples: samples([0, 1000], [HOUR, 21_000]) };
    const price = priceSession(tariff, input);
    expect(price.lineItems).toEqual([
      {
        component: 'FLAT', elementIndex: 0, quantity: 1, unit: 'session', unitPriceMicro: 500_000,
        vatBasisPoints: 2000, net: 50, vat: 10, periodStartMs: T10, periodEndMs: T10 + HOUR,
      },
      {
        component: 'ENERGY', elementIndex: 0, quantity: 20_000, unit: 'Wh', unitPriceMicro: 250_000,
        vatBasisPoints: 1000, net: 500, vat: 50, periodStartMs: T10, periodEndMs: T10 + HOUR,
      },
    ]);
    expect(price.vatSubtotals).toEqual([
      { vatBasisPoints: 1000, net: 500, vat: 50 },
      { vatBasisPoints: 2000, net: 50, vat: 10 },
    ]);
    expect(price).toMatchObject({ currency: 'EUR', minorUnitDigits: 2, tariffId: 'TEST-1', tariffVersion: 1 });
    expect(price).toMatchObject({ totalNet: 550, totalVat: 60, total: 610, energyWh: 20_000 });
  });

  it('bills energy in whole steps, rounding the quantity up', () => {
    const tariff = aTariff([{ priceComponents: [{ type: 'ENERGY', priceMicro: 300_000, stepSize: 500 }] }]);
    // 12,340 Wh in 500 Wh steps: ceil(12,340 / 500) = 25 steps = 12,500 Wh; 12,500 * 0.30 EUR/kWh = 3.75 EUR.
    const price = priceSession(tariff, { startMs: T10, endMs: T10 + HOUR, samples: samples([0, 0], [HOUR, 12_340]) });
    expect(price.lineItems).toMatchObject([{ component: 'ENERGY', quantity: 12_500, net: 375 }]);
    expect(price).toMatchObject({ totalNet: 375, total: 375, energyWh: 12_340 });
  });

  it('bills charging time per hour in steps of the component', () => {
    const tariff = aTariff([{ priceComponents: [{ type: 'TIME', priceMicro: 2_000_000, stepSize: 60 }] }], {
      vatBasisPoints: 1000,
    });
    // 1 h 30 min 20 s = 5,420 s, in 60 s steps: 91 min = 5,460 s.
    // 5,460 s * 2.00 EUR/h = 3.0333 EUR -> 303 ct. VAT 10 % of 303 = 30.3 -> 30 ct. Total 333.
    const endMs = T10 + 5420 * 1000;
    const price = priceSession(tariff, { startMs: T10, endMs, samples: samples([0, 0], [5420 * 1000, 9000]) });
    expect(price.lineItems).toMatchObject([{ component: 'TIME', quantity: 5460, unit: 's', net: 303, vat: 30 }]);
    expect(price).toMatchObject({ totalNet: 303, totalVat: 30, total: 333 });
  });

  it('bills parking time after charging ends (OCPI "3 euro per hour, 5 euro per hour parking")', () => {
    const tariff = aTariff([
      {
        priceComponents: [
          { type: 'TIME', priceMicro: 3_000_000, stepSize: 60, vatBasisPoints: 1000 },
          { type: 'PARKING_TIME', priceMicro: 5_000_000, stepSize: 300, vatBasisPoints: 2000 },
        ],
      },
    ]);
    // Charging 10:00-12:30 = 9,000 s -> 2.5 h * 3.00 = 7.50 EUR, VAT 10 % = 0.75.
    // Parking 12:30-13:12 = 42 min, in 5 min steps 45 min = 2,700 s -> 0.75 h * 5.00 = 3.75 EUR, VAT 20 % = 0.75.
    // Net 11.25, VAT 1.50, total 12.75 EUR, as in the OCPI example.
    const chargingEndMs = T10 + 150 * MIN;
    const endMs = T10 + 192 * MIN;
    const expected = {
      lineItems: [
        { component: 'TIME', quantity: 9000, net: 750, vat: 75, periodStartMs: T10, periodEndMs: chargingEndMs },
        {
          component: 'PARKING_TIME', quantity: 2700, net: 375, vat: 75,
          periodStartMs: chargingEndMs, periodEndMs: endMs,
        },
      ],
      totalNet: 1125,
      totalVat: 150,
      total: 1275,
      energyWh: 30_000,
    };
    const sampledAtChargingEnd = samples([0, 0], [150 * MIN, 30_000], [192 * MIN, 30_000]);
    const sampled = { startMs: T10, endMs, chargingEndMs, samples: sampledAtChargingEnd };
    expect(priceSession(tariff, sampled)).toMatchObject(expected);
    // Without a sample at chargingEndMs, all energy of the interval around it counts as delivered before it.
    const sampledAtEndsOnly = samples([0, 0], [192 * MIN, 30_000]);
    const unsampled = { startMs: T10, endMs, chargingEndMs, samples: sampledAtEndsOnly };
    expect(priceSession(tariff, unsampled)).toMatchObject(expected);
  });

  it('computes VAT once per rate on the rounded line nets, then shares it over the lines', () => {
    const tariff = aTariff(
      [
        {
          priceComponents: [
            { type: 'FLAT', priceMicro: 130_000, stepSize: 1 },
            { type: 'ENERGY', priceMicro: 130_000, stepSize: 1 },
            { type: 'TIME', priceMicro: 130_000, stepSize: 1 },
          ],
        },
      ],
      { vatBasisPoints: 1900 },
    );
    // Three lines of 13 ct: FLAT, 1,000 Wh at 0.13/kWh, 1 h at 0.13/h. VAT on the sum: 39 * 19 % = 7.41 -> 7 ct.
    // (Rounding VAT per line would give 3 * round(2.47) = 6 ct.) Shares: floors 2, 2, 2 leave 1 ct, which goes to
    // the largest remainder; all three are .47, so the earliest line (FLAT) gets it: 3, 2, 2.
    const price = priceSession(tariff, { startMs: T10, endMs: T10 + HOUR, samples: samples([0, 0], [HOUR, 1000]) });
    expect(price.lineItems.map((line) => [line.component, line.net, line.vat])).toEqual([
      ['FLAT', 13, 3],
      ['ENERGY', 13, 2],
      ['TIME', 13, 2],
    ]);
    expect(price).toMatchObject({ totalNet: 39, totalVat: 7, total: 46 });
  });

  it('rounds half a minor unit up, for a line net and for VAT', () => {
    const tariff = aTariff(
      [
        {
          priceComponents: [
            { type: 'FLAT', priceMicro: 500_000, stepSize: 1 },
            { type: 'ENERGY', priceMicro: 250_000, stepSize: 1, vatBasisPoints: 0 },
          ],
        },
      ],
      { vatBasisPoints: 1900 },
    );
    // ENERGY: 20 Wh * 0.25 EUR/kWh = 0.005 EUR = 0.5 ct -> 1 ct, at 0 % VAT.
    // FLAT: 50 ct at 19 % VAT = 9.5 ct -> 10 ct. Net 51, VAT 10, total 61.
    const price = priceSession(tariff, { startMs: T10, endMs: T10 + MIN, samples: samples([0, 0], [MIN, 20]) });
    expect(price.lineItems.map((line) => [line.component, line.net, line.vat])).toEqual([
      ['FLAT', 50, 10],
      ['ENERGY', 1, 0],
    ]);
    expect(price.vatSubtotals).toEqual([
      { vatBasisPoints: 0, net: 1, vat: 0 },
      { vatBasisPoints: 1900, net: 50, vat: 10 },
    ]);
    expect(price).toMatchObject({ totalNet: 51, totalVat: 10, total: 61 });
  });

  it('rounds to the minor unit of the currency', () => {
    const tariff = aTariff([{ priceComponents: [{ type: 'ENERGY', priceMicro: 35_000_000, stepSize: 1 }] }], {
      currency: 'JPY',
    });
    // 12,345 Wh * 35 JPY/kWh = 432.075 JPY; the yen has no minor unit -> 432.
    const price = priceSession(tariff, { startMs: T10, endMs: T10 + HOUR, samples: samples([0, 0], [HOUR, 12_345]) });
    expect(price).toMatchObject({ currency: 'JPY', minorUnitDigits: 0, totalNet: 432, total: 432 });
  });

  it('charges only the flat fee for a session of zero length', () => {
    const tariff = aTariff([
      {
        priceComponents: [
          { type: 'FLAT', priceMicro: 1_000_000, stepSize: 1 },
          { type: 'TIME', priceMicro: 1, stepSize: 1 },
        ],
      },
    ]);
    const price = priceSession(tariff, { startMs: T10, endMs: T10, samples: samples([0, 500]) });
    expect(price.lineItems).toMatchObject([{ component: 'FLAT', net: 100 }]);
    expect(price).toMatchObject({ total: 100, energyWh: 0 });
  });

  it('is deterministic: equal inputs give identical JSON, whatever the key order of the tariff document', () => {
    const elements = [
      { priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }], restrictions: { startTime: '10:20' } },
      {
        priceComponents: [
          { stepSize: 60, priceMicro: 1_200_000, type: 'TIME' },
          { type: 'FLAT', priceMicro: 990_000, stepSize: 1 },
        ],
      },
    ];
    const input = {
      startMs: T10,
      endMs: T10 + 47 * MIN,
      samples: samples([0, 10], [13 * MIN, 3217], [47 * MIN, 11_003]),
    };
    const first = JSON.stringify(priceSession(aTariff(elements, { vatBasisPoints: 1900 }), input));
    const reordered = validateTariff({
      elements, vatBasisPoints: 1900, utcOffsetMinutes: 0, currency: 'EUR', version: 1, id: 'TEST-1',
    });
    expect(JSON.stringify(priceSession(reordered, structuredClone(input)))).toBe(first);
    expect(JSON.stringify(priceSession(aTariff(elements, { vatBasisPoints: 1900 }), input))).toBe(first);
  });
});
