import { ManualClock } from '../../clock';
import type { EvModel } from '../../meter/ev';
import { parseOcmf, verifyOcmf, type OcmfPayload } from '../../meter/ocmf';
import type { ReconnectBackoff } from '../../ocpp/link';

/** 2025-03-01 08:00:00 UTC, a whole second so sample times are round. */
export const T0 = Date.parse('2025-03-01T08:00:00.000Z');
export const MINUTE = 60_000;

/** Reconnects within a few hundred milliseconds and without jitter, so tests are quick and repeatable. */
export const FAST_RECONNECT: ReconnectBackoff = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0 };

export function aClock(): ManualClock {
  return new ManualClock(T0);
}

export function anEv(overrides: Partial<EvModel> = {}): EvModel {
  return { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000, ...overrides };
}

let identities = 0;
/** A fresh charge point identity per test, so tests never share CSMS state. */
export function anIdentity(prefix: string): string {
  identities += 1;
  return `${prefix}-${process.pid}-${identities}`;
}

export interface DecodedSignedValue {
  readonly payload: OcmfPayload;
  readonly verifies: boolean;
  readonly publicKeyHex: string;
}

/** Decodes a signedMeterValue (base64 OCMF and base64 SPKI key) and checks its signature. */
export function decodeSignedMeterValue(signed: { signedMeterData: string; publicKey: string; encodingMethod: string }): DecodedSignedValue {
  const record = Buffer.from(signed.signedMeterData, 'base64').toString('utf8');
  const publicKeyHex = Buffer.from(signed.publicKey, 'base64').toString('hex');
  return { payload: parseOcmf(record).payload, verifies: signed.encodingMethod === 'OCMF' && verifyOcmf(record, publicKeyHex), publicKeyHex };
}
