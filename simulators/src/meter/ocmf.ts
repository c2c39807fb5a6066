import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { OcmfFormatError } from '../errors';

/** Open Charge Metering Format records: `OCMF|<payload JSON>|<signature JSON>`, signature over the exact payload text. */

export const OCMF_FORMAT_VERSION = '1.0';
export const OCMF_SIGNATURE_ALGORITHM = 'ECDSA-secp256r1-SHA256';
/** OBIS code of the active-energy import register: what a charger's meter counts, the default of every reading. */
export const OCMF_ENERGY_REGISTER = '1-b:1.8.0';
/** OBIS code of the active-energy export register: what a prosumer's export meter counts. */
export const OCMF_EXPORT_REGISTER = '1-b:2.8.0';

/** B begin, C during charging, T tariff change, E end of transaction (OCMF table 7). */
export type OcmfReadingReason = 'B' | 'C' | 'T' | 'E';

export type OcmfIdentificationLevel =
  | 'NONE' | 'HEARSAY' | 'TRUSTED' | 'VERIFIED' | 'CERTIFIED' | 'SECURE'
  | 'MISMATCH' | 'INVALID' | 'OUTDATED' | 'UNKNOWN';

export type OcmfIdentificationFlag =
  | 'RFID_NONE' | 'RFID_PLAIN' | 'RFID_RELATED' | 'RFID_PSK'
  | 'OCPP_NONE' | 'OCPP_RS' | 'OCPP_AUTH' | 'OCPP_RS_TLS' | 'OCPP_AUTH_TLS' | 'OCPP_CACHE' | 'OCPP_WHITELIST' | 'OCPP_CERTIFIED'
  | 'ISO15118_NONE' | 'ISO15118_PNC'
  | 'PLMN_NONE' | 'PLMN_RING' | 'PLMN_SMS';

export type OcmfIdentificationType =
  | 'NONE' | 'DENIED' | 'UNDEFINED' | 'ISO14443' | 'ISO15693' | 'EMAID' | 'EVCCID' | 'EVCOID' | 'ISO7812'
  | 'CARD_TXN_NR' | 'CENTRAL' | 'CENTRAL_1' | 'CENTRAL_2' | 'LOCAL' | 'LOCAL_1' | 'LOCAL_2' | 'PHONE_NUMBER' | 'KEY_CODE';

/** Who the transaction belongs to (OCMF IS/IL/IF/IT/ID); ID is the id token the charge point was given. */
export interface OcmfIdentification {
  readonly assigned: boolean;
  readonly level: OcmfIdentificationLevel;
  readonly flags: readonly OcmfIdentificationFlag[];
  readonly type: OcmfIdentificationType;
  readonly data: string;
}

/** The signing component (GI/GS/GV). */
export interface OcmfGateway {
  readonly id: string;
  readonly serial: string;
  readonly version: string;
}

/** MV/MM/MS/MF. */
export interface OcmfMeterIdentity {
  readonly vendor: string;
  readonly model: string;
  readonly serial: string;
  readonly firmware?: string;
}

export interface OcmfReading {
  readonly timestampMs: number;
  readonly reason: OcmfReadingReason;
  /** Whole watt-hours; written as kWh with exactly three decimals so no precision is lost. */
  readonly registerWh: number;
  /** OBIS code of the register read; OCMF_ENERGY_REGISTER when omitted. */
  readonly register?: string;
}

export interface OcmfRecordContent {
  readonly gateway: OcmfGateway;
  readonly meter: OcmfMeterIdentity;
  /** Transaction-context pagination counter, written as `T<page>`. */
  readonly page: number;
  readonly identification: OcmfIdentification;
  readonly readings: readonly OcmfReading[];
}

/** The payload as JSON.parse returns it; RV may lose trailing zeros here, which is why signatures cover the text. */
export interface OcmfPayload {
  FV: string;
  GI: string;
  GS: string;
  GV: string;
  PG: string;
  MV: string;
  MM: string;
  MS: string;
  MF?: string;
  IS: boolean;
  IL: string;
  IF: string[];
  IT: string;
  ID: string;
  RD: { TM: string; TX: string; RV: number; RI: string; RU: string; EF: string; ST: string }[];
}

export interface ParsedOcmf {
  /** The exact text between the first and second pipe: what the signature covers. */
  readonly payloadText: string;
  readonly payload: OcmfPayload;
  readonly signature: { readonly SA?: string; readonly SD: string };
}

