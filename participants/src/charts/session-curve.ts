import { parseOcmf } from '@chargeledger/chaincode/ocmf';
import { type PricedTariff, priceMeasurement } from '@chargeledger/chaincode/pricing';

/** One signed reading of a session, with the power since the reading before and the price of the session up to it. */
export interface CurvePoint {
  /** The reading's signed time, epoch milliseconds. */
  readonly timeMs: number;
  /** Energy since the session's first signed reading, whole Wh (a started Wh is not counted, as the ledger bills). */
  readonly energyWh: number;
  /** Average power since the reading before, whole W; 0 at the first reading. */
  readonly powerW: number;
  /** What the session would cost had it ended at this reading, minor units: the ledger's pricing on the frozen tariff. */
  readonly cost: number;
}

/** `12.345` kWh or `12345` Wh as exact milliwatt-hours, read digit for digit (no binary float on energy). */
export function milliWattHours(value: string, unit: string): number {
  const match = /^([0-9]+)(?:\.([0-9]+))?$/.exec(value);
  if (match === null) throw new RangeError(`not a register reading: ${value}`);
  const scale = unit === 'kWh' ? 6 : unit === 'Wh' ? 3 : undefined;
  if (scale === undefined) throw new RangeError(`not an energy unit: ${unit}`);
  const fraction = (match[2] ?? '').padEnd(scale, '0');
  // Digits past a milliwatt-hour are dropped: they are below what any receipt shows.
  return Number(`${match[1] ?? '0'}${fraction.slice(0, scale)}`);
}

/**
 * The power and cost build-up of a session from the meter's own signed records, priced the way the ledger
 * prices a settlement (priceMeasurement on the tariff frozen at the session's start: the energy between the
 * first reading and each later one, over the time between them). The last point's cost is therefore the
 * receipt's `priced` when the records are the ones the ledger settled. The register is the one the ledger
 * settles on, that of the first record's first reading with a value; readings of other registers, without a
 * value, or repeating an earlier time are left out.
 */
export function sessionCurve(records: readonly string[], tariff: PricedTariff): CurvePoint[] {
  const all = records.flatMap((record) => parseOcmf(record).readings).filter((reading) => reading.value !== undefined && reading.unit !== undefined);
  const register = all[0]?.obis;
  const readings = all
    .filter((reading) => reading.obis === register)
    .map((reading) => ({ timeMs: reading.time.epochMs, milliWh: milliWattHours(reading.value ?? '', reading.unit ?? '') }))
    .sort((a, b) => a.timeMs - b.timeMs)
    .filter((reading, index, all) => index === 0 || reading.timeMs !== all[index - 1]?.timeMs);
  const first = readings[0];
  if (first === undefined) return [];
  return readings.map((reading, index) => {
    const before = readings[index - 1];
    const energyWh = Math.floor((reading.milliWh - first.milliWh) / 1000);
    const powerW = before === undefined ? 0 : Math.round(((reading.milliWh - before.milliWh) * 3600) / (reading.timeMs - before.timeMs));
    const cost = priceMeasurement(tariff, { startMs: first.timeMs, endMs: reading.timeMs, energyWh }).total;
    return { timeMs: reading.timeMs, energyWh, powerW, cost };
  });
}
