import { Buffer } from 'node:buffer';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { OcmfError } from './errors';
import { openEnvelope, type OcmfSignature } from './envelope';

export type SignatureVerdict = 'valid' | 'invalid' | 'bad-key';

/** SA values of table 22 that this verifier implements, with OpenSSL's name for the curve. */
const ALGORITHMS: ReadonlyMap<string, { readonly curve: string; readonly hash: string }> = new Map([
  ['ECDSA-secp256r1-SHA256', { curve: 'prime256v1', hash: 'sha256' }],
  ['ECDSA-secp256k1-SHA256', { curve: 'secp256k1', hash: 'sha256' }],
  ['ECDSA-secp384r1-SHA256', { curve: 'secp384r1', hash: 'sha256' }],
  ['ECDSA-brainpool256r1-SHA256', { curve: 'brainpoolP256r1', hash: 'sha256' }],
  ['ECDSA-brainpool384r1-SHA256', { curve: 'brainpoolP384r1', hash: 'sha256' }],
]);
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITESPACE = /\s+/g;
/** Far above any EC SPKI in hex (a P-384 key is 240 hex digits, 120 bytes). */
const MAX_KEY_LENGTH = 4096;

/**
 * Checks a record's signature over its exact payload text.
 *
 * Returns `bad-key` when publicKey is not an SPKI public key in hex (spaces allowed) or base64; the key
 * is judged before the record is read, so a hostile key never makes this throw. Returns `invalid` when
 * the signature does not verify, when SD does not decode, and when the key is not an EC key on the curve
 * SA names (a secp256r1 key cannot vouch for a secp256k1 signature). Throws OcmfError MALFORMED when the
 * text is not an OCMF record with a readable signature section, and UNSUPPORTED_ALGORITHM for an SA, SE
 * or SM this verifier does not implement.
 */
export function verifyOcmfSignature(text: string, publicKey: string): SignatureVerdict {
  const key = decodePublicKey(publicKey);
  if (key === undefined) return 'bad-key';
  return verifyWithKey(text, key) ? 'valid' : 'invalid';
}

/**
 * SPKI DER from hex or base64, whitespace ignored. Hex is tried first; that cannot misread base64 because
 * an SPKI starts with byte 0x30, which base64 writes as `M`, not a hex digit.
 */
export function decodePublicKey(text: string): KeyObject | undefined {
  if (text.length > MAX_KEY_LENGTH) return undefined;
  const compact = text.replace(WHITESPACE, '');
  const der = decodeBytes(compact, 'hex') ?? decodeBytes(compact, 'base64');
  if (der === undefined) return undefined;
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

export function verifyWithKey(text: string, key: KeyObject): boolean {
  const { payloadText, signature } = openEnvelope(text);
  const algorithm = supportedAlgorithm(signature);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== algorithm.curve) return false;
  const signatureBytes = decodeBytes(signature.data, signature.encoding);
  if (signatureBytes === undefined) return false;
  try {
    return verify(algorithm.hash, Buffer.from(payloadText, 'utf8'), { key, dsaEncoding: 'der' }, signatureBytes);
  } catch {
    return false;
  }
}

function supportedAlgorithm(signature: OcmfSignature): { readonly curve: string; readonly hash: string } {
  const algorithm = ALGORITHMS.get(signature.algorithm);
  const unsupported = (field: string, value: string): OcmfError =>
    new OcmfError({ code: 'UNSUPPORTED_ALGORITHM', message: `unsupported ${field} ${JSON.stringify(value)}`, field });
  if (algorithm === undefined) throw unsupported('SA', signature.algorithm);
  if (signature.encoding !== 'hex' && signature.encoding !== 'base64') throw unsupported('SE', signature.encoding);
  if (signature.mimeType !== 'application/x-der') throw unsupported('SM', signature.mimeType);
  return algorithm;
}

/** Buffer.from silently drops what it cannot decode, so the text is matched against the alphabet first. */
function decodeBytes(text: string, encoding: string): Buffer | undefined {
  if (encoding === 'hex' && HEX.test(text)) return Buffer.from(text, 'hex');
  if (encoding === 'base64' && text.length > 0 && BASE64.test(text)) return Buffer.from(text, 'base64');
  return undefined;
}
