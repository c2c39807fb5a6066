import { TRANSIENT_KEYS, type OpenSessionRequest, type OpenSessionResult, type StationPolicy } from '../api';
import { aDriver, aLinkedToken, anAccount, type Cast } from './fixtures';
import { TestMeter } from './ocmf-meter';

/** 0.40 EUR/kWh net, 19 % VAT: 10 kWh cost 400 + 76 = 476 cents. */
export const ENERGY_TARIFF = {
  id: 'AC-STD',
  version: 1,
  currency: 'EUR',
  utcOffsetMinutes: 0,
  vatBasisPoints: 1900,
  elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 400_000, stepSize: 1 }] }],
};

export interface Site {
  readonly meter: TestMeter;
  readonly stationId: string;
  readonly payeeAccountId: string;
}

/** Operator op-1's station st-1 (EVSE E1, connector C1) with tariff AC-STD and a meter Authority registered. */
export async function aChargingSite(cast: Cast, policy: Partial<StationPolicy> = {}): Promise<Site> {
  const { network, operator, authority } = cast;
  await anAccount(cast, 'acc-op1', 'operator', 'op-1');
  await network.submit(operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: ENERGY_TARIFF });
  await network.submit(operator, 'Registry:registerStation', {
    eventId: cast.eventId(),
    stationId: 'st-1',
    payeeAccountId: 'acc-op1',
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
    policy: { minimumHold: 500, ...policy },
    tariffId: 'AC-STD',
  });
  const meter = new TestMeter('MTR-E1');
  await network.submit(authority, 'Registry:registerMeter', {
    eventId: cast.eventId(),
    meterSerial: meter.serial,
    binding: { kind: 'evse', stationId: 'st-1', evseId: 'E1' },
    keyId: 'k1',
    publicKey: meter.publicKey,
  });
  return { meter, stationId: 'st-1', payeeAccountId: 'acc-op1' };
}

/** The Authority lets st-1 settle from unsigned meter data for 30 days: by default up to 50 kWh a session at 22 kW. */
export async function anUnsignedPermission(cast: Cast, terms: { maxEnergyWh?: number; maxPowerW?: number; validUntilMs?: number } = {}): Promise<void> {
  await cast.network.submit(cast.authority, 'Registry:allowUnsignedMeterData', {
    eventId: cast.eventId(),
    stationId: 'st-1',
    validUntilMs: cast.network.nowMs + 30 * 24 * 3_600_000,
    maxEnergyWh: 50_000,
    maxPowerW: 22_000,
    ...terms,
  });
}

export interface Driver {
  readonly accountId: string;
  readonly proof: Record<string, string>;
}

export async function aFundedDriver(cast: Cast, accountId: string, topUp: number, sessionLimit = 5000): Promise<Driver> {
  await aDriver(cast, accountId, { topUp, sessionLimit });
  const proof = await aLinkedToken(cast, accountId, `TAG-${accountId}`);
  return { accountId, proof };
}

export function openRequest(cast: Cast, sessionId: string, driver: Driver, extra: { maxHold?: number; startedAtMs?: number } = {}): OpenSessionRequest {
  return {
    eventId: cast.eventId(),
    sessionId,
    stationId: 'st-1',
    evseId: 'E1',
    connectorId: 'C1',
    driverAccountId: driver.accountId,
    tokenRef: 'card-1',
    ...extra,
  };
}

export async function anOpenSession(cast: Cast, sessionId: string, driver: Driver): Promise<OpenSessionResult> {
  return cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, sessionId, driver), { transient: driver.proof });
}

export function ocmf(records: readonly string[]): Record<string, string> {
  return { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) };
}
