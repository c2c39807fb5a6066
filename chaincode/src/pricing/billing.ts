import { ceilDiv } from './energy-curve';
import type { Period } from './periods';
import type { PriceComponent, Tariff } from './types';

export type MeteredDimension = 'ENERGY' | 'TIME' | 'PARKING_TIME';

/** Consecutive periods of one dimension priced by one element, with the quantity to bill. */
export interface BilledRun {
  readonly elementIndex: number;
  readonly component: PriceComponent;
  /** Wh for ENERGY, whole seconds for TIME and PARKING_TIME. */
  readonly quantity: bigint;
  readonly startMs: number;
  readonly endMs: number;
}

interface Run {
  readonly elementIndex: number | undefined;
  raw: bigint;
  readonly startMs: number;
  endMs: number;
}

/** Raw quantity units per billed unit: Wh are billed as Wh, milliseconds as seconds. */
const rawPerBilled: Readonly<Record<MeteredDimension, bigint>> = { ENERGY: 1n, TIME: 1000n, PARKING_TIME: 1000n };

function rawQuantity(dimension: MeteredDimension, period: Period): bigint {
  const duration = BigInt(period.endMs - period.startMs);
  if (dimension === 'ENERGY') return period.energyWh;
  if (dimension === 'TIME') return period.charging ? duration : 0n;
  return period.charging ? 0n : duration;
}

/**
 * Step size, as OCPI 2.2.1 specifies it: a chain is a sequence of runs with no unpriced gap between them (periods
 * where the dimension has zero quantity are skipped, they neither start nor break a run). Only the last run of a
 * chain is rounded, and it rounds the whole chain's quantity up to its own step: billed-so-far becomes
 * ceil(chain / step) * step. Earlier runs bill their exact quantity (time floored to whole seconds, the fraction
 * carried to the next run). Billing cumulative totals, never parts, keeps the billed parts summing exactly.
 *
 * `elementOf` gives the element pricing a period for this dimension, or undefined when none does.
 */
export function billDimension(
  tariff: Tariff,
  dimension: MeteredDimension,
  periods: readonly Period[],
  elementOf: (period: Period) => number | undefined,
): BilledRun[] {
  const runs: Run[] = [];
  for (const period of periods) {
    const raw = rawQuantity(dimension, period);
    if (raw === 0n) continue;
    const elementIndex = elementOf(period);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.elementIndex === elementIndex) {
      last.raw += raw;
      last.endMs = period.endMs;
    } else {
      runs.push({ elementIndex, raw, startMs: period.startMs, endMs: period.endMs });
    }
  }

  const billed: BilledRun[] = [];
  const unit = rawPerBilled[dimension];
  let chainRaw = 0n;
  let chainBilled = 0n;
  runs.forEach((run, i) => {
    const component = componentOf(tariff, run.elementIndex, dimension);
    if (run.elementIndex === undefined || component === undefined) return;
    chainRaw += run.raw;
    const endsChain = runs[i + 1]?.elementIndex === undefined;
    const step = BigInt(component.stepSize);
    const cumulative = endsChain ? ceilDiv(chainRaw, step * unit) * step : chainRaw / unit;
    const quantity = cumulative - chainBilled;
    chainBilled = cumulative;
    if (endsChain) {
      chainRaw = 0n;
      chainBilled = 0n;
    }
    if (quantity > 0n) {
      billed.push({ elementIndex: run.elementIndex, component, quantity, startMs: run.startMs, endMs: run.endMs });
    }
  });
  return billed;
}

export function componentOf(
  tariff: Tariff,
  elementIndex: number | undefined,
  dimension: PriceComponent['type'],
): PriceComponent | undefined {
  if (elementIndex === undefined) return undefined;
  return tariff.elements[elementIndex]?.priceComponents.find((component) => component.type === dimension);
}
