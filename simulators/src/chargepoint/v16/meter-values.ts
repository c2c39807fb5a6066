import type { SignedMeterReading } from '../../meter/smart-meter';
import type { MeterSample } from '../core/types';
import { isoTime, signedMeterValue } from '../signed-meter-value';
import type { V16MeterValue, V16SampledValue } from './actions';

type Context = NonNullable<V16SampledValue['context']>;

/** The OCA 1.6 signed meter value: the 2.0.1 signedMeterValue object as a JSON string, format SignedData. */
export function signedSampledValue(reading: SignedMeterReading, context: Context, publicKeySpki: Buffer): V16SampledValue {
  return {
    value: JSON.stringify(signedMeterValue(reading.record, publicKeySpki)),
    format: 'SignedData',
    context,
    measurand: 'Energy.Active.Import.Register',
  };
}

/** A transaction begin or end: the plain register in Wh next to the meter's signed record of it. */
export function boundaryMeterValue(reading: SignedMeterReading, context: 'Transaction.Begin' | 'Transaction.End', publicKeySpki: Buffer): V16MeterValue {
  return {
    timestamp: isoTime(reading.timestampMs),
    sampledValue: [
      { value: String(reading.registerWh), context, format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' },
      signedSampledValue(reading, context, publicKeySpki),
    ],
  };
}

/** A periodic or triggered sample: register (Wh), power (W), the vehicle's state of charge, and a signed record if taken. */
export function sampleMeterValue(sample: MeterSample, context: Context, publicKeySpki: Buffer): V16MeterValue {
  const values: V16SampledValue[] = [
    { value: String(sample.registerWh), context, format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' },
    { value: String(sample.powerW), context, format: 'Raw', measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' },
  ];
  if (sample.socPercent !== undefined) {
    values.push({ value: sample.socPercent.toFixed(1), context, format: 'Raw', measurand: 'SoC', location: 'EV', unit: 'Percent' });
  }
  if (sample.signed !== undefined) values.push(signedSampledValue(sample.signed, context, publicKeySpki));
  return { timestamp: isoTime(sample.timestampMs), sampledValue: values };
}
