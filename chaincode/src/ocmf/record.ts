import { malformed } from './errors';
import { openEnvelope, readPayloadSection, type OcmfSignature } from './envelope';
import { isJsonNumber, isJsonObject, type JsonObject, type JsonValue } from './json';
import { parseOcmfTime, type OcmfTime } from './time';

/** Reason for a reading (TX): Begin, Charging, eXception, End (or L, R, A, P), Suspended, Tariff change. */
export type TransactionCode = 'B' | 'C' | 'X' | 'E' | 'L' | 'R' | 'A' | 'P' | 'S' | 'T';
/** Meter state at the reading (ST, table 10); only `G` means the meter worked correctly. */
export type MeterStatus = 'N' | 'G' | 'T' | 'D' | 'R' | 'M' | 'X' | 'I' | 'O' | 'S' | 'E' | 'F';

const TRANSACTION_CODES: ReadonlySet<string> = new Set<TransactionCode>(['B', 'C', 'X', 'E', 'L', 'R', 'A', 'P', 'S', 'T']);
const METER_STATUSES: ReadonlySet<string> = new Set<MeterStatus>(['N', 'G', 'T', 'D', 'R', 'M', 'X', 'I', 'O', 'S', 'E', 'F']);
const PAGINATION = /^([TF])(0|[1-9][0-9]*)$/;
/**
 * A decimal sent as a string: some meters pad it with spaces (`"      48.542"`), others with leading zeros
 * to a fixed width (`"00000000.000"`). Both are the same decimal; only its digits and point are kept.
 */
const DECIMAL_STRING = /^ *(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?) *$/;

/**
 * One reading with its effective values. Within a record the specification lets a reading omit any field
 * equal to the previous reading's; such fields are filled in here, so every reading stands alone. RV and
 * CL are never carried over: a reading without RV only reports an event.
 */
export interface OcmfReading {
  /** TM */
  readonly time: OcmfTime;
  /** TX; undefined when the reading has no transaction reference (fiscal metering). */
  readonly transaction: TransactionCode | undefined;
  /** RV as the decimal literal the meter signed (padding removed); undefined for an event. */
  readonly value: string | undefined;
  /** RI, the OBIS code of the register. */
  readonly obis: string | undefined;
  /** RU */
  readonly unit: string | undefined;
  /** RT */
  readonly currentType: string | undefined;
  /** CL as its decimal literal. */
  readonly cumulatedLoss: string | undefined;
  /** EF; `''` when no quantity is flagged. */
  readonly errorFlags: string;
  /** ST */
  readonly status: MeterStatus;
}

/** PG: a context letter (Transaction or Fiscal) and that context's counter. */
export interface OcmfPagination {
  readonly text: string;
  readonly context: 'T' | 'F';
  readonly counter: number;
}

export interface OcmfIdentification {
  /** IS; undefined when the record carries no user assignment. */
  readonly status: boolean | undefined;
  /** IL */
  readonly level: string | undefined;
  /** IF */
  readonly flags: readonly string[];
  /** IT */
  readonly type: string | undefined;
  /** ID */
  readonly data: string | undefined;
}

export interface OcmfRecord {
  /** FV */
  readonly formatVersion: string | undefined;
  /** GI */
  readonly gatewayIdentification: string | undefined;
  /** GS */
  readonly gatewaySerial: string | undefined;
  /** GV */
  readonly gatewayVersion: string | undefined;
  readonly pagination: OcmfPagination;
  /** MV */
  readonly meterVendor: string | undefined;
  /** MM */
  readonly meterModel: string | undefined;
  /** MS */
  readonly meterSerial: string | undefined;
  /** MF */
  readonly meterFirmware: string | undefined;
  readonly identification: OcmfIdentification;
  /** TT */
  readonly tariffText: string | undefined;
  /** CT */
  readonly chargePointIdentificationType: string | undefined;
  /** CI */
  readonly chargePointIdentification: string | undefined;
  /** RD, in signed order. */
  readonly readings: readonly OcmfReading[];
  readonly signature: OcmfSignature;
  /** The signed payload section, byte for byte. */
  readonly payloadText: string;
}

/**
 * Reads a record's content. It does not check the signature: call verifyOcmfSignature first and trust
 * nothing read here before it says `valid`. Unknown keys (vendor extensions X..., U..., etc.) are ignored.
 * A record must name a meter serial (MS) or gateway serial (GS), as the specification requires.
 */
