import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, anOpenSession, ocmf, type Driver, type Site } from '../testing/site';

const MINUTE = 60_000;

describe('Settlement evidence', () => {
  let cast: Cast;
  let site: Site;
  let driver: Driver;
  let opened: number;

  async function setUp(policy: { acceptUnsignedMeterData?: boolean } = {}): Promise<void> {
    cast = aNetwork();
    site = await aChargingSite(cast, policy);
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
    await setUp({ acceptUnsignedMeterData: true });
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

  it('refuses unsigned meter data where the station policy does not allow it', async () => {
    await setUp({ acceptUnsignedMeterData: false });
    await expect(close(unsigned())).rejects.toMatchObject({ code: 'UNSIGNED_NOT_ALLOWED' });
  });

  it('settles unsigned meter data where the station allows it, and says so on the receipt', async () => {
    await setUp({ acceptUnsignedMeterData: true });
    const receipt = await close(unsigned());
    expect(receipt).toMatchObject({ verification: 'unverified', energyWh: 5000, charged: 238, evidenceHashes: [] });
    expect(receipt.meterSerial).toBeUndefined();
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionSettled', payload: { verification: 'unverified' } });
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
