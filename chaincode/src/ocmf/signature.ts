import { Buffer } from 'node:buffer';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { OcmfError } from './errors';
import { openEnvelope, type OcmfSignature } from './envelope';

export type SignatureVerdict = 'valid' | 'invalid' | 'bad-key';

/**
 * The curves an SA may name, by the name OCMF and the S.A.F.E. Transparenzsoftware write (lower case,
 * brainpool with its `P`), with OpenSSL's name for it. The OCMF table lists secp192k1, secp192r1, secp256k1,
 * secp256r1, secp384r1, secp521r1, brainpool256r1 and brainpool384r1; the Transparenzsoftware looks up any
 * SEC or Brainpool curve by name. Those of at least 192 bits are here: a meter key on a weaker curve is
 * refused rather than trusted.
 */
const CURVES: ReadonlyMap<string, string> = new Map([
  ['secp192k1', 'secp192k1'],
  ['secp192r1', 'prime192v1'],
  ['secp224k1', 'secp224k1'],
  ['secp224r1', 'secp224r1'],
  ['secp256k1', 'secp256k1'],
  ['secp256r1', 'prime256v1'],
  ['secp384r1', 'secp384r1'],
  ['secp521r1', 'secp521r1'],
  ...[192, 224, 256, 320, 384, 512].flatMap((bits) => (['r1', 't1'] as const).map((kind): [string, string] => [`brainpoolp${bits}${kind}`, `brainpoolP${bits}${kind}`])),
]);
/** The hashes OCMF names: SHA256 (every version) and SHA512 (added for the larger curves). */
const HASHES: ReadonlyMap<string, string> = new Map([
  ['SHA256', 'sha256'],
  ['SHA512', 'sha512'],
]);

/**
 * Reads SA as `ECDSA-<curve>-<hash>`. Spelling is forgiven where both reference verifiers forgive it: the
 * curve in any letter case, and `brainpool256r1` as well as `brainpoolP256r1`. The hash is taken as
 * written and checked as written: a signature is never verified under a hash other than the one SA names.
 */
export function signatureAlgorithm(sa: string): { readonly curve: string; readonly hash: string } | undefined {
  const parts = sa.split('-');
  if (parts.length !== 3 || parts[0] !== 'ECDSA') return undefined;
  const lower = (parts[1] ?? '').toLowerCase();
  const curve = CURVES.get(lower.startsWith('brainpool') && !lower.startsWith('brainpoolp') ? `brainpoolp${lower.slice('brainpool'.length)}` : lower);
  const hash = HASHES.get((parts[2] ?? '').toUpperCase());
  return curve === undefined || hash === undefined ? undefined : { curve, hash };
}
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
  if (decodedKeys.has(text)) return decodedKeys.get(text);
  // A meter's key settles each of its sessions: decoded once, not once a settlement.
  if (decodedKeys.size >= MAX_DECODED_KEYS) decodedKeys.clear();
  const key = decodeKey(text);
  decodedKeys.set(text, key);
  return key;
}

const MAX_DECODED_KEYS = 4096;
const decodedKeys = new Map<string, KeyObject | undefined>();

function decodeKey(text: string): KeyObject | undefined {
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
  const algorithm = signatureAlgorithm(signature.algorithm);
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
