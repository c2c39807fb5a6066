import { createHash } from 'node:crypto';
import { malformed } from './errors';
import { isJsonObject, parseJson, type JsonObject } from './json';

/** A charge data record with several registers stays far below this; longer input is refused unread. */
export const MAX_RECORD_LENGTH = 65_536;

export const DEFAULT_SIGNATURE_ALGORITHM = 'ECDSA-secp256r1-SHA256';
export const DEFAULT_SIGNATURE_ENCODING = 'hex';
export const DEFAULT_SIGNATURE_MIME_TYPE = 'application/x-der';

export interface OcmfEnvelope {
  /** The signed bytes: the payload section exactly as it stands between the two pipes. */
  readonly payloadText: string;
  readonly signature: OcmfSignature;
}

/** The signature section with the specification's defaults filled in; nothing in it is signed. */
export interface OcmfSignature {
  /** SA */
  readonly algorithm: string;
  /** SE */
  readonly encoding: string;
  /** SM */
  readonly mimeType: string;
  /** SD */
  readonly data: string;
}

/**
 * Splits `OCMF|{payload}|{signature}`. The specification forbids `|` inside a section, so a record
 * with any other number of pipes is malformed rather than guessed at.
 */
export function openEnvelope(text: string): OcmfEnvelope {
  if (text.length > MAX_RECORD_LENGTH) throw malformed(`record longer than ${MAX_RECORD_LENGTH} characters`);
  const sections = text.split('|');
  const [header, payloadText, signatureText] = sections;
  if (sections.length !== 3 || header !== 'OCMF' || payloadText === undefined || signatureText === undefined) {
    throw malformed('expected OCMF|{payload}|{signature}');
  }
  return { payloadText, signature: readSignatureSection(parseJson(signatureText, 'signature')) };
}

/** The payload section as a JSON object; the caller has the exact text from openEnvelope. */
export function readPayloadSection(payloadText: string): JsonObject {
  const payload = parseJson(payloadText, 'payload');
  if (!isJsonObject(payload)) throw malformed('payload section is not a JSON object');
  return payload;
}

/** Lowercase hex SHA-256 of the record text exactly as given (UTF-8). */
export function evidenceHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Lowercase hex SHA-256 of the signed payload section only. Unlike evidenceHash it cannot be changed
 * without the meter's key: whitespace in the unsigned signature section, or an ECDSA signature rewritten
 * as (r, n - s), changes the record text but not this hash. Use it to recognise a reading seen before.
 */
export function payloadHash(text: string): string {
  return createHash('sha256').update(openEnvelope(text).payloadText, 'utf8').digest('hex');
}

function readSignatureSection(section: ReturnType<typeof parseJson>): OcmfSignature {
  if (!isJsonObject(section)) throw malformed('signature section is not a JSON object');
  const text = (key: string, fallback?: string): string => {
    const value = section.has(key) ? section.get(key) : fallback;
    if (typeof value !== 'string') throw malformed(`signature field ${key} must be a string`, key);
    return value;
  };
  return {
    algorithm: text('SA', DEFAULT_SIGNATURE_ALGORITHM),
    encoding: text('SE', DEFAULT_SIGNATURE_ENCODING),
    mimeType: text('SM', DEFAULT_SIGNATURE_MIME_TYPE),
    data: text('SD'),
  };
}
