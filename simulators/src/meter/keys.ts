import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { MeterError } from '../errors';

/** A fresh ECDSA P-256 (secp256r1) signing key, the OCMF default. */
export function generateMeterKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** Reads a PEM private key, e.g. to give a simulated meter the same identity across runs. */
export function meterKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function assertMeterKey(privateKey: KeyObject, meterSerial: string): void {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new MeterError('InvalidKey', meterSerial, `meter ${meterSerial} needs an EC P-256 private key`);
  }
}

/** The public half as SubjectPublicKeyInfo DER, the form OCPP's signedMeterValue.publicKey carries (base64). */
export function publicKeySpkiDer(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
}
