import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, anOpenSession, anUnsignedPermission, ENERGY_TARIFF, ocmf, type Driver, type Site } from '../testing/site';

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

  const account = () => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId: 'drv-1' });
  const session = (sessionId = 's-1') => cast.network.evaluate(cast.operator, 'Session:getSession', { sessionId });
  const refusal = (code: string, reason: unknown = expect.any(String)) => ({ refusal: { code, reason }, released: 3000, holdAmount: 3000 });

  it('refuses a record whose reading was altered after signing for good: the session ends refused, its hold released, nothing charged', async () => {
    await setUp();
    const [begin = '', end = ''] = signed();
    const tampered = end.replace('"RV":105.000', '"RV":125.000');
    expect(tampered).not.toBe(end);
    const refused = await close({ kind: 'ocmf' }, [begin, tampered]);
    expect(refused).toMatchObject({ sessionId: 's-1', ...refusal('EVIDENCE_REJECTED', expect.stringContaining('BAD_SIGNATURE')) });
    expect(await session()).toMatchObject({ status: 'refused', refusal: { code: 'EVIDENCE_REJECTED', txId: refused.txId } });
    expect(await account()).toMatchObject({ balance: 10_000, held: 0, available: 10_000 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionRefused', payload: { sessionId: 's-1', code: 'EVIDENCE_REJECTED', released: 3000 } });
    const { entries } = await cast.network.evaluate(cast.wallets, 'Wallet:getHistory', { accountId: 'drv-1' });
    expect(entries.at(-1)).toMatchObject({ amount: 0, reason: 'session-refused', ref: 's-1', txId: refused.txId });
    await expect(cast.network.evaluate(cast.operator, 'Session:getReceipt', { sessionId: 's-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses records signed by a key Authority never registered for the EVSE, and claims none of them', async () => {
    await setUp();
    const impostor = new TestMeter('MTR-E1');
    const before = cast.network.world.publicEntries().filter(([key]) => key.includes('cl.evidence')).length;
    expect(await close({ kind: 'ocmf' }, signed(impostor))).toMatchObject(refusal('EVIDENCE_REJECTED'));
    expect(cast.network.world.publicEntries().filter(([key]) => key.includes('cl.evidence')).length).toBe(before);
    expect(await account()).toMatchObject({ held: 0 });
  });

  it('refuses evidence once Authority revoked the key frozen at session start', async () => {
    await setUp();
    await cast.network.submit(cast.authority, 'Registry:revokeMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k1' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'MeterKeyRevoked', payload: { meterSerial: 'MTR-E1', keyId: 'k1' } });
    expect(await close({ kind: 'ocmf' }, signed())).toMatchObject(refusal('METER_KEY_REVOKED'));
  });

  it('answers a refusal delivered again with the first answer, and refuses to settle the refused session with another event', async () => {
    await setUp();
    const request = { eventId: cast.eventId(), sessionId: 's-1', evidence: unsigned() };
    const first = await cast.network.submit(cast.operator, 'Session:closeSession', request);
    const events = cast.network.events.length;
    expect(await cast.network.submit(cast.operator, 'Session:closeSession', request)).toEqual(first);
    expect(cast.network.events.length).toBe(events);
    await expect(cast.network.submit(cast.operator, 'Session:closeSession', { ...request, evidence: { kind: 'ocmf' } }, { transient: ocmf(signed()) })).rejects.toMatchObject({ code: 'EVENT_ID_REUSED' });
    await expect(close({ kind: 'ocmf' }, signed())).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await account()).toMatchObject({ balance: 10_000, held: 0 });
  });

  it('does not end the session for readings ahead of the ledger clock: they may settle it later', async () => {
    await setUp();
    const early = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: cast.network.nowMs + 60 * MINUTE, registerWh: 1000 });
    await expect(close({ kind: 'ocmf' }, early)).rejects.toMatchObject({ code: 'EVIDENCE_REJECTED', message: expect.stringContaining('in the future') });
    expect(await session()).toMatchObject({ status: 'open' });
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
    expect(await close({ kind: 'ocmf' }, backwards)).toMatchObject(refusal('EVIDENCE_REJECTED', expect.stringContaining('REGISTER_DECREASED')));
    await anOpenSession(cast, 's-2', driver);
    expect(await close(unsigned(5000, 4000), undefined, 's-2')).toMatchObject({ refusal: { code: 'EVIDENCE_REJECTED' } });
  });

  it('refuses the same signed records for a second session', async () => {
    await setUp();
    const records = signed();
    await close({ kind: 'ocmf' }, records);
    await anOpenSession(cast, 's-2', driver);
    cast.network.advance(MINUTE);
    expect(await close({ kind: 'ocmf' }, records, 's-2')).toMatchObject({ refusal: { code: 'EVIDENCE_REUSED' }, released: 3000 });
    expect(await account()).toMatchObject({ held: 0 });
  });

  describe('a meter key whose pagination or register goes back behind what it settled', () => {
    const later = (startWh: number, endWh: number) => site.meter.session({ timeMs: opened + 21 * MINUTE, registerWh: startWh }, { timeMs: opened + 25 * MINUTE, registerWh: endWh });
    async function aSecondSession(): Promise<void> {
      expect(await close({ kind: 'ocmf' }, signed())).toMatchObject({ verification: 'verified' });
      await anOpenSession(cast, 's-2', driver);
      cast.network.advance(MINUTE);
    }

    it('refuses records that begin at a pagination counter the key settled already, though the register moved on', async () => {
      await setUp();
      await aSecondSession();
      site.meter.restartAt(1);
      const refused = await close({ kind: 'ocmf' }, later(105_000, 107_000), 's-2');
      expect(refused).toMatchObject({ refusal: { code: 'METER_READING_BACKWARDS', reason: expect.stringContaining('T1') }, released: 3000 });
      expect(await account()).toMatchObject({ held: 0 });
    });

    it('refuses records whose register begins below the value the key settled, though the pagination moved on', async () => {
      await setUp();
      await aSecondSession();
      expect(await close({ kind: 'ocmf' }, later(100_000, 102_000), 's-2')).toMatchObject({ refusal: { code: 'METER_READING_BACKWARDS', reason: expect.stringContaining('register') } });
    });

    it('settles the next records of the key that begin where the last ended, and a new key from its own first page', async () => {
      await setUp();
      await aSecondSession();
      expect(await close({ kind: 'ocmf' }, later(105_000, 107_000), 's-2')).toMatchObject({ verification: 'verified', energyWh: 2000 });
      const replacement = new TestMeter('MTR-E1');
      await cast.network.submit(cast.authority, 'Registry:rotateMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k2', publicKey: replacement.publicKey });
      await anOpenSession(cast, 's-3', driver);
      cast.network.advance(MINUTE);
      const fresh = replacement.session({ timeMs: opened + 26 * MINUTE, registerWh: 107_000 }, { timeMs: opened + 30 * MINUTE, registerWh: 108_000 });
      expect(await close({ kind: 'ocmf' }, fresh, 's-3')).toMatchObject({ verification: 'verified', meterKeyId: 'k2', energyWh: 1000 });
    });
  });

  describe('parking after charging ended', () => {
    /** AC-STD version 2: 0.40 EUR/kWh while charging and 2.00 EUR an hour parked, by the minute. */
    async function setUpWithParking(): Promise<void> {
      cast = aNetwork();
      site = await aChargingSite(cast);
      const parking = { ...ENERGY_TARIFF, version: 2, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 400_000, stepSize: 1 }, { type: 'PARKING_TIME', priceMicro: 2_000_000, stepSize: 60 }] }] };
      await cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: parking });
      driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
      opened = cast.network.nowMs + 1000;
      await anOpenSession(cast, 's-1', driver);
      cast.network.advance(30 * MINUTE);
    }
    const closeWith = (chargingEndMs: number | undefined) =>
      cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' }, ...(chargingEndMs === undefined ? {} : { chargingEndMs }) }, { transient: ocmf(signed()) });

    it('prices the time after the charger said charging ended as parking, and names that instant on the receipt', async () => {
      await setUpWithParking();
      // 5 kWh at 0.40 and 8 minutes at 2.00 an hour (26.67 cents), 19 % VAT on each.
      expect(await closeWith(opened + 12 * MINUTE)).toMatchObject({
        verification: 'verified',
        energyWh: 5000,
        chargingEndMs: opened + 12 * MINUTE,
        lineItems: [expect.objectContaining({ component: 'ENERGY' }), expect.objectContaining({ component: 'PARKING_TIME', quantity: 8 * 60 })],
        charged: Math.round(200 * 1.19) + Math.round((800 / 30) * 1.19),
      });
    });

    it('prices no parking without a charging end, or with one outside the readings', async () => {
      await setUpWithParking();
      const receipt = await closeWith(opened + 25 * MINUTE);
      expect(receipt).toMatchObject({ verification: 'verified', charged: 238, lineItems: [expect.objectContaining({ component: 'ENERGY' })] });
      expect(receipt).not.toHaveProperty('chargingEndMs');
    });
  });

  it('refuses readings taken long before the session opened', async () => {
    await setUp();
    const stale = site.meter.session({ timeMs: opened - 2 * 60 * MINUTE, registerWh: 0 }, { timeMs: opened - 60 * MINUTE, registerWh: 1000 });
    expect(await close({ kind: 'ocmf' }, stale)).toMatchObject(refusal('EVIDENCE_REJECTED', 'the first reading predates the session'));
  });

  it('refuses unsigned meter data where the Authority gave the station no permission', async () => {
    await setUp();
    expect(await close(unsigned())).toMatchObject(refusal('UNSIGNED_NOT_ALLOWED'));
  });

  it("settles unsigned meter data under the Authority's permission, and says so and within which cap on the receipt", async () => {
    await setUp({});
    const receipt = await close(unsigned());
    expect(receipt).toMatchObject({ verification: 'unverified', energyWh: 5000, charged: 238, evidenceHashes: [], unsignedMeterData: { maxEnergyWh: 50_000, maxPowerW: 22_000 } });
    expect(receipt).not.toHaveProperty('meterSerial');
    expect(receipt).not.toHaveProperty('claimedEnergyWh');
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionSettled', payload: { verification: 'unverified' } });
  });

  it('bills an unsigned session no more energy than the Authority allows a session there', async () => {
    await setUp({ maxEnergyWh: 3000, maxPowerW: 1_000_000 });
    const receipt = await close(unsigned(0, 500_000));
    expect(receipt).toMatchObject({ energyWh: 3000, claimedEnergyWh: 500_000, verification: 'unverified' });
    expect('charged' in receipt && receipt.charged < receipt.holdAmount).toBe(true);
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
    expect(await close(unsigned())).toMatchObject(refusal('UNSIGNED_NOT_ALLOWED', expect.stringContaining('revoked')));
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
    expect(await close(unsigned())).toMatchObject(refusal('UNSIGNED_NOT_ALLOWED'));
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
