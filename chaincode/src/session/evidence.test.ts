import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, anOpenSession, anUnsignedPermission, ocmf, type Driver, type Site } from '../testing/site';

const MINUTE = 60_000;

describe('Settlement evidence', () => {
  let cast: Cast;
  let site: Site;
  let driver: Driver;
  let opened: number;

  /** `unsigned`: the Authority's permission for unsigned meter data, granted before the session opens. */
  async function setUp(unsigned?: Parameters<typeof anUnsignedPermission>[1]): Promise<void> {
    cast = aNetwork();
    site = await aChargingSite(cast);
    if (unsigned !== undefined) await anUnsignedPermission(cast, unsigned);
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
    opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-1', driver);
    cast.network.advance(30 * MINUTE);
  }

  const close = (evidence: { kind: 'ocmf' } | { kind: 'unsigned'; startTimeMs: number; endTimeMs: number; startRegisterWh: number; endRegisterWh: number }, records?: readonly string[], sessionId = 's-1') =>
    cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId, evidence }, records === undefined ? {} : { transient: ocmf(records) });
  const signed = (meter: TestMeter = site.meter, wh = 5000) => meter.session({ timeMs: opened, registerWh: 100_000 }, { timeMs: opened + 20 * MINUTE, registerWh: 100_000 + wh });
  const unsigned = (startRegisterWh = 0, endRegisterWh = 5000) => ({ kind: 'unsigned' as const, startTimeMs: opened, endTimeMs: opened + 20 * MINUTE, startRegisterWh, endRegisterWh });

  it('refuses a record whose reading was altered after signing, and writes nothing', async () => {
    await setUp();
    const [begin = '', end = ''] = signed();
    const tampered = end.replace('"RV":105.000', '"RV":125.000');
    expect(tampered).not.toBe(end);
    const before = cast.network.world.snapshot();
    await expect(close({ kind: 'ocmf' }, [begin, tampered])).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED', message: expect.stringContaining('BAD_SIGNATURE') });
    expect(cast.network.world.snapshot()).toBe(before);
  });

  it('refuses records signed by a key Authority never registered for the EVSE', async () => {
    await setUp();
    const impostor = new TestMeter('MTR-E1');
    await expect(close({ kind: 'ocmf' }, signed(impostor))).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED' });
  });

  it('refuses evidence once Authority revoked the key frozen at session start', async () => {
    await setUp();
    await cast.network.submit(cast.authority, 'Registry:revokeMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k1' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'MeterKeyRevoked', payload: { meterSerial: 'MTR-E1', keyId: 'k1' } });
    await expect(close({ kind: 'ocmf' }, signed())).rejects.toMatchObject({ code: 'METER_KEY_REVOKED' });
  });

  it('still settles with the key frozen at start after a rotation', async () => {
    await setUp();
    const replacement = new TestMeter('MTR-E1');
    await cast.network.submit(cast.authority, 'Registry:rotateMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k2', publicKey: replacement.publicKey });
    expect(await close({ kind: 'ocmf' }, signed())).toMatchObject({ verification: 'verified', meterKeyId: 'k1', charged: 238 });
  });

  it('refuses a meter that runs backwards', async () => {
    await setUp({});
    const backwards = site.meter.session({ timeMs: opened, registerWh: 100_000 }, { timeMs: opened + 20 * MINUTE, registerWh: 90_000 });
    await expect(close({ kind: 'ocmf' }, backwards)).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED', message: expect.stringContaining('REGISTER_DECREASED') });
    await expect(close(unsigned(5000, 4000))).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED' });
  });

  it('refuses the same signed records for a second session', async () => {
    await setUp();
    const records = signed();
    await close({ kind: 'ocmf' }, records);
    await anOpenSession(cast, 's-2', driver);
    cast.network.advance(MINUTE);
    await expect(close({ kind: 'ocmf' }, records, 's-2')).rejects.toMatchObject({ code: 'EVIDENCE_REUSED' });
  });

  it('refuses readings taken long before the session opened', async () => {
    await setUp();
    const stale = site.meter.session({ timeMs: opened - 2 * 60 * MINUTE, registerWh: 0 }, { timeMs: opened - 60 * MINUTE, registerWh: 1000 });
    await expect(close({ kind: 'ocmf' }, stale)).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED' });
  });

  it('refuses unsigned meter data where the Authority gave the station no permission', async () => {
    await setUp();
    await expect(close(unsigned())).rejects.toMatchObject({ code: 'UNSIGNED_NOT_ALLOWED' });
  });

  it("settles unsigned meter data under the Authority's permission, and says so and within which cap on the receipt", async () => {
    await setUp({});
    const receipt = await close(unsigned());
    expect(receipt).toMatchObject({ verification: 'unverified', energyWh: 5000, charged: 238, evidenceHashes: [], unsignedMeterData: { maxEnergyWh: 50_000, maxPowerW: 22_000 } });
    expect(receipt.meterSerial).toBeUndefined();
    expect(receipt.claimedEnergyWh).toBeUndefined();
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionSettled', payload: { verification: 'unverified' } });
  });

  it('bills an unsigned session no more energy than the Authority allows a session there', async () => {
    await setUp({ maxEnergyWh: 3000, maxPowerW: 1_000_000 });
    const receipt = await close(unsigned(0, 500_000));
    expect(receipt).toMatchObject({ energyWh: 3000, claimedEnergyWh: 500_000, verification: 'unverified' });
    expect(receipt.charged).toBeLessThan(receipt.holdAmount);
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionSettled', payload: { energyWh: 3000 } });
  });

  it("bills an unsigned session no more than the Authority's power over the ledger's time from start to close", async () => {
    await setUp({ maxEnergyWh: 1_000_000, maxPowerW: 4000 });
    // The session opened at `opened` and closes 30 min 1 s later: 4 kW for that long is 2001 Wh.
    expect(await close(unsigned(0, 500_000))).toMatchObject({ energyWh: 2001, claimedEnergyWh: 500_000 });
  });

  it('refuses unsigned meter data once the Authority revoked the permission, even for a session opened under it', async () => {
    await setUp({});
    await cast.network.submit(cast.authority, 'Registry:revokeUnsignedMeterData', { eventId: cast.eventId(), stationId: 'st-1' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'UnsignedMeterDataRevoked', payload: { stationId: 'st-1' } });
    await expect(close(unsigned())).rejects.toMatchObject({ code: 'UNSIGNED_NOT_ALLOWED' });
    expect(await close({ kind: 'ocmf' }, signed())).toMatchObject({ verification: 'verified' });
  });

  it('gives no permission to sessions opened after it expired', async () => {
    cast = aNetwork();
    site = await aChargingSite(cast);
    await anUnsignedPermission(cast, { validUntilMs: cast.network.nowMs + 10 * MINUTE });
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
    cast.network.advance(10 * MINUTE);
    opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-1', driver);
    cast.network.advance(30 * MINUTE);
    await expect(close(unsigned())).rejects.toMatchObject({ code: 'UNSIGNED_NOT_ALLOWED' });
  });

  it('shows the permission on every receipt of the station, verified ones too', async () => {
    await setUp({});
    expect(await close({ kind: 'ocmf' }, signed())).toMatchObject({ verification: 'verified', unsignedMeterData: { maxEnergyWh: 50_000, maxPowerW: 22_000 } });
  });

  it('keeps the raw token carried in signed records out of public state and events', async () => {
    await setUp();
    const records = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + MINUTE, registerWh: 100 }, 'SECRETUID01');
    await close({ kind: 'ocmf' }, records);
    const publicText = cast.network.world.publicEntries().map(([key, value]) => key + value.toString('utf8')).join('\n');
    expect(publicText).not.toContain('SECRETUID01');
    expect(JSON.stringify(cast.network.events)).not.toContain('SECRETUID01');
  });
});
