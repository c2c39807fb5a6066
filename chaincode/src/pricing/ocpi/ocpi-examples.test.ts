import { aSession, anOcpiTariff, HOUR, localTime, MIN, priced } from '../../testing/ocpi';
import { priceExpiredReservation, priceSession, type PriceBreakdown } from '../index';

/**
 * Every priced example of OCPI 2.2.1 (release-2.2.1 with its errata), modules Tariffs and CDRs, with the total the
 * specification states, in cents: [excl. VAT, incl. VAT]. The tariffs are those of the specification's example
 * files (named in each test), field for field.
 */
const component = (type: string, price: number, step_size: number, vat?: number): Record<string, unknown> =>
  vat === undefined ? { type, price, step_size } : { type, price, vat, step_size };
const element = (price_components: unknown[], restrictions?: Record<string, unknown>): Record<string, unknown> =>
  restrictions === undefined ? { price_components } : { price_components, restrictions };

const totals = (breakdown: PriceBreakdown): [number, number] => [breakdown.totalNet, breakdown.total];
const monday = (hhmm: string): number => localTime(`2025-06-02T${hhmm}`);
const saturday = (hhmm: string): number => localTime(`2025-06-07T${hhmm}`);

const energy025 = element([component('ENERGY', 0.25, 1, 10.0)]);
const startFee = component('FLAT', 0.5, 1, 20.0);
const kwh = 1000;

