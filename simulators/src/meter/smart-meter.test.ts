import { ManualClock } from '../clock';
import { ElectricVehicle, type EvModel } from './ev';
import { generateMeterKey } from './keys';
import { parseOcmf, verifyOcmf, type OcmfIdentification } from './ocmf';
import { SmartMeter } from './smart-meter';

const START = Date.parse('2025-03-01T08:00:00.000Z');
const HOUR = 3_600_000;

function aMeter(overrides: { registerWh?: number; nextPage?: number } = {}): { meter: SmartMeter; clock: ManualClock } {
  const clock = new ManualClock(START);
  const meter = new SmartMeter({
    clock,
    identity: { vendor: 'Voltmeter Co', model: 'VM-3', serial: 'VM3-0001' },
    gateway: { id: 'Test Gateway', serial: 'GW-1', version: '1.0.0' },
    signingKey: generateMeterKey(),
    registerWh: overrides.registerWh ?? 1_000,
    stepMs: 1_000,
    nextPage: overrides.nextPage ?? 1,
  });
  return { meter, clock };
}

function anEv(overrides: Partial<EvModel> = {}): ElectricVehicle {
  return new ElectricVehicle({ batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000, ...overrides });
}

const identification: OcmfIdentification = {
  assigned: true,
  level: 'TRUSTED',
  flags: ['RFID_PLAIN', 'OCPP_AUTH'],
  type: 'ISO14443',
  data: '04A2B3C4D5E6F7',
};

describe('SmartMeter energy and power', () => {
  it('counts nothing while no vehicle is attached', async () => {
    const { meter, clock } = aMeter({ registerWh: 5_000 });
    await clock.advance(HOUR);
    expect(meter.read()).toMatchObject({ registerWh: 5_000, powerW: 0 });
  });

  it('integrates power over simulated time into whole watt-hours', async () => {
    const { meter, clock } = aMeter({ registerWh: 1_000 });
    meter.attach({ vehicle: anEv(), limitW: () => 7_400 });
    await clock.advance(HOUR / 2);
    expect(meter.read()).toMatchObject({ registerWh: 1_000 + 3_700, powerW: 7_400 });
  });

  it('draws no more than the vehicle accepts when the charger offers more', async () => {
    const { meter, clock } = aMeter();
    meter.attach({ vehicle: anEv({ maxPowerW: 11_000 }), limitW: () => 22_000 });
    await clock.advance(HOUR);
    expect(meter.read()).toMatchObject({ registerWh: 1_000 + 11_000, powerW: 11_000 });
  });

  it('follows a lowered limit from the moment it changes', async () => {
    const { meter, clock } = aMeter({ registerWh: 0 });
    let limitW = 11_000;
    meter.attach({ vehicle: anEv(), limitW: () => limitW });
    await clock.advance(HOUR);
    meter.update(() => {
      limitW = 3_680;
    });
    expect(meter.read().powerW).toBe(3_680);
    await clock.advance(HOUR);
    expect(meter.read().registerWh).toBe(11_000 + 3_680);
  });

  it('tapers as the battery fills and stops at exactly the energy that fills it', async () => {
    const { meter, clock } = aMeter({ registerWh: 0 });
    const vehicle = anEv({ batteryCapacityWh: 10_000, initialSocPercent: 70, maxPowerW: 10_000, taperStartSocPercent: 80 });
    meter.attach({ vehicle, limitW: () => 22_000 });

    const powers: number[] = [];
    for (let minute = 0; minute < 120; minute++) {
      await clock.advance(60_000);
      powers.push(meter.read().powerW);
    }
    const firstTapered = powers.findIndex((p) => p < 10_000);
    expect(firstTapered).toBeGreaterThan(0);
    const tapering = powers.slice(firstTapered, powers.indexOf(0));
    expect(tapering.every((p, i) => i === 0 || p <= tapering[i - 1]!)).toBe(true);
    expect(powers.at(-1)).toBe(0);
    expect(vehicle.isFull).toBe(true);
    expect(meter.read().registerWh).toBe(3_000);
  });
});

describe('SmartMeter OCMF records', () => {
  it('signs begin, update and end records with consecutive transaction pagination', async () => {
    const { meter, clock } = aMeter({ nextPage: 41 });
    meter.attach({ vehicle: anEv(), limitW: () => 11_000 });
    const begin = meter.beginTransaction(identification);
    await clock.advance(HOUR / 4);
    const update = meter.signUpdate('C');
    await clock.advance(HOUR / 4);
    const end = meter.endTransaction();
    const next = meter.beginTransaction(identification);

    expect([begin, update, end, next].map((r) => parseOcmf(r.record).payload.PG)).toEqual(['T41', 'T42', 'T43', 'T44']);
    expect([begin, update, end].map((r) => parseOcmf(r.record).payload.RD[0]?.TX)).toEqual(['B', 'C', 'E']);
  });

  it('writes the fields of the payload as the format defines them', () => {
    const { meter } = aMeter({ registerWh: 12_340 });
    const { payloadText, payload, signature } = parseOcmf(meter.beginTransaction(identification).record);

    expect(payload).toMatchObject({
      FV: '1.0',
      GI: 'Test Gateway',
      GS: 'GW-1',
      GV: '1.0.0',
      PG: 'T1',
      MV: 'Voltmeter Co',
      MM: 'VM-3',
      MS: 'VM3-0001',
      IS: true,
      IL: 'TRUSTED',
      IF: ['RFID_PLAIN', 'OCPP_AUTH'],
      IT: 'ISO14443',
      ID: '04A2B3C4D5E6F7',
      RD: [{ TM: '2025-03-01T08:00:00,000+0000 S', TX: 'B', RI: '1-b:1.8.0', RU: 'kWh', EF: '', ST: 'G' }],
    });
    expect(payloadText).toContain('"RV":12.340,');
    expect(signature.SA).toBe('ECDSA-secp256r1-SHA256');
    expect(signature.SD).toMatch(/^[0-9a-f]+$/);
  });

  it('produces signatures that verify against the published key and fail after one digit changes', async () => {
    const { meter, clock } = aMeter({ registerWh: 98_765 });
    meter.attach({ vehicle: anEv(), limitW: () => 11_000 });
    meter.beginTransaction(identification);
    await clock.advance(HOUR);
    const { record } = meter.endTransaction();

    expect(verifyOcmf(record, meter.publicKeyHex)).toBe(true);
    const tampered = record.replace('"RV":109.765', '"RV":109.766');
    expect(tampered).not.toBe(record);
    expect(verifyOcmf(tampered, meter.publicKeyHex)).toBe(false);
    expect(verifyOcmf(record, aMeter().meter.publicKeyHex)).toBe(false);
  });

  it('refuses a second begin and an end without a begin', () => {
    const { meter } = aMeter();
    expect(() => meter.endTransaction()).toThrow(expect.objectContaining({ name: 'MeterError', code: 'NoTransaction' }));
    meter.beginTransaction(identification);
    expect(() => meter.beginTransaction(identification)).toThrow(expect.objectContaining({ name: 'MeterError', code: 'TransactionOpen' }));
  });
});
