import { scaleDecimal } from './decimal';
import { evidenceHash, payloadHash } from './envelope';
import { OcmfError, type OcmfErrorCode } from './errors';
import { parseOcmf, type OcmfIdentification, type OcmfReading, type OcmfRecord } from './record';
import { decodePublicKey, verifyWithKey } from './signature';

/** TX codes that close a transaction (table 7): End, or the more precise Local, Remote, Abort, Power failure. */
export type EndCode = 'E' | 'L' | 'R' | 'A' | 'P';
export type EnergyUnit = 'kWh' | 'Wh';

/** What a session's signed meter records prove, once every check has passed. */
export interface MeterEvidence {
  /** MS, or GS when the record names no meter serial (gateway and meter are one device, e.g. KEBA). */
  readonly meterSerial: string;
  /** GS; null when absent or empty. */
  readonly gatewaySerial: string | null;
  /** RI of the register the session was measured on. */
  readonly obis: string;
  /** RU of that register. */
  readonly unit: EnergyUnit;
  /** TM of the begin reading, as signed. */
  readonly startTime: string;
  /** startTime as UTC epoch milliseconds. */
  readonly startTimeMs: number;
  /** TM of the end reading, as signed. */
  readonly endTime: string;
  /** endTime as UTC epoch milliseconds. Not checked against startTime: an unsynchronised clock may jump. */
  readonly endTimeMs: number;
  /** RV of the begin reading in mWh, exact (RV is read digit for digit from the signed text). */
  readonly startRegisterMilliWh: number;
  /** RV of the end reading in mWh, exact. */
  readonly endRegisterMilliWh: number;
  /** end − start, exact. */
  readonly energyMilliWh: number;
  /** end − start in whole Wh, rounded down: a started Wh is not billed (energyMilliWh keeps the rest). */
  readonly energyWh: number;
  /** PG of each record, in order, e.g. `['T1040', 'T1041']`. */
  readonly pagination: readonly string[];
  /** The transaction-context counter of the first record (1040 above); the others follow it one by one. */
  readonly firstPage: number;
  /** The counter of the last record (1041 above). */
  readonly lastPage: number;
  /** TX of the last reading. */
  readonly endCode: EndCode;
  /** IS; false when no record assigns a user or the records carry no IS. */
  readonly identificationStatus: boolean;
  /** IT; null when absent. */
  readonly identificationType: string | null;
  /** ID; null when absent. May be a card's raw UID: do not write it to the ledger in clear. */
  readonly identificationData: string | null;
  /** evidenceHash of each record, in order. */
  readonly hashes: readonly string[];
  /** payloadHash of each record, in order: the identity of a reading that survives re-encoding. */
  readonly payloadHashes: readonly string[];
}

const END_CODES: ReadonlySet<string> = new Set<EndCode>(['E', 'L', 'R', 'A', 'P']);
/** Codes allowed between begin and end: Charging, Suspended, Tariff change. */
const MIDDLE_CODES: ReadonlySet<string> = new Set(['C', 'S', 'T']);
const MILLI_WH_SCALE: Readonly<Record<EnergyUnit, number>> = { kWh: 6, Wh: 3 };

interface SessionRegister {
  readonly obis: string;
  readonly unit: EnergyUnit;
}

interface RegisterReading {
  readonly reading: OcmfReading;
  readonly recordIndex: number;
  readonly readingIndex: number;
}

/**
 * Verifies the signed records of one charging session, given in pagination order: one record holding
 * begin and end, or several. Throws OcmfError at the first failed check, in this order: key, each
 * signature, format, serials, pagination, status and error flags of every reading, register and unit,
 * begin/end sequence, register never decreasing, user assignment.
 *
 * The session's register is the RI of the first reading with a value. Readings of other registers in the
 * same records (a duration, a per-session counter) are not billed but must still report no error.
 */
