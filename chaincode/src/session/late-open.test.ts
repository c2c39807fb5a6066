import { MAX_OPEN_DELAY_MS, type OpenSessionResult } from '../api';
import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, ENERGY_TARIFF, ocmf, openRequest, type Driver, type Site } from '../testing/site';
import { HOLD_TTL_MS } from './abandon';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The bridge's queue may hand the ledger a session's open long after the charger started it. */
describe('A session opened after it started', () => {
  let cast: Cast;
  let site: Site;
  let driver: Driver;
  /** When the charger started the session and its meter signed the first reading. */
  let started: number;
  beforeEach(async () => {
    cast = aNetwork();
    site = await aChargingSite(cast);
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
    started = cast.network.nowMs + 1000;
  });

  const openLate = (sessionId: string, startedAtMs: number | undefined, timestampMs?: number): Promise<OpenSessionResult> =>
    cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, sessionId, driver, startedAtMs === undefined ? {} : { startedAtMs }), {
      transient: driver.proof,
      ...(timestampMs === undefined ? {} : { timestampMs }),
    });
  const close = (sessionId: string, records: readonly string[]) =>
    cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId, evidence: { kind: 'ocmf' } }, { transient: ocmf(records) });
  /** 10 kWh in 45 minutes from the start: 476 cents under AC-STD version 1. */
  const tenKWh = (meter: TestMeter = site.meter, from = started) => meter.session({ timeMs: from, registerWh: 50_000 }, { timeMs: from + 45 * MINUTE, registerWh: 60_000 });
  const account = () => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId: 'drv-1' });

  it('settles from its evidence when opened 30 minutes after the charger started it', async () => {
    cast.network.advance(30 * MINUTE);
    expect(await openLate('s-1', started)).toMatchObject({ status: 'opened', holdAmount: 3000, tariffVersion: 1 });
    cast.network.advance(30 * MINUTE);

    const receipt = await close('s-1', tenKWh());
    expect(receipt).toMatchObject({ verification: 'verified', energyWh: 10_000, startTimeMs: started, endTimeMs: started + 45 * MINUTE, charged: 476, released: 2524 });
    expect(await account()).toMatchObject({ balance: 10_000 - 476, held: 0 });
  });

  it('still refuses that evidence when the late open does not say when the session started', async () => {
    cast.network.advance(30 * MINUTE);
    await openLate('s-1', undefined);
    cast.network.advance(30 * MINUTE);
    expect(await close('s-1', tenKWh())).toMatchObject({ refusal: { code: 'EVIDENCE_REJECTED', reason: 'the first reading predates the session' } });
  });

  it('settles from its evidence when opened 3 days after it started, keeping both times on the session', async () => {
    cast.network.advance(3 * DAY);
    const openedAt = cast.network.nowMs + 1000;
    await openLate('s-1', started);
    expect(await cast.network.evaluate(cast.prosumer, 'Session:getSession', { sessionId: 's-1' })).toMatchObject({ status: 'open', startedAtMs: started, openedAtMs: openedAt });
    // The hold was placed at the open: Wallets' release clock runs from there, not from the start.
    expect(openedAt - started).toBeGreaterThanOrEqual(HOLD_TTL_MS);
    await expect(cast.network.submit(cast.wallets, 'Session:abandonSession', { eventId: cast.eventId(), sessionId: 's-1' })).rejects.toMatchObject({ code: 'INVALID_STATE' });

    expect(await close('s-1', tenKWh())).toMatchObject({ verification: 'verified', startTimeMs: started, charged: 476 });
    expect(await account()).toMatchObject({ balance: 10_000 - 476, held: 0 });
  });

  it('refuses a start more than 7 days before the open, and writes nothing', async () => {
    const openAt = started + MAX_OPEN_DELAY_MS + MINUTE;
    const before = cast.network.world.snapshot();
    await expect(openLate('s-1', started, openAt)).rejects.toMatchObject({ name: 'EndorseError', code: 'SESSION_START_REJECTED' });
    expect(cast.network.world.snapshot()).toBe(before);
    expect(await account()).toMatchObject({ held: 0 });

    expect(await openLate('s-2', started, started + MAX_OPEN_DELAY_MS)).toMatchObject({ status: 'opened' });
  });

  it('refuses a start more than 15 minutes after the transaction timestamp', async () => {
    const openAt = started;
    await expect(openLate('s-1', openAt + 15 * MINUTE + 1, openAt)).rejects.toMatchObject({ code: 'SESSION_START_REJECTED' });
    expect(await openLate('s-2', openAt + 15 * MINUTE, openAt)).toMatchObject({ status: 'opened' });
  });

  it.each([
    ['a fraction', 1.5],
    ['a negative time', -1],
    ['a string', '2025-03-03T08:00:00Z'],
  ])('refuses a startedAtMs that is %s', async (_, startedAtMs) => {
    const request = { ...openRequest(cast, 's-1', driver), startedAtMs };
    await expect(cast.network.submit(cast.operator, 'Session:openSession', request as never, { transient: driver.proof })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('returns the first result of a replayed late open, even once its start has left the window', async () => {
    cast.network.advance(3 * DAY);
    const request = openRequest(cast, 's-1', driver, { startedAtMs: started });
    const first = await cast.network.submit(cast.operator, 'Session:openSession', request, { transient: driver.proof });
    cast.network.advance(5 * DAY);

    const before = cast.network.world.snapshot();
    const events = cast.network.events.length;
    expect(await cast.network.submit(cast.operator, 'Session:openSession', request, { transient: driver.proof })).toEqual(first);
    expect(cast.network.world.snapshot()).toBe(before);
    expect(cast.network.events).toHaveLength(events);
    await expect(cast.network.submit(cast.operator, 'Session:openSession', { ...request, startedAtMs: started + MINUTE }, { transient: driver.proof })).rejects.toMatchObject({
      code: 'EVENT_ID_REUSED',
    });
  });

  it('prices the session under the tariff version in force when it started, not one published while the open waited', async () => {
    cast.network.advance(10 * MINUTE);
    await cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { ...ENERGY_TARIFF, version: 2, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 900_000, stepSize: 1 }] }] } });
    cast.network.advance(20 * MINUTE);

    expect(await openLate('s-1', started)).toMatchObject({ tariffVersion: 1 });
    cast.network.advance(30 * MINUTE);
    expect(await close('s-1', tenKWh())).toMatchObject({ tariffVersion: 1, charged: 476 });
  });

  it('refuses evidence that began long after the claimed start, so an earlier claim cannot buy an older, dearer tariff', async () => {
    cast.network.advance(2 * DAY);
    await cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { ...ENERGY_TARIFF, version: 2, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 300_000, stepSize: 1 }] }] } });
    const realStart = cast.network.nowMs + 1000;

    expect(await openLate('s-1', started)).toMatchObject({ status: 'opened', tariffVersion: 1 });
    cast.network.advance(60 * MINUTE);
    expect(await close('s-1', tenKWh(site.meter, realStart))).toMatchObject({ refusal: { code: 'EVIDENCE_REJECTED', reason: expect.stringContaining("claimed start") } });
    expect(await account()).toMatchObject({ balance: 10_000, held: 0 });

    expect(await openLate('s-2', realStart)).toMatchObject({ tariffVersion: 2 });
    expect(await close('s-2', tenKWh(site.meter, realStart))).toMatchObject({ tariffVersion: 2, charged: 357 });
  });

  it('verifies the evidence with the meter key in force when the session started, though Authority rotated it since', async () => {
    cast.network.advance(10 * MINUTE);
    const replacement = new TestMeter('MTR-E1');
    await cast.network.submit(cast.authority, 'Registry:rotateMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k2', publicKey: replacement.publicKey });
    cast.network.advance(20 * MINUTE);

    await openLate('s-1', started);
    cast.network.advance(30 * MINUTE);
    expect(await close('s-1', tenKWh())).toMatchObject({ verification: 'verified', meterKeyId: 'k1', charged: 476 });
  });

  it('refuses records that already settled a session, whatever start is claimed for another', async () => {
    const records = tenKWh();
    cast.network.advance(60 * MINUTE);
    await openLate('s-1', started);
    await close('s-1', records);

    await openLate('s-2', started);
    cast.network.advance(MINUTE);
    expect(await close('s-2', records)).toMatchObject({ refusal: { code: 'EVIDENCE_REUSED' } });
  });
});
