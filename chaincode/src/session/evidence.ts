import { TRANSIENT_KEYS, type Meter, type SessionEvidence, type UnsignedMeterDataTerms, type Verification } from '../api';
import { refuse, refuseForNow } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { OcmfError, verifyTransactionEvidence } from '../ocmf';
import { loadPermission } from '../registry/unsigned';
import type { FrozenMeter } from './records';

/** Meter clocks drift; readings may lie this far outside the session's ledger times. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** What a settlement is priced from. */
export interface Measurement {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyWh: number;
  readonly verification: Verification;
  readonly evidenceHashes: readonly string[];
  /** When charging ended and parking began (the settlement's chargingEndMs, when between the readings). */
  readonly chargingEndMs?: number;
}

/** The OCMF records of the transient map: a JSON array of 1-100 strings. */
export function transientRecords(tx: Tx): string[] {
  const bytes = tx.transient(TRANSIENT_KEYS.ocmfRecords) ?? refuse('BAD_REQUEST', 'transient ocmfRecords is required for OCMF evidence');
  return ocmfRecordsOf(parseTransient(bytes, TRANSIENT_KEYS.ocmfRecords), TRANSIENT_KEYS.ocmfRecords);
}

/** The records of each settlement of a batch (transient ocmfRecordsByEvent), by event id; an empty map if absent. */
export function transientRecordsByEvent(tx: Tx): ReadonlyMap<string, unknown> {
  const bytes = tx.transient(TRANSIENT_KEYS.ocmfRecordsByEvent);
  if (bytes === undefined) return new Map();
  const byEvent = parseTransient(bytes, TRANSIENT_KEYS.ocmfRecordsByEvent);
  if (byEvent === null || typeof byEvent !== 'object' || Array.isArray(byEvent)) refuse('BAD_REQUEST', 'transient ocmfRecordsByEvent must be an object');
  return new Map(Object.entries(byEvent));
}

function parseTransient(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    refuse('BAD_REQUEST', `transient ${name} is not JSON`);
  }
}

/** A JSON array of 1-100 OCMF strings, or a refusal naming where it came from. */
export function ocmfRecordsOf(records: unknown, what: string): string[] {
  if (!Array.isArray(records) || records.length < 1 || records.length > 100 || !records.every((record) => typeof record === 'string')) {
    refuse('BAD_REQUEST', `transient ${what} must be an array of 1-100 OCMF strings`);
  }
  return records as string[];
}

/**
 * Where a meter key's settled records ended: a real meter's pagination and register never go back, so the next
 * records of the same key must lie past both (ADR 0040). Stored under KEY.meterMark [meterSerial, keyId].
 */
export interface MeterMark {
  readonly meterSerial: string;
  readonly keyId: string;
  /** The transaction-context counter of the last record settled. */
  readonly page: number;
  /** RI of the register those records measured: registers are compared only within one. */
  readonly obis: string;
  /** That register's last settled value, in mWh. */
  readonly registerMilliWh: number;
  /** When the last record settled was signed (the meter's clock), ms; absent in marks written before it was kept. */
  readonly endMs?: number;
  /** The transaction that settled them. */
  readonly txId: string;
}

/** A signed measurement, the claim keys its records take once it settles and the meter mark it moves (`claimEvidence`). */
export interface SignedMeasurement {
  readonly measurement: Measurement;
  readonly payloadHashes: readonly string[];
  /** Absent when the records lie wholly before the mark (a session settled late): the mark stays where it is. */
  readonly mark?: Omit<MeterMark, 'txId'>;
}

/**
 * Verifies signed records against the key frozen at the start (refused if Authority has since revoked
 * it), requires the serial the key is bound to, and refuses records that already settled something.
 */
export async function verifiedMeasurement(tx: Tx, frozen: FrozenMeter | undefined, records: readonly string[]): Promise<Measurement> {
  const signed = await unclaimedSignedMeasurement(tx, frozen, records);
  await claimEvidence(tx, signed);
  return signed.measurement;
}

/**
 * What verifiedMeasurement checks, without claiming the records: it reads and never writes, so a caller
 * that refuses the settlement after it (ADR 0025) leaves the records unclaimed.
 */
export async function unclaimedSignedMeasurement(tx: Tx, frozen: FrozenMeter | undefined, records: readonly string[]): Promise<SignedMeasurement> {
  if (frozen === undefined) refuse('EVIDENCE_REJECTED', 'no meter key was in force when the session started (or the offer was posted)');
  const meter = await tx.must<Meter>(tx.key(KEY.meter, frozen.meterSerial), `meter ${frozen.meterSerial}`);
  const key = meter.keys.find((candidate) => candidate.keyId === frozen.keyId);
  if (key === undefined || key.status === 'revoked') refuse('METER_KEY_REVOKED', `meter key ${frozen.keyId} has been revoked`);
  let evidence;
  try {
    evidence = verifyTransactionEvidence(records, frozen.publicKey);
  } catch (error) {
    if (error instanceof OcmfError) refuse('EVIDENCE_REJECTED', `${error.code}${error.recordIndex === undefined ? '' : ` in record ${error.recordIndex}`}: ${error.message}`);
    throw error;
  }
  if (evidence.meterSerial !== frozen.meterSerial) refuse('EVIDENCE_REJECTED', `records are from meter ${evidence.meterSerial}, not ${frozen.meterSerial}`);
  await refuseClaimed(tx, evidence.payloadHashes);
  const next = { meterSerial: frozen.meterSerial, keyId: frozen.keyId, page: evidence.lastPage, obis: evidence.obis, registerMilliWh: evidence.endRegisterMilliWh, endMs: evidence.endTimeMs };
  const mark = (await refuseBackwards(tx, next, evidence.firstPage, evidence.startRegisterMilliWh)) === 'before' ? undefined : next;
  return {
    measurement: {
      startMs: evidence.startTimeMs,
      endMs: evidence.endTimeMs,
      energyWh: evidence.energyWh,
      verification: 'verified',
      evidenceHashes: evidence.hashes,
    },
    payloadHashes: evidence.payloadHashes,
    ...(mark === undefined ? {} : { mark }),
  };
}