export function verifyTransactionEvidence(records: readonly string[], publicKey: string): MeterEvidence {
  const key = decodePublicKey(publicKey);
  if (key === undefined) throw fail('BAD_KEY', 'public key is not an SPKI public key in hex or base64');
  records.forEach((text, recordIndex) => {
    if (!located(recordIndex, () => verifyWithKey(text, key))) {
      throw fail('BAD_SIGNATURE', 'signature does not verify', { recordIndex });
    }
  });
  const parsed = records.map((text, recordIndex) => located(recordIndex, () => parseOcmf(text)));
  const [first] = parsed;
  if (first === undefined) throw fail('MALFORMED', 'no records');

  checkSerials(first, parsed);
  checkPagination(first, parsed);
  checkReadingHealth(parsed);
  const register = sessionRegister(first);
  const readings = registerReadings(register, parsed);
  const { begin, end, endCode } = checkSequence(readings);
  const registerMilliWh = readings.map((entry) => milliWh(entry, register.unit));
  checkRegisterIncreases(readings, registerMilliWh);
  const startMilliWh = registerMilliWh[0] ?? 0n;
  const endMilliWh = registerMilliWh[registerMilliWh.length - 1] ?? 0n;
  const energyMilliWh = endMilliWh - startMilliWh;
  const identification = sessionIdentification(first, parsed);

  return {
    meterSerial: first.meterSerial || first.gatewaySerial || '',
    gatewaySerial: first.gatewaySerial || null,
    obis: register.obis,
    unit: register.unit,
    startTime: begin.reading.time.text,
    startTimeMs: begin.reading.time.epochMs,
    endTime: end.reading.time.text,
    endTimeMs: end.reading.time.epochMs,
    startRegisterMilliWh: Number(startMilliWh),
    endRegisterMilliWh: Number(endMilliWh),
    energyMilliWh: Number(energyMilliWh),
    energyWh: Number(energyMilliWh / 1000n),
    pagination: parsed.map((record) => record.pagination.text),
    firstPage: first.pagination.counter,
    lastPage: first.pagination.counter + parsed.length - 1,
    endCode,
    identificationStatus: identification.status === true,
    identificationType: identification.type ?? null,
    identificationData: identification.data ?? null,
    hashes: records.map(evidenceHash),
    payloadHashes: records.map(payloadHash),
  };
}

/**
 * The specification: all records come from one source. GS counts too, as one gateway may serve several
 * meters; an absent and an empty serial are the same.
 */
function checkSerials(first: OcmfRecord, records: readonly OcmfRecord[]): void {
  const sameSerial = (a: string | undefined, b: string | undefined): boolean => (a || null) === (b || null);
  records.forEach((record, recordIndex) => {
    if (!sameSerial(record.meterSerial, first.meterSerial) || !sameSerial(record.gatewaySerial, first.gatewaySerial)) {
      throw fail('SERIAL_MISMATCH', 'MS or GS differs from the first record', { recordIndex, field: 'MS' });
    }
  });
}

/** No record may be missing or inserted: transaction-context counters rise by exactly one. */
function checkPagination(first: OcmfRecord, records: readonly OcmfRecord[]): void {
  records.forEach(({ pagination }, recordIndex) => {
    const expected = first.pagination.counter + recordIndex;
    if (pagination.context !== 'T' || pagination.counter !== expected) {
      throw fail('PAGINATION_GAP', `expected T${expected}, found ${pagination.text}`, { recordIndex, field: 'PG' });
    }
  });
}

/** The specification: intermediate error conditions and unusable quantities must fail the check. */
function checkReadingHealth(records: readonly OcmfRecord[]): void {
  records.forEach((record, recordIndex) =>
    record.readings.forEach((reading, readingIndex) => {
      if (reading.status !== 'G') {
        throw fail('STATUS_NOT_OK', `meter status ${reading.status}`, { recordIndex, readingIndex, field: 'ST' });
      }
      if (reading.errorFlags !== '') {
        throw fail('ERROR_FLAGS', `error flags ${reading.errorFlags}`, { recordIndex, readingIndex, field: 'EF' });
      }
      if (reading.transaction === 'X') {
        const location = { recordIndex, readingIndex, field: 'TX' };
        throw fail('TRANSACTION_EXCEPTION', 'energy or time unusable from this reading', location);
      }
    }),
  );
}

function sessionRegister(first: OcmfRecord): SessionRegister {
  const readingIndex = first.readings.findIndex((reading) => reading.value !== undefined);
  const reading = first.readings[readingIndex];
  if (reading?.obis === undefined) throw fail('NOT_BEGIN', 'first record holds no reading with a value', { recordIndex: 0 });
  if (reading.unit !== 'kWh' && reading.unit !== 'Wh') {
    throw fail('UNSUPPORTED_UNIT', `register unit ${reading.unit ?? ''}`, { recordIndex: 0, readingIndex, field: 'RU' });
  }
  return { obis: reading.obis, unit: reading.unit };
}

