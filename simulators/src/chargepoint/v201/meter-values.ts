import type { SignedMeterReading } from '../../meter/smart-meter';
import type { MeterSample } from '../core/types';
import { isoTime, signedMeterValue } from '../signed-meter-value';
import type { MeterValueType, SampledValueType } from './actions';

type Context = NonNullable<SampledValueType['context']>;

/** A transaction begin or end: the register in Wh carrying the meter's signed OCMF record of it. */
export function boundaryMeterValue(reading: SignedMeterReading, context: 'Transaction.Begin' | 'Transaction.End', publicKeySpki: Buffer): MeterValueType {
  return {
    timestamp: isoTime(reading.timestampMs),
    sampledValue: [
      {
        value: reading.registerWh,
        context,
        measurand: 'Energy.Active.Import.Register',
        location: 'Outlet',
        unitOfMeasure: { unit: 'Wh' },
        signedMeterValue: signedMeterValue(reading.record, publicKeySpki),
      },
    ],
  };
}

/** A periodic or triggered sample: register (Wh, signed when a record was taken), power (W), state of charge. */
export function sampleMeterValue(sample: MeterSample, context: Context, publicKeySpki: Buffer): MeterValueType {
  const energy: SampledValueType = { value: sample.registerWh, context, measurand: 'Energy.Active.Import.Register', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } };
  const values: SampledValueType[] = [
    sample.signed === undefined ? energy : { ...energy, signedMeterValue: signedMeterValue(sample.signed.record, publicKeySpki) },
    { value: sample.powerW, context, measurand: 'Power.Active.Import', location: 'Outlet', unitOfMeasure: { unit: 'W' } },
  ];
  if (sample.socPercent !== undefined) {
    values.push({ value: Math.round(sample.socPercent * 10) / 10, context, measurand: 'SoC', location: 'EV', unitOfMeasure: { unit: 'Percent' } });
  }
  return { timestamp: isoTime(sample.timestampMs), sampledValue: values };
}
