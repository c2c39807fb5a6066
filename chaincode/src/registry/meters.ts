import type { Meter, MeterBinding, MeterKey, Station } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { member } from '../core/request-shape';
import type { Tx } from '../core/transaction-view';
import { verifyOcmfSignature } from '../ocmf';

/** A meter key is accepted when the OCMF verifier can decode it (SPKI DER, hex or base64). */
export function isMeterKey(publicKey: string): boolean {
  try {
    // The verifier judges the key before it reads the record, so only a decodable key reaches the probe.
    return verifyOcmfSignature('OCMF|{}|{}', publicKey) !== 'bad-key';
  } catch {
    return true;
  }
}

/** An SPKI public key in hex or base64 that the OCMF verifier can decode. */
export const PUBLIC_KEY = member.custom({ type: 'string', description: 'SPKI DER public key, hex or base64' }, (fields, key) => {
  const value = fields.raw(key);
  if (typeof value !== 'string' || !isMeterKey(value)) refuse('BAD_REQUEST', `${key} is not an SPKI public key in hex or base64`);
  return value;
});

/** Where a meter measures: an EVSE of a station, or a prosumer's export point. */
export const METER_BINDING = member.tagged('kind', {
  evse: { stationId: member.id(), evseId: member.id() },
  'export-point': { prosumerId: member.id(), exportPointId: member.id() },
});

export function bindingKey(tx: Tx, binding: MeterBinding): string {
  return binding.kind === 'evse' ? tx.key(KEY.evseMeter, binding.stationId, binding.evseId) : tx.key(KEY.exportMeter, binding.prosumerId, binding.exportPointId);
}

export async function checkBindingTarget(tx: Tx, binding: MeterBinding): Promise<void> {
  if (binding.kind !== 'evse') return;
  const station = await tx.must<Station>(tx.key(KEY.station, binding.stationId), `station ${binding.stationId}`);
  if (!station.evses.some((evse) => evse.evseId === binding.evseId)) refuse('NOT_FOUND', `EVSE ${binding.evseId} is not at ${binding.stationId}`);
}

export function currentKey(meter: Meter): MeterKey | undefined {
  return meter.keys.find((key) => key.status === 'current');
}

/**
 * The key a meter signed with at `atMs`: the last one registered by then, or its current key if Authority
 * registered the meter only later. A revoked key is not frozen, as at any open: what it signed settles nothing.
 */
export function keyInForceAt(meter: Meter, atMs: number): MeterKey | undefined {
  const key = meter.keys.filter((candidate) => candidate.registeredAtMs <= atMs).at(-1) ?? currentKey(meter);
  return key?.status === 'revoked' ? undefined : key;
}

/** The meter bound to a binding target, if any. */
export async function meterAt(tx: Tx, binding: MeterBinding): Promise<Meter | undefined> {
  const serial = await tx.get<string>(bindingKey(tx, binding));
  return serial === undefined ? undefined : tx.get<Meter>(tx.key(KEY.meter, serial));
}