/**
 * A meter key's records must begin past the last ones it settled: a higher pagination counter, and on the same
 * register no lower value. Records that go back were signed before (a replayed or restarted meter) or by a
 * meter whose counters were reset, and cannot be told from a second charge of the same energy.
 */
async function refuseBackwards(tx: Tx, next: Omit<MeterMark, 'txId'>, firstPage: number, startRegisterMilliWh: number): Promise<'after' | 'before'> {
  const last = await tx.get<MeterMark>(tx.key(KEY.meterMark, next.meterSerial, next.keyId));
  if (last === undefined) return 'after';
  // A session settled after a later one of the same meter (an outage, a retry): its records lie wholly before the
  // mark in pagination, register and the meter's own clock, as a real meter's do. A meter whose counters were
  // reset signs on with its clock going forward, and is refused below.
  const sameRegister = last.obis === next.obis;
  if (last.endMs !== undefined && next.endMs !== undefined && next.endMs < last.endMs && next.page < last.page && (!sameRegister || next.registerMilliWh <= last.registerMilliWh)) return 'before';
  if (firstPage <= last.page) {
    refuse('METER_READING_BACKWARDS', `meter ${next.meterSerial} key ${next.keyId}: the records begin at T${firstPage}, not past T${last.page} settled in ${last.txId}`);
  }
  if (sameRegister && startRegisterMilliWh < last.registerMilliWh) {
    refuse('METER_READING_BACKWARDS', `meter ${next.meterSerial} key ${next.keyId}: register ${next.obis} begins at ${startRegisterMilliWh / 1000} Wh, below ${last.registerMilliWh / 1000} Wh settled in ${last.txId}`);
  }
  return 'after';
}

/**
 * Unsigned readings, accepted only under the Authority's permission frozen at the open, and only while the
 * Authority has not revoked it since.
 */
export async function unsignedMeasurement(
  tx: Tx,
  stationId: string,
  evidence: Extract<SessionEvidence, { kind: 'unsigned' }>,
  terms: UnsignedMeterDataTerms | undefined,
): Promise<Measurement> {
  if (terms === undefined) refuse('UNSIGNED_NOT_ALLOWED', 'the station had no permission of the Authority for unsigned meter data when the session opened');
  if ((await loadPermission(tx, stationId))?.status !== 'granted') refuse('UNSIGNED_NOT_ALLOWED', 'the Authority has revoked the station\'s permission for unsigned meter data');
  if (evidence.endRegisterWh < evidence.startRegisterWh) refuse('EVIDENCE_REJECTED', 'the register runs backwards');
  if (evidence.endTimeMs < evidence.startTimeMs) refuse('EVIDENCE_REJECTED', 'the readings are out of order');
  return {
    startMs: evidence.startTimeMs,
    endMs: evidence.endTimeMs,
    energyWh: evidence.endRegisterWh - evidence.startRegisterWh,
    verification: 'unverified',
    evidenceHashes: [],
  };
}

/** The readings must fall within [fromMs, toMs] (a session's life, a delivery window), allowing for meter clock skew. */
export function checkWindow(measurement: Measurement, fromMs: number, toMs: number): void {
  if (measurement.startMs < fromMs - MAX_CLOCK_SKEW_MS) refuse('EVIDENCE_REJECTED', 'the first reading predates the session');
  if (measurement.endMs > toMs + MAX_CLOCK_SKEW_MS) refuseForNow('EVIDENCE_REJECTED', 'the last reading is in the future');
}

/**
 * A start the charger claimed must agree with the first reading, as far as meter clocks do: the claim chose
 * the tariff version and meter key and widened the window into the past, and only the meter's signature
 * vouches for it.
 */
export function checkClaimedStart(measurement: Measurement, startedAtMs: number): void {
  if (Math.abs(measurement.startMs - startedAtMs) > MAX_CLOCK_SKEW_MS) {
    refuse('EVIDENCE_REJECTED', `the first reading is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes away from the session's claimed start`);
  }
}

/**
 * Each signed record settles one thing once. Records are identified by the hash of their signed payload,
 * which survives re-encoding the signature (hex or base64), so a re-encoded copy is still refused.
 */
export async function refuseClaimed(tx: Tx, hashes: readonly string[]): Promise<void> {
  if (new Set(hashes).size !== hashes.length) refuse('EVIDENCE_REUSED', 'a record appears twice in the evidence');
  for (const hash of hashes) {
    const used = await tx.get<string>(tx.key(KEY.evidence, hash));
    if (used !== undefined) refuse('EVIDENCE_REUSED', `record ${hash} already settled ${used}`);
  }
}

/** Claims records `refuseClaimed` found unused, for this transaction, and moves their meter key's mark past them. */
export async function claimEvidence(tx: Tx, signed: Pick<SignedMeasurement, 'payloadHashes' | 'mark'>): Promise<void> {
  for (const hash of signed.payloadHashes) await tx.put(tx.key(KEY.evidence, hash), tx.txId);
  if (signed.mark === undefined) return;
  const { meterSerial, keyId } = signed.mark;
  await tx.put(tx.key(KEY.meterMark, meterSerial, keyId), { ...signed.mark, txId: tx.txId } satisfies MeterMark);
}