describe('OCPI 2.2.1 worked examples, module Tariffs', () => {
  it('tariff_8: 0.25 per kWh, 20 kWh cost 5.00 / 5.50', () => {
    const tariff = priced(anOcpiTariff([energy025]));
    expect(totals(priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 2 * HOUR, energyWh: 20 * kwh })))).toEqual([500, 550]);
  });

  it('tariff_9: 0.25 per kWh and a 0.50 start fee, 20 kWh cost 5.50 / 6.10', () => {
    const tariff = priced(anOcpiTariff([element([startFee, component('ENERGY', 0.25, 1, 10.0)])]));
    expect(totals(priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 2 * HOUR, energyWh: 20 * kwh })))).toEqual([550, 610]);
  });

  it('tariff_12: min_price 0.50 / 0.55; 20 kWh cost 5.00 / 5.50, under 2 kWh 0.50 / 0.55', () => {
    const tariff = priced(anOcpiTariff([energy025], { min_price: { excl_vat: 0.5, incl_vat: 0.55 } }));
    const session = (energyWh: number) => aSession({ startMs: monday('10:00'), chargingMs: HOUR, energyWh });
    expect(totals(priceSession(tariff, session(20 * kwh)))).toEqual([500, 550]);
    const small = priceSession(tariff, session(1_900));
    expect(totals(small)).toEqual([50, 55]);
    expect(small.priceLimit).toEqual({ net: 2, vat: 0 });
  });

  it('tariff_10: start fee, energy and parking per 15 min; 20 kWh and 40 min parked cost 7.00 / 7.90', () => {
    const tariff = priced(anOcpiTariff([element([startFee, component('ENERGY', 0.25, 1, 10.0), component('PARKING_TIME', 2.0, 900, 20.0)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 2 * HOUR, parkingMs: 40 * MIN, energyWh: 20 * kwh }));
    expect(totals(breakdown)).toEqual([700, 790]);
    expect(breakdown.lineItems.find((l) => l.component === 'PARKING_TIME')?.quantity).toBe(45 * 60);
  });

  it('tariff_6: max_price 10.00 / 11.00; 50 kWh cost 10.00 / 11.00, 30 kWh 8.00 / 8.85', () => {
    const tariff = priced(anOcpiTariff([element([startFee, component('ENERGY', 0.25, 1, 10.0)])], { max_price: { excl_vat: 10.0, incl_vat: 11.0 }, end_date_time: '2026-06-30T23:59:59Z' }));
    const session = (energyWh: number) => aSession({ startMs: monday('10:00'), chargingMs: 3 * HOUR, energyWh });
    expect(totals(priceSession(tariff, session(50 * kwh)))).toEqual([1000, 1100]);
    expect(totals(priceSession(tariff, session(30 * kwh)))).toEqual([800, 885]);
  });

  it('tariff_1: 2.00 per hour charging, 2.5 hours cost 5.00 / 5.50', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 2.0, 60, 10.0)])]));
    expect(totals(priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 150 * MIN, energyWh: 10 * kwh })))).toEqual([500, 550]);
  });

  it('tariff_13: 3.00 per hour charging, 5.00 per hour parking per 5 min; 150 + 42 min cost 11.25 / 12.75', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 3.0, 60, 10.0), component('PARKING_TIME', 5.0, 300, 20.0)])]));
    expect(totals(priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 150 * MIN, parkingMs: 42 * MIN, energyWh: 10 * kwh })))).toEqual([1125, 1275]);
  });

  it('tariff_2: 1.90 per hour at 5.2 % VAT per 5 min, 2.5 hours cost 4.75 / 5.00', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 1.9, 300, 5.2)])], { type: 'AD_HOC_PAYMENT', tariff_alt_text: [{ language: 'en', text: '2.00 euro p/hour including VAT.' }] }));
    expect(totals(priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 150 * MIN, energyWh: 10 * kwh })))).toEqual([475, 500]);
  });

  it('tariff_3: energy per 100 Wh, 20.45 kWh billed as 20.5 kWh: 5.63 / 6.24', () => {
    const tariff = priced(anOcpiTariff([element([startFee, component('ENERGY', 0.25, 100, 10.0)])], { type: 'PROFILE_CHEAP', tariff_alt_url: 'https://company.com/tariffs/13' }));
    const breakdown = priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 2 * HOUR, energyWh: 20_450 }));
    expect(totals(breakdown)).toEqual([563, 624]);
    expect(breakdown.lineItems.find((l) => l.component === 'ENERGY')).toMatchObject({ quantity: 20_500, net: 513 });
  });

  describe('tariff_4, the complex tariff', () => {
    const complex = priced(anOcpiTariff([
      element([component('FLAT', 2.5, 1, 15.0)]),
      element([component('TIME', 1.0, 900, 20.0)], { max_current: 32.0 }),
      element([component('TIME', 2.0, 600, 20.0)], { min_current: 32.0, day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }),
      element([component('TIME', 1.25, 600, 20.0)], { min_current: 32.0, day_of_week: ['SATURDAY', 'SUNDAY'] }),
      element([component('PARKING_TIME', 5.0, 300, 10.0)], { start_time: '09:00', end_time: '18:00', day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }),
      element([component('PARKING_TIME', 6.0, 300, 10.0)], { start_time: '10:00', end_time: '17:00', day_of_week: ['SATURDAY'] }),
    ], { type: 'REGULAR' }));

    it('Monday 09:30, 165 min at 16 A, 42 min parked: 9.00 / 10.30', () => {
      const breakdown = priceSession(complex, aSession({ startMs: monday('09:30'), chargingMs: 165 * MIN, parkingMs: 42 * MIN, energyWh: 30 * kwh, currentMilliA: 16_000 }));
      expect(totals(breakdown)).toEqual([900, 1030]);
      expect(breakdown.lineItems.map((l) => [l.component, l.quantity, l.net])).toEqual([['FLAT', 1, 250], ['TIME', 165 * 60, 275], ['PARKING_TIME', 45 * 60, 375]]);
    });

    it('Saturday 13:30, 114 min at 43 A, 71 min parked: 12.38 / 13.98, where the specification prints 12.28 / 13.861', () => {
      // The specification's breakdown bills 114 minutes at 1.25 per hour as 2.28; 114 / 60 * 1.25 is 2.375,
      // 2.38 in cents. With that line the specification's own figures give 12.375 excl. and 13.975 incl. VAT.
      const breakdown = priceSession(complex, aSession({ startMs: saturday('13:30'), chargingMs: 114 * MIN, parkingMs: 71 * MIN, energyWh: 30 * kwh, currentMilliA: 43_000 }));
      expect(breakdown.lineItems.map((l) => [l.component, l.quantity, l.net])).toEqual([['FLAT', 1, 250], ['TIME', 114 * 60, 238], ['PARKING_TIME', 75 * 60, 750]]);
      expect(totals(breakdown)).toEqual([1238, 1398]);
    });
  });

  it('tariff_5: free of charge, with step_size 0', () => {
    const tariff = priced(anOcpiTariff([element([component('FLAT', 0.0, 0)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: HOUR, energyWh: 5 * kwh }));
    expect(totals(breakdown)).toEqual([0, 0]);
    expect(breakdown.vatSubtotals).toEqual([]);
  });

  describe('reservations', () => {
    const session = (minutesReserved: number) => aSession({ startMs: monday('10:00'), reservationStartMs: monday('10:00') - minutesReserved * MIN, chargingMs: 2 * HOUR, energyWh: 20 * kwh });
    const sessionElement = element([startFee, component('ENERGY', 0.25, 1, 10.0)]);

    it('tariff_15: 5.00 per hour reserved, charging 15 min after the reservation, 20 kWh: 6.75 / 7.60', () => {
      const tariff = priced(anOcpiTariff([element([component('TIME', 5.0, 60, 20.0)], { reservation: 'RESERVATION' }), sessionElement]));
      const breakdown = priceSession(tariff, session(15));
      expect(totals(breakdown)).toEqual([675, 760]);
      expect(breakdown.lineItems[0]).toMatchObject({ component: 'TIME', quantity: 15 * 60, net: 125, reservation: true });
    });

    it('tariff_16: a 2.00 reservation fee and 5.00 per hour per 5 min, 13 min reserved: 8.75 / 10.00', () => {
      const tariff = priced(anOcpiTariff([element([component('FLAT', 2.0, 1, 20.0), component('TIME', 5.0, 300, 20.0)], { reservation: 'RESERVATION' }), sessionElement]));
      expect(totals(priceSession(tariff, session(13)))).toEqual([875, 1000]);
    });

    it('tariff_17: 2.00 per hour per 10 min and a 4.00 expiry fee; 22 min reserved: 6.50 / 7.30; expired after 1 hour: 6.00 / 7.20', () => {
      const tariff = priced(anOcpiTariff([
        element([component('FLAT', 4.0, 1, 20.0)], { reservation: 'RESERVATION_EXPIRES' }),
        element([component('TIME', 2.0, 600, 20.0)], { reservation: 'RESERVATION' }),
        sessionElement,
      ]));
      expect(totals(priceSession(tariff, session(22)))).toEqual([650, 730]);
      expect(totals(priceExpiredReservation(tariff, { startMs: monday('10:00'), endMs: monday('11:00') }))).toEqual([600, 720]);
    });

    it('tariff_18: 3.00 per hour reserved, 6.00 per hour when it expires; 22 min: 7.00 / 7.90; expired after 1.5 hours: 9.00 / 10.80', () => {
      const tariff = priced(anOcpiTariff([
        element([component('TIME', 6.0, 600, 20.0)], { reservation: 'RESERVATION_EXPIRES' }),
        element([component('TIME', 3.0, 600, 20.0)], { reservation: 'RESERVATION' }),
        sessionElement,
      ]));
      expect(totals(priceSession(tariff, session(22)))).toEqual([700, 790]);
      expect(totals(priceExpiredReservation(tariff, { startMs: monday('10:00'), endMs: monday('11:30') }))).toEqual([900, 1080]);
    });
  });

  describe('tariff_14, step_size when switching elements (no VAT named: incl. = excl.)', () => {
    const tariff = priced(anOcpiTariff([
      element([component('TIME', 1.2, 1800), component('PARKING_TIME', 1.0, 900)], { start_time: '00:00', end_time: '17:00' }),
      element([component('TIME', 2.4, 900), component('PARKING_TIME', 1.0, 900)], { start_time: '17:00', end_time: '20:00' }),
      element([component('TIME', 2.4, 900)], { start_time: '20:00', end_time: '00:00' }),
    ]));

    it('#1: 16:55, 10 min charging and 2 min parked cost 0.55', () => {
      const breakdown = priceSession(tariff, aSession({ startMs: monday('16:55'), chargingMs: 10 * MIN, parkingMs: 2 * MIN, energyWh: 2 * kwh }));
      expect(breakdown.lineItems.map((l) => [l.component, l.quantity / 60, l.net])).toEqual([['TIME', 5, 10], ['TIME', 5, 20], ['PARKING_TIME', 15, 25]]);
      expect(totals(breakdown)).toEqual([55, 55]);
      expect(breakdown.vatSubtotals).toEqual([]);
    });

    it('#2: 16:35, 35 min charging rounded to 45 by the last element\'s step: 1.30', () => {
      const breakdown = priceSession(tariff, aSession({ startMs: monday('16:35'), chargingMs: 35 * MIN, energyWh: 5 * kwh }));
      expect(breakdown.lineItems.map((l) => [l.quantity / 60, l.net])).toEqual([[25, 50], [20, 80]]);
      expect(breakdown.total).toBe(130);
    });

    it('#3: 19:40, 12 min charging and 20 min parked, parking free from 20:00: 0.73', () => {
      const breakdown = priceSession(tariff, aSession({ startMs: monday('19:40'), chargingMs: 12 * MIN, parkingMs: 20 * MIN, energyWh: 2 * kwh }));
      expect(breakdown.lineItems.map((l) => [l.component, l.quantity / 60, l.net])).toEqual([['TIME', 12, 48], ['PARKING_TIME', 15, 25]]);
      expect(breakdown.total).toBe(73);
    });
  });

  it('max_power: 1 kWh at 6 kW, 40 kWh at 48 kW and 0.5 kWh at 4 kW cost 20.30 excl. VAT', () => {
    const tariff = priced(anOcpiTariff([
      element([component('ENERGY', 0.2, 1, 20.0)], { max_power: 16.0 }),
      element([component('ENERGY', 0.35, 1, 20.0)], { max_power: 32.0 }),
      element([component('ENERGY', 0.5, 1, 20.0)]),
    ]));
    const t0 = monday('10:00');
    const t1 = t0 + 10 * MIN; // 1 kWh at 6 kW
    const t2 = t1 + 50 * MIN; // 40 kWh at 48 kW
    const t3 = t2 + 7.5 * MIN; // 0.5 kWh at 4 kW
    const samples = [[t0, 0], [t1, 1_000], [t2, 41_000], [t3, 41_500]].map(([timestampMs, registerWh]) => ({ timestampMs: timestampMs!, registerWh: registerWh! }));
    expect(priceSession(tariff, { startMs: t0, endMs: t3, samples }).totalNet).toBe(2030);
  });

  it('max_duration: 5 kWh in the free first 30 min and 1.2 kWh in the next 10 cost 0.30 excl. VAT', () => {
    const tariff = priced(anOcpiTariff([
      element([component('ENERGY', 0.0, 1, 20.0)], { max_duration: 1800 }),
      element([component('ENERGY', 0.25, 1, 20.0)], { max_duration: 3600 }),
      element([component('ENERGY', 0.4, 1, 20.0)]),
    ]));
    const t0 = monday('10:00');
    const samples = [{ timestampMs: t0, registerWh: 0 }, { timestampMs: t0 + 30 * MIN, registerWh: 5_000 }, { timestampMs: t0 + 40 * MIN, registerWh: 6_200 }];
    expect(priceSession(tariff, { startMs: t0, endMs: t0 + 40 * MIN, samples }).totalNet).toBe(30);
  });
});

