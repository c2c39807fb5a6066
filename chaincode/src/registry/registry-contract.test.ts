import type { RegisterStationRequest, StationPolicy } from '../api';
import { aDriver, anAccount, aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { ENERGY_TARIFF } from '../testing/site';

describe('Registry contract', () => {
  let cast: Cast;
  beforeEach(async () => {
    cast = aNetwork();
    await anAccount(cast, 'acc-op1', 'operator', 'op-1');
    await anAccount(cast, 'acc-op2', 'operator', 'op-2');
  });

  const aStation = (overrides: Partial<RegisterStationRequest> = {}): RegisterStationRequest => ({
    eventId: cast.eventId(),
    stationId: 'st-1',
    payeeAccountId: 'acc-op1',
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
    policy: { minimumHold: 500 },
    ...overrides,
  });
  const aMeterRegistration = (meter: TestMeter, evseId = 'E1') => ({
    eventId: cast.eventId(),
    meterSerial: meter.serial,
    binding: { kind: 'evse' as const, stationId: 'st-1', evseId },
    keyId: 'k1',
    publicKey: meter.publicKey,
  });

  it('registers a station owned by the calling operator, with integer coordinates', async () => {
    const station = await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    expect(station).toMatchObject({ stationId: 'st-1', operatorId: 'op-1', latMicroDeg: 52_520_008 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'StationRegistered', payload: { stationId: 'st-1', operatorId: 'op-1' } });
  });

  it.each(['ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'] as const)('refuses station registration and updates by %s', async (msp) => {
    await expect(cast.network.submit(cast.as(msp), 'Registry:registerStation', aStation())).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.as(msp), 'Registry:updateStation', { eventId: cast.eventId(), stationId: 'st-1' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('refuses an operator identity without operatorId, a payee account of another operator, and updates by a rival', async () => {
    await expect(cast.network.submit(cast.anonymousOperator, 'Registry:registerStation', aStation())).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ payeeAccountId: 'acc-op2' }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    await expect(
      cast.network.submit(cast.rival, 'Registry:updateStation', { eventId: cast.eventId(), stationId: 'st-1', policy: { minimumHold: 1 } }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('refuses an operator switching on unsigned meter data for its own station: the Authority decides, with an expiry', async () => {
    const unsignedOn = { acceptUnsignedMeterData: true, minimumHold: 500 } as unknown as StationPolicy;
    await expect(cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ policy: unsignedOn }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    await expect(cast.network.submit(cast.operator, 'Registry:updateStation', { eventId: cast.eventId(), stationId: 'st-1', policy: unsignedOn })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    const allow = { stationId: 'st-1', validUntilMs: cast.network.nowMs + 86_400_000, maxEnergyWh: 40_000, maxPowerW: 11_000 };
    await expect(cast.network.submit(cast.operator, 'Registry:allowUnsignedMeterData', { eventId: cast.eventId(), ...allow })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(
      cast.network.submit(cast.authority, 'Registry:allowUnsignedMeterData', { eventId: cast.eventId(), ...allow, validUntilMs: cast.network.nowMs + 400 * 86_400_000 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const granted = await cast.network.submit(cast.authority, 'Registry:allowUnsignedMeterData', { eventId: cast.eventId(), ...allow });
    expect(granted).toMatchObject({ ...allow, status: 'granted' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'UnsignedMeterDataAllowed', payload: { stationId: 'st-1', maxEnergyWh: 40_000 } });
    expect(await cast.network.evaluate(cast.prosumer, 'Registry:getStation', { stationId: 'st-1' })).toMatchObject({ policy: { minimumHold: 500 }, unsignedMeterData: granted });
  });

  it('assigns only the operator\'s own tariff to a station', async () => {
    await cast.network.submit(cast.rival, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { ...ENERGY_TARIFF, id: 'RIVAL' } });
    await expect(cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ tariffId: 'RIVAL' }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: ENERGY_TARIFF });
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    const updated = await cast.network.submit(cast.operator, 'Registry:updateStation', { eventId: cast.eventId(), stationId: 'st-1', tariffId: 'AC-STD' });
    expect(updated).toMatchObject({ tariffId: 'AC-STD' });
  });

  it('refuses malformed stations', async () => {
    await expect(cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ latMicroDeg: 91_000_000 }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      cast.network.submit(cast.operator, 'Registry:registerStation', { ...aStation(), evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'SCHUKO', maxPowerW: 1 }] }] } as unknown as RegisterStationRequest),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('finds stations near a point, nearest first', async () => {
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ stationId: 'berlin-mitte' }));
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ stationId: 'berlin-east', lonMicroDeg: 13_504_954 }));
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation({ stationId: 'potsdam', latMicroDeg: 52_390_886, lonMicroDeg: 13_064_472 }));
    const near = await cast.network.evaluate(cast.prosumer, 'Registry:findStationsNear', { latMicroDeg: 52_520_000, lonMicroDeg: 13_400_000, radiusM: 10_000 });
    expect(near.stations.map((station) => station.stationId)).toEqual(['berlin-mitte', 'berlin-east']);
    expect(near.stations[0]?.distanceM).toBeLessThan(500);
  });

  it('registers EVs for driver accounts, by Wallets only', async () => {
    await aDriver(cast, 'drv-1');
    const ev = await cast.network.submit(cast.wallets, 'Registry:registerEv', { eventId: cast.eventId(), evId: 'ev-1', ownerAccountId: 'drv-1', batteryCapacityWh: 77_000 });
    expect(ev).toEqual({ evId: 'ev-1', ownerAccountId: 'drv-1', batteryCapacityWh: 77_000 });
    await expect(cast.network.submit(cast.wallets, 'Registry:registerEv', { eventId: cast.eventId(), evId: 'ev-2', ownerAccountId: 'acc-op1', batteryCapacityWh: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    for (const msp of ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] as const) {
      await expect(cast.network.submit(cast.as(msp), 'Registry:registerEv', { eventId: cast.eventId(), evId: 'ev-3', ownerAccountId: 'drv-1', batteryCapacityWh: 1 })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    }
  });

  it.each(['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP'] as const)('refuses meter registration, rotation and revocation by %s', async (msp) => {
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    const meter = new TestMeter('MTR-1');
    const who = cast.as(msp);
    await expect(cast.network.submit(who, 'Registry:registerMeter', aMeterRegistration(meter))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(who, 'Registry:rotateMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-1', keyId: 'k2', publicKey: meter.publicKey })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(cast.network.submit(who, 'Registry:revokeMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-1', keyId: 'k1' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('registers, rotates and revokes meter keys for Authority, bound to one EVSE', async () => {
    await cast.network.submit(cast.operator, 'Registry:registerStation', aStation());
    const meter = new TestMeter('MTR-1');
    await cast.network.submit(cast.authority, 'Registry:registerMeter', aMeterRegistration(meter));
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'MeterKeyRegistered', payload: { meterSerial: 'MTR-1', keyId: 'k1', rotated: false } });
    await expect(cast.network.submit(cast.authority, 'Registry:registerMeter', aMeterRegistration(new TestMeter('MTR-2')))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(cast.network.submit(cast.authority, 'Registry:registerMeter', aMeterRegistration(new TestMeter('MTR-3'), 'E9'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cast.network.submit(cast.authority, 'Registry:registerMeter', { ...aMeterRegistration(new TestMeter('MTR-4')), publicKey: 'not a key' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });

    const next = new TestMeter('MTR-1');
    await cast.network.submit(cast.authority, 'Registry:rotateMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-1', keyId: 'k2', publicKey: next.publicKey });
    await cast.network.submit(cast.authority, 'Registry:revokeMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-1', keyId: 'k1' });
    const stored = await cast.network.evaluate(cast.operator, 'Registry:getMeter', { meterSerial: 'MTR-1' });
    expect(stored.keys.map((key) => [key.keyId, key.status])).toEqual([
      ['k1', 'revoked'],
      ['k2', 'current'],
    ]);
    await expect(cast.network.submit(cast.authority, 'Registry:revokeMeterKey', { eventId: cast.eventId(), meterSerial: 'MTR-1', keyId: 'k1' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });
});
