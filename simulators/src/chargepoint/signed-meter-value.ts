/**
 * The signedMeterValue structure of OCPP 2.0.1, also used (as a JSON string in a SignedData sampled value) by
 * the OCA application note on signed meter values in OCPP 1.6.
 */
export interface SignedMeterValue {
  readonly signedMeterData: string;
  readonly signingMethod: string;
  readonly encodingMethod: string;
  readonly publicKey: string;
}

/** The OCMF record and the meter's SPKI DER public key, both base64; the signing method lives inside OCMF. */
export function signedMeterValue(ocmfRecord: string, publicKeySpki: Buffer): SignedMeterValue {
  return {
    signedMeterData: Buffer.from(ocmfRecord, 'utf8').toString('base64'),
    signingMethod: '',
    encodingMethod: 'OCMF',
    publicKey: publicKeySpki.toString('base64'),
  };
}

export function isoTime(timestampMs: number): string {
  return new Date(timestampMs).toISOString();
}
