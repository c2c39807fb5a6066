import type { MeterEvidence } from '@chargeledger/ledger-queue';
import type { Reading } from '../domain/sessions';
import type { SampledValue16 } from './v16/messages';
import type { SampledValue201 } from './v201/messages';

const REGISTER = 'Energy.Active.Import.Register';

export class EvidenceFormatError extends Error {
  override readonly name = 'EvidenceFormatError';
}

/**
 * Signed data arrives base64-encoded (2.0.1 `signedMeterData`, and most 1.6 chargers) or as the plain
 * OCMF text; both are accepted and stored as the OCMF text the meter signed.
 */
export function decodeSignedMeterData(data: string, publicKey?: string): MeterEvidence {
  const trimmed = data.trim();
  const text = trimmed.startsWith('OCMF|') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  if (!text.startsWith('OCMF|') || text.split('|').length !== 3) {
    throw new EvidenceFormatError('signed meter data is not an OCMF record (OCMF|payload|signature)');
  }
  return publicKey === undefined || publicKey === '' ? { format: 'OCMF', records: [text] } : { format: 'OCMF', records: [text], publicKey };
}

/** Converts a register value to integer Wh; kWh values are scaled in decimal so no float rounding creeps in. */
export function toWh(value: string | number, unit: string | undefined, multiplier = 0): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new EvidenceFormatError(`not a number: ${text}`);
  const exponent = (unit === 'kWh' ? 3 : 0) + multiplier;
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const digits = whole + fraction;
  const shift = exponent - fraction.length;
  const scaled = shift >= 0 ? BigInt(digits) * 10n ** BigInt(shift) : BigInt(digits) / 10n ** BigInt(-shift);
  return (text.startsWith('-') ? -1 : 1) * Number(scaled);
}


/** OCPP 1.6: signed data is a sampledValue with format SignedData whose value holds the signed record. */
export function readings16(meterValues: readonly { timestamp: string; sampledValue: readonly SampledValue16[] }[]): Reading[] {
  return meterValues.map((meterValue) => {
    const evidence: MeterEvidence[] = [];
    let registerWh: number | undefined;
    for (const sample of meterValue.sampledValue) {
      if (sample.format === 'SignedData') {
        evidence.push(signedData16(sample.value));
      } else if ((sample.measurand ?? REGISTER) === REGISTER) {
        registerWh = toWh(sample.value, sample.unit);
      }
    }
    return registerWh === undefined ? { timestamp: meterValue.timestamp, evidence } : { timestamp: meterValue.timestamp, registerWh, evidence };
  });
}

/** The OCA note for 1.6 puts a JSON object in `value`; chargers name its field signedMeterData or signedMeterValue. */
function signedData16(value: string): MeterEvidence {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return decodeSignedMeterData(trimmed);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw new EvidenceFormatError('SignedData value is neither OCMF nor JSON');
  }
  const data = parsed['signedMeterData'] ?? parsed['signedMeterValue'];
  if (typeof data !== 'string') throw new EvidenceFormatError('SignedData value has no signedMeterData or signedMeterValue');
  const publicKey = typeof parsed['publicKey'] === 'string' ? parsed['publicKey'] : undefined;
  return decodeSignedMeterData(data, publicKey);
}


export function readings201(meterValues: readonly { timestamp: string; sampledValue: readonly SampledValue201[] }[]): Reading[] {
  return meterValues.map((meterValue) => {
    const evidence: MeterEvidence[] = [];
    let registerWh: number | undefined;
    for (const sample of meterValue.sampledValue) {
      if ((sample.measurand ?? REGISTER) !== REGISTER) continue;
      registerWh = toWh(sample.value, sample.unitOfMeasure?.unit ?? 'Wh', sample.unitOfMeasure?.multiplier ?? 0);
      const signed = sample.signedMeterValue;
      if (signed !== undefined) evidence.push(decodeSignedMeterData(signed.signedMeterData, signed.publicKey));
    }
    return registerWh === undefined ? { timestamp: meterValue.timestamp, evidence } : { timestamp: meterValue.timestamp, registerWh, evidence };
  });
}
