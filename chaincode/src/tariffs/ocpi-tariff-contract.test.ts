import { priceSession } from '../pricing';
import { aNetwork, type Cast } from '../testing/fixtures';
import { aChargingSite, aFundedDriver, anOpenSession, ocmf, type Driver, type Site } from '../testing/site';

const MINUTE = 60_000;

/** OCPI 2.2.1's example tariff_9: 0.25 EUR/kWh at 10 % VAT and a 0.50 EUR start fee at 20 %. */
const OCPI_TARIFF_9 = {
  country_code: 'DE',
  party_id: 'ALL',
  id: 'AC-STD',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'FLAT', price: 0.5, vat: 20.0, step_size: 1 }, { type: 'ENERGY', price: 0.25, vat: 10.0, step_size: 1 }] }],
  last_updated: '2018-12-17T11:36:01Z',
};

describe('Tariff contract with OCPI 2.2.1 tariffs', () => {
  let cast: Cast;
  let site: Site;
  let driver: Driver;
  beforeEach(async () => {
    cast = aNetwork();
    site = await aChargingSite(cast); // publishes AC-STD version 1 under the first rules
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
  });
  const publish = (tariff: unknown, timeZone = 'Europe/Berlin') => cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff, timeZone });

  it('publishes an OCPI tariff as the next version, with the zone\'s rules frozen, and serves the OCPI object back', async () => {
    const record = await publish(OCPI_TARIFF_9);
    expect(record).toMatchObject({ tariffId: 'AC-STD', version: 2, currency: 'EUR', tariff: { pricingRules: 2, version: 2, timeZone: 'Europe/Berlin', zone: { name: 'Europe/Berlin', rule: 'CET-1CEST,M3.5.0,M10.5.0/3' } } });
    const served = await cast.network.evaluate(cast.wallets, 'Tariff:getTariff', { tariffId: 'AC-STD' });
    expect((served.tariff as { ocpi: unknown }).ocpi).toEqual(OCPI_TARIFF_9);
  });

  it('refuses what it cannot price deterministically, naming the field and the reason', async () => {
    const byCurrent = { ...OCPI_TARIFF_9, elements: [{ ...OCPI_TARIFF_9.elements[0], restrictions: { max_current: 32.0 } }] };
    await expect(publish(byCurrent)).rejects.toMatchObject({ code: 'TARIFF_INVALID', message: expect.stringContaining('UNSUPPORTED at tariff.elements[0].restrictions.max_current') });
    await expect(publish(OCPI_TARIFF_9, 'Europe/Atlantis')).rejects.toMatchObject({ code: 'TARIFF_INVALID', message: expect.stringContaining('ENUM at timeZone') });
    await expect(publish({ ...OCPI_TARIFF_9, utcOffsetMinutes: 60 })).rejects.toMatchObject({ code: 'TARIFF_INVALID', message: expect.stringContaining('UNKNOWN_FIELD at utcOffsetMinutes') });
  });

  it('settles a session under the OCPI tariff at the specification\'s price: 20 kWh cost 6.10', async () => {
    await publish(OCPI_TARIFF_9);
    cast.network.advance(MINUTE);
    const opened = cast.network.nowMs + 1000;
    expect(await anOpenSession(cast, 's-1', driver)).toMatchObject({ tariffVersion: 2 });
    cast.network.advance(2 * 60 * MINUTE);
    const start = { timeMs: opened + 5000, registerWh: 100_000 };
    const end = { timeMs: opened + 110 * MINUTE, registerWh: 120_000 };
    const receipt = await cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }, { transient: ocmf(site.meter.session(start, end)) });
    expect(receipt).toMatchObject({ tariffVersion: 2, energyWh: 20_000, totalNet: 550, totalVat: 60, priced: 610, charged: 610 });
    const stored = await cast.network.evaluate(cast.wallets, 'Tariff:getTariff', { tariffId: 'AC-STD', version: 2 });
    // Anyone re-prices the receipt from the frozen tariff alone.
    const again = priceSession(stored.tariff as never, { startMs: start.timeMs, endMs: end.timeMs, samples: [{ timestampMs: start.timeMs, registerWh: 0 }, { timestampMs: end.timeMs, registerWh: 20_000 }] });
    expect(again.total).toBe(610);
  });

  it('opens under the highest version valid at the start: a version whose start_date_time is still ahead waits', async () => {
    await publish({ ...OCPI_TARIFF_9, start_date_time: '2999-01-01T00:00:00Z' });
    cast.network.advance(MINUTE);
    expect(await anOpenSession(cast, 's-2', driver)).toMatchObject({ tariffVersion: 1 });
  });
});