/** `2024-05-01T09:30:00,000+0000 S`: UTC, millisecond resolution, time status S (synchronised). */
export function formatOcmfTime(timestampMs: number): string {
  const iso = new Date(timestampMs).toISOString();
  return `${iso.slice(0, 19)},${iso.slice(20, 23)}+0000 S`;
}

/** 12345 Wh → `12.345`, computed on integers so the text is exact. */
export function formatKwh(registerWh: number): string {
  if (!Number.isSafeInteger(registerWh) || registerWh < 0) throw new RangeError(`register must be a whole number of Wh, got ${registerWh}`);
  return `${Math.floor(registerWh / 1000)}.${String(registerWh % 1000).padStart(3, '0')}`;
}

function jsonObject(entries: readonly (readonly [string, string | undefined])[]): string {
  const fields = entries.filter((e): e is readonly [string, string] => e[1] !== undefined);
  return `{${fields.map(([key, raw]) => `${JSON.stringify(key)}:${raw}`).join(',')}}`;
}

/** Deterministic payload text: fields in the specification's order, RV as a number with three decimals. */
export function ocmfPayloadText(content: OcmfRecordContent): string {
  const s = (value: string): string => JSON.stringify(value);
  const readings = content.readings.map((r) =>
    jsonObject([
      ['TM', s(formatOcmfTime(r.timestampMs))],
      ['TX', s(r.reason)],
      ['RV', formatKwh(r.registerWh)],
      ['RI', s(r.register ?? OCMF_ENERGY_REGISTER)],
      ['RU', s('kWh')],
      ['EF', s('')],
      ['ST', s('G')],
    ]),
  );
  const { gateway, meter, identification } = content;
  return jsonObject([
    ['FV', s(OCMF_FORMAT_VERSION)],
    ['GI', s(gateway.id)],
    ['GS', s(gateway.serial)],
    ['GV', s(gateway.version)],
    ['PG', s(`T${content.page}`)],
    ['MV', s(meter.vendor)],
    ['MM', s(meter.model)],
    ['MS', s(meter.serial)],
    ['MF', meter.firmware === undefined ? undefined : s(meter.firmware)],
    ['IS', JSON.stringify(identification.assigned)],
    ['IL', s(identification.level)],
    ['IF', JSON.stringify(identification.flags)],
    ['IT', s(identification.type)],
    ['ID', s(identification.data)],
    ['RD', `[${readings.join(',')}]`],
  ]);
}

/** Signs the payload text as is and wraps it into a complete record. */
export function signOcmf(payloadText: string, privateKey: KeyObject): string {
  if (payloadText.includes('|')) throw new OcmfFormatError('a payload must not contain "|"');
  const signature = sign('sha256', Buffer.from(payloadText, 'utf8'), { key: privateKey, dsaEncoding: 'der' });
  return `OCMF|${payloadText}|${JSON.stringify({ SA: OCMF_SIGNATURE_ALGORITHM, SD: signature.toString('hex') })}`;
}

export function parseOcmf(record: string): ParsedOcmf {
  const sections = record.split('|');
  if (sections.length !== 3) throw new OcmfFormatError(`expected 3 sections separated by "|", found ${sections.length}`);
  const [header, payloadText, signatureText] = sections as [string, string, string];
  if (header !== 'OCMF') throw new OcmfFormatError(`header is "${header}"`);
  try {
    const payload = JSON.parse(payloadText) as OcmfPayload;
    const signature = JSON.parse(signatureText) as { SA?: string; SD?: unknown };
    if (typeof signature.SD !== 'string') throw new OcmfFormatError('signature section has no SD');
    return { payloadText, payload, signature: { SA: signature.SA, SD: signature.SD } };
  } catch (error) {
    if (error instanceof OcmfFormatError) throw error;
    throw new OcmfFormatError(`section is not JSON (${(error as Error).message})`);
  }
}

/** True when the record's signature over its payload text verifies against the meter's SPKI DER public key. */
export function verifyOcmf(record: string, publicKeySpkiHex: string): boolean {
  const { payloadText, signature } = parseOcmf(record);
  if (signature.SA !== undefined && signature.SA !== OCMF_SIGNATURE_ALGORITHM) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeySpkiHex, 'hex'), format: 'der', type: 'spki' });
    return verify('sha256', Buffer.from(payloadText, 'utf8'), { key, dsaEncoding: 'der' }, Buffer.from(signature.SD, 'hex'));
  } catch {
    return false;
  }
}