/** Readings of the session's register in signed order; every record must hold at least one. */
function registerReadings(register: SessionRegister, records: readonly OcmfRecord[]): RegisterReading[] {
  return records.flatMap((record, recordIndex) => {
    const own = record.readings
      .map((reading, readingIndex) => ({ reading, recordIndex, readingIndex }))
      .filter(({ reading }) => reading.value !== undefined && reading.obis === register.obis);
    if (own.length === 0) throw fail('OBIS_MISMATCH', `no reading of register ${register.obis}`, { recordIndex, field: 'RI' });
    const foreign = own.find(({ reading }) => reading.unit !== register.unit);
    if (foreign !== undefined) throw fail('UNIT_MISMATCH', `unit ${foreign.reading.unit ?? ''}`, at(foreign, 'RU'));
    return own;
  });
}

function checkSequence(readings: readonly RegisterReading[]): { begin: RegisterReading; end: RegisterReading; endCode: EndCode } {
  const begin = readings[0];
  const end = readings[readings.length - 1];
  if (begin === undefined || begin.reading.transaction !== 'B') {
    throw fail('NOT_BEGIN', 'first reading is not TX=B', begin && at(begin, 'TX'));
  }
  if (end === undefined || readings.length < 2 || !END_CODES.has(end.reading.transaction ?? '')) {
    throw fail('NO_END', 'last reading carries no end code', end && at(end, 'TX'));
  }
  const stray = readings.slice(1, -1).find(({ reading }) => !MIDDLE_CODES.has(reading.transaction ?? ''));
  if (stray !== undefined) {
    throw fail('OUT_OF_SEQUENCE', `TX=${stray.reading.transaction ?? '(none)'} between begin and end`, at(stray, 'TX'));
  }
  return { begin, end, endCode: end.reading.transaction as EndCode };
}

function checkRegisterIncreases(readings: readonly RegisterReading[], values: readonly bigint[]): void {
  values.forEach((value, i) => {
    const before = values[i - 1];
    const entry = readings[i];
    if (before !== undefined && entry !== undefined && value < before) {
      throw fail('REGISTER_DECREASED', 'register fell below the previous reading', at(entry, 'RV'));
    }
  });
}

/** The register in mWh: kWh keeps 6 decimals, Wh keeps 3; a value needing more is refused, never rounded. */
function milliWh(entry: RegisterReading, unit: EnergyUnit): bigint {
  const value = scaleDecimal(entry.reading.value ?? '', MILLI_WH_SCALE[unit]);
  if (value === undefined || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw fail('MALFORMED', `RV ${entry.reading.value ?? ''} ${unit} is not a whole number of mWh`, at(entry, 'RV'));
  }
  return value;
}

/** Records that assign a user (IS=true) must agree on who; that user is the session's. */
function sessionIdentification(first: OcmfRecord, records: readonly OcmfRecord[]): OcmfIdentification {
  const assigned = records
    .map((record, recordIndex) => ({ identification: record.identification, recordIndex }))
    .filter(({ identification }) => identification.status === true);
  const chosen = assigned[0]?.identification ?? first.identification;
  const conflict = assigned.find(
    ({ identification }) => identification.type !== chosen.type || identification.data !== chosen.data,
  );
  if (conflict !== undefined) {
    throw fail('IDENTIFICATION_MISMATCH', 'records assign different users', { recordIndex: conflict.recordIndex, field: 'ID' });
  }
  return chosen;
}

function at(entry: RegisterReading, field: string): Location {
  return { recordIndex: entry.recordIndex, readingIndex: entry.readingIndex, field };
}

interface Location {
  readonly recordIndex?: number;
  readonly readingIndex?: number;
  readonly field?: string;
}

function fail(code: OcmfErrorCode, message: string, location: Location = {}): OcmfError {
  return new OcmfError({ code, message, ...location });
}

/** Runs one record's step so that an error it throws names the record. */
function located<T>(recordIndex: number, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw error instanceof OcmfError ? error.inRecord(recordIndex) : error;
  }
}