describe('OCPI 2.2.1 worked examples, module CDRs', () => {
  it('the example CDR: 2.00 per hour per 5 min, 21:39:09 to 23:37:32 (1.973 h) cost 4.00 / 4.40', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 2.0, 300, 10.0)])], { country_code: 'BE', party_id: 'BEC', id: '12' }), 'Europe/Brussels');
    const startMs = Date.parse('2015-06-29T21:39:09Z') + 10 * 365 * 24 * HOUR; // the same clock times, after the zone rules' start
    const breakdown = priceSession(tariff, aSession({ startMs, chargingMs: (1 * 3600 + 58 * 60 + 23) * 1000, energyWh: 15_342 }));
    expect(totals(breakdown)).toEqual([400, 440]);
  });

  it('step_size on parking only: 21 min charging and 16 parked, 1.00 and 2.00 per hour per 10 min: 41 min, 1.02', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 1.0, 600), component('PARKING_TIME', 2.0, 600)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: monday('10:00'), chargingMs: 21 * MIN, parkingMs: 16 * MIN, energyWh: 3 * kwh }));
    expect(breakdown.lineItems.map((l) => l.quantity / 60)).toEqual([21, 20]);
    expect(breakdown.total).toBe(102); // 0.35 + 0.6667
  });

  it('step_size on the session\'s energy: 4.3 kWh before 17:00 at 0.20 and 1.1 kWh after at 0.27, per 500 Wh: 5.5 kWh billed', () => {
    const tariff = priced(anOcpiTariff([element([component('ENERGY', 0.2, 500)], { end_time: '17:00' }), element([component('ENERGY', 0.27, 500)])]));
    const t0 = monday('16:00');
    const samples = [{ timestampMs: t0, registerWh: 0 }, { timestampMs: monday('17:00'), registerWh: 4_300 }, { timestampMs: monday('17:30'), registerWh: 5_400 }];
    const breakdown = priceSession(tariff, { startMs: t0, endMs: monday('17:30'), samples });
    expect(breakdown.lineItems.map((l) => [l.quantity, l.net])).toEqual([[4_300, 86], [1_200, 32]]);
  });

  it('step_size on the session\'s time: 6 min before 17:00 at 5.00 and 22 after at 7.00, per 10 min: 24 min billed after 17:00', () => {
    const tariff = priced(anOcpiTariff([element([component('TIME', 5.0, 600)], { end_time: '17:00' }), element([component('TIME', 7.0, 600)])]));
    const breakdown = priceSession(tariff, aSession({ startMs: monday('16:54'), chargingMs: 28 * MIN, energyWh: 3 * kwh }));
    expect(breakdown.lineItems.map((l) => [l.quantity / 60, l.net])).toEqual([[6, 50], [24, 280]]);
  });
});