export function parseOcmf(text: string): OcmfRecord {
  const { payloadText, signature } = openEnvelope(text);
  const payload = readPayloadSection(payloadText);
  const field = (key: string): string | undefined => optionalString(payload, key);
  const record: OcmfRecord = {
    formatVersion: versionText(payload, 'FV'),
    gatewayIdentification: field('GI'),
    gatewaySerial: field('GS'),
    gatewayVersion: versionText(payload, 'GV'),
    pagination: readPagination(payload),
    meterVendor: field('MV'),
    meterModel: field('MM'),
    meterSerial: field('MS'),
    meterFirmware: versionText(payload, 'MF'),
    identification: readIdentification(payload),
    tariffText: field('TT'),
    chargePointIdentificationType: field('CT'),
    chargePointIdentification: field('CI'),
    readings: readReadings(payload.get('RD')),
    signature,
    payloadText,
  };
  if (!record.meterSerial && !record.gatewaySerial) throw malformed('record names neither MS nor GS', 'MS');
  return record;
}

function readPagination(payload: JsonObject): OcmfPagination {
  const text = payload.get('PG');
  const match = typeof text === 'string' ? PAGINATION.exec(text) : null;
  const counter = Number.parseInt(match?.[2] ?? '', 10);
  if (typeof text !== 'string' || match === null || !Number.isSafeInteger(counter)) {
    throw malformed('PG must be T or F followed by a counter without leading zeros', 'PG');
  }
  return { text, context: match[1] === 'F' ? 'F' : 'T', counter };
}

function readIdentification(payload: JsonObject): OcmfIdentification {
  const status = payload.get('IS');
  if (status !== undefined && typeof status !== 'boolean') throw malformed('IS must be a boolean', 'IS');
  const flags = payload.has('IF') ? payload.get('IF') : [];
  if (!Array.isArray(flags) || !flags.every((flag): flag is string => typeof flag === 'string')) {
    throw malformed('IF must be an array of strings', 'IF');
  }
  return {
    status,
    level: optionalString(payload, 'IL'),
    flags,
    type: optionalString(payload, 'IT'),
    data: optionalString(payload, 'ID'),
  };
}

function readReadings(value: JsonValue | undefined): OcmfReading[] {
  if (!Array.isArray(value) || value.length === 0) throw malformed('RD must be a non-empty array', 'RD');
  const readings: OcmfReading[] = [];
  value.forEach((raw: JsonValue, index: number) => {
    if (!isJsonObject(raw)) throw malformed('a reading must be a JSON object', 'RD', index);
    readings.push(readReading(raw, index, readings[index - 1]));
  });
  return readings;
}

function readReading(raw: JsonObject, index: number, previous: OcmfReading | undefined): OcmfReading {
  const field = (key: string): string | undefined => optionalString(raw, key, index);
  const tm = field('TM');
  const time = tm === undefined ? previous?.time : parseOcmfTime(tm);
  if (time === undefined) throw malformed('TM must be YYYY-MM-DDThh:mm:ss,fff+hhmm S', 'TM', index);

  const tx = field('TX');
  if (tx !== undefined && !TRANSACTION_CODES.has(tx)) throw malformed(`unknown TX ${tx}`, 'TX', index);
  const st = field('ST') ?? previous?.status;
  if (st === undefined || !METER_STATUSES.has(st)) throw malformed('ST must be a status of table 10', 'ST', index);

  const obis = field('RI');
  const unit = field('RU');
  if ((obis === undefined) !== (unit === undefined)) throw malformed('RI and RU must come together', 'RI', index);

  const value = decimalLiteral(raw.get('RV'), 'RV', index);
  if (value !== undefined && (unit ?? previous?.unit) === undefined) throw malformed('RV without RU', 'RU', index);

  return {
    time,
    transaction: (tx as TransactionCode | undefined) ?? previous?.transaction,
    value,
    obis: obis ?? previous?.obis,
    unit: unit ?? previous?.unit,
    currentType: field('RT') ?? previous?.currentType,
    cumulatedLoss: decimalLiteral(raw.get('CL'), 'CL', index),
    errorFlags: field('EF') ?? previous?.errorFlags ?? '',
    status: st as MeterStatus,
  };
}

function decimalLiteral(value: JsonValue | undefined, key: string, index: number): string | undefined {
  if (value === undefined) return undefined;
  if (isJsonNumber(value)) return value.text;
  const padded = typeof value === 'string' ? DECIMAL_STRING.exec(value) : null;
  if (padded?.[1] === undefined) throw malformed(`${key} must be a number`, key, index);
  return padded[1];
}

/**
 * A version (FV, GV, MF) as text. The specification writes them as strings; some meters sign a JSON
 * number (`"FV":1.0`), which is kept as the characters signed, so `1.0` reads as "1.0".
 */
function versionText(object: JsonObject, key: string): string | undefined {
  const value = object.get(key);
  return isJsonNumber(value) ? value.text : optionalString(object, key);
}

function optionalString(object: JsonObject, key: string, readingIndex?: number): string | undefined {
  const value = object.get(key);
  if (value !== undefined && typeof value !== 'string') throw malformed(`${key} must be a string`, key, readingIndex);
  return value;
}
