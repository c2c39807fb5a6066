import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createChargePoint } from '../chargepoint/create';
import { ManualClock } from '../clock';
import { ElectricVehicle } from './ev';
import { generateMeterKey } from './keys';
import { MeterStateFiles, type MeterState, type MeterStateStore } from './meter-state';
import { parseOcmf, type OcmfIdentification } from './ocmf';
import { SmartMeter } from './smart-meter';

const START = Date.parse('2026-12-01T08:00:00.000Z');
const HOUR = 3_600_000;
const DRIVER: OcmfIdentification = { assigned: true, level: 'TRUSTED', flags: ['RFID_PLAIN'], type: 'ISO14443', data: '04A2B3C4D5E6F7' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meter-state-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One run of the simulator: a meter built from what the store kept, charging a vehicle for an hour. */
async function aRun(store: MeterStateStore, key = generateMeterKey()): Promise<{ pages: string[]; registersKWh: string[] }> {
  const clock = new ManualClock(START);
  const kept = store.load('VM3-0001');
  const meter = new SmartMeter({
    clock,
    identity: { vendor: 'Voltmeter Co', model: 'VM-3', serial: 'VM3-0001' },
    gateway: { id: 'Test Gateway', serial: 'GW-1', version: '1.0.0' },
    signingKey: key,
    registerWh: kept?.registerWh ?? 0,
    stepMs: 1_000,
    nextPage: kept?.nextPage ?? 1,
    onSigned: (state) => store.save('VM3-0001', state),
  });
  meter.attach({ vehicle: new ElectricVehicle({ batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 }), limitW: () => 11_000 });
  const records = [meter.beginTransaction(DRIVER).record];
  await clock.advance(HOUR);
  records.push(meter.endTransaction().record);
  const payloads = records.map((record) => parseOcmf(record).payload);
  return { pages: payloads.map((payload) => payload.PG), registersKWh: payloads.map((payload) => String(payload.RD[0]?.RV)) };
}

describe('a simulated meter kept across runs', () => {
  it('goes on from the pagination and register its last run signed, where a meter without a store starts at T1 and 0 again', async () => {
    const store = new MeterStateFiles(path.join(dir, 'meter-states'));
    const key = generateMeterKey();
    const first = await aRun(store, key);
    const second = await aRun(new MeterStateFiles(path.join(dir, 'meter-states')), key);
    expect(first).toEqual({ pages: ['T1', 'T2'], registersKWh: ['0', '11'] });
    expect(second).toEqual({ pages: ['T3', 'T4'], registersKWh: ['11', '22'] });
    expect(store.load('VM3-0001')).toEqual({ nextPage: 5, registerWh: 22_000, lastSignedMs: START + HOUR });

    const forgetful: MeterStateStore = { load: () => undefined, save: () => undefined };
    expect(await aRun(forgetful, key)).toEqual(first);
  });

  it('keeps each meter in a file of its own that only its owner may read, in a folder only its owner may enter', () => {
    const store = new MeterStateFiles(path.join(dir, 'meter-states'));
    store.save('VM3-0001', { nextPage: 7, registerWh: 12_345 });
    store.save('VM3-0001', { nextPage: 9, registerWh: 12_400, lastSignedMs: START });
    expect(store.load('VM3-0001')).toEqual({ nextPage: 9, registerWh: 12_400, lastSignedMs: START });
    expect(store.load('VM3-0002')).toBeUndefined();
    expect(readdirSync(path.join(dir, 'meter-states'))).toEqual(['VM3-0001.json']);
    expect(statSync(path.join(dir, 'meter-states')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'meter-states', 'VM3-0001.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps a charger clock\'s fractional millisecond as the next whole one, so the next run loads it', () => {
    const store = new MeterStateFiles(path.join(dir, 'meter-states'));
    store.save('VM3-0001', { nextPage: 3, registerWh: 500, lastSignedMs: START + 0.25 });
    expect(store.load('VM3-0001')).toEqual({ nextPage: 3, registerWh: 500, lastSignedMs: START + 1 });
  });

  it('refuses a state file that holds no state, and a serial that cannot name a file', () => {
    const store = new MeterStateFiles(path.join(dir, 'meter-states'));
    writeFileSync(path.join(dir, 'meter-states', 'VM3-0001.json'), '{"nextPage":0,"registerWh":10}');
    expect(() => store.load('VM3-0001')).toThrow(expect.objectContaining({ name: 'MeterError', code: 'InvalidState' }));
    expect(() => store.save('../escape', { nextPage: 1, registerWh: 0 })).toThrow(expect.objectContaining({ name: 'MeterError', code: 'InvalidState' }));
  });

  it('gives a charge point\'s EVSE meters the state kept under their serials', () => {
    const asked: string[] = [];
    const kept: MeterState = { nextPage: 41, registerWh: 250_000 };
    const store: MeterStateStore = { load: (serial) => (asked.push(serial), kept), save: () => undefined };
    const cp = createChargePoint({ protocol: '1.6', identity: 'CP-KEPT', endpoint: 'ws://127.0.0.1:1/ocpp', template: 'voltbridge-ac22-duo', clock: new ManualClock(START), meterStates: store });
    expect(asked).toEqual(['CP-KEPT-M1', 'CP-KEPT-M2']);
    expect(cp.meterReading(1)).toMatchObject({ registerWh: 250_000 });
  });
});
