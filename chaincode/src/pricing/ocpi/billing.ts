import { ceilDiv } from '../energy-curve';
import type { Period, PeriodState } from './periods';
import { restrictionsMatch } from './periods';
import type { CompiledComponent, CompiledElement } from './validate';

export type Dimension = CompiledComponent['type'];
export type MeteredDimension = Exclude<Dimension, 'FLAT'>;

/** Consecutive periods of one dimension priced by one element, with the quantity billed for them. */
export interface BilledRun {
  readonly dimension: Dimension;
  readonly elementIndex: number;
  readonly component: CompiledComponent;
  /** Wh for ENERGY, whole seconds for TIME and PARKING_TIME, 1 for FLAT. */
  readonly quantity: bigint;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Which elements may price a dimension, as ordered groups: the first group with a matching element decides, and
 * within a group the first element in the tariff's order (OCPI). A charging session has one group (the elements
 * without a reservation restriction); an expired reservation two (RESERVATION_EXPIRES before RESERVATION).
 */
export type Candidates = readonly (readonly number[])[];

export function elementFor(elements: readonly CompiledElement[], candidates: Candidates, dimension: Dimension, state: PeriodState): number | undefined {
  for (const group of candidates) {
    for (const index of group) {
      const element = elements[index];
      if (element === undefined) continue;
      if (element.components.some((c) => c.type === dimension) && restrictionsMatch(element.restrictions, state)) return index;
    }
  }
  return undefined;
}

export function componentOf(elements: readonly CompiledElement[], index: number, dimension: Dimension): CompiledComponent | undefined {
  return elements[index]?.components.find((c) => c.type === dimension);
}

interface Run {
  readonly elementIndex: number;
  raw: bigint;
  readonly startMs: number;
  endMs: number;
}

/** Raw units per billed unit: energy is measured and billed in Wh, time measured in ms and billed in s. */
const rawPerBilled: Readonly<Record<MeteredDimension, bigint>> = { ENERGY: 1n, TIME: 1000n, PARKING_TIME: 1000n };

function rawQuantity(dimension: MeteredDimension, period: Period): bigint {
  if (dimension === 'ENERGY') return period.energyWh;
  const duration = BigInt(period.endMs - period.startMs);
  if (dimension === 'TIME') return period.charging ? duration : 0n;
  return period.charging ? 0n : duration;
}

/** The priced runs of a dimension: periods with a quantity and an element, merged while the element stays. */
export function runsOf(
  elements: readonly CompiledElement[],
  candidates: Candidates,
  dimension: MeteredDimension,
  periods: readonly Period[],
  quantityOf: (dimension: MeteredDimension, period: Period) => bigint = rawQuantity,
): Run[] {
  const runs: Run[] = [];
  for (const period of periods) {
    const raw = quantityOf(dimension, period);
    if (raw === 0n) continue;
    const elementIndex = elementFor(elements, candidates, dimension, period.state);
    if (elementIndex === undefined) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.elementIndex === elementIndex && last.endMs === period.startMs) {
      last.raw += raw;
      last.endMs = period.endMs;
    } else if (last !== undefined && last.elementIndex === elementIndex && dimension === 'ENERGY') {
      // Energy-free stretches between two stretches of one element do not split its line.
      last.raw += raw;
      last.endMs = period.endMs;
    } else {
      runs.push({ elementIndex, raw, startMs: period.startMs, endMs: period.endMs });
    }
  }
  return runs;
}

/**
 * Bills priced runs once per session (OCPI 2.2.1, CDRs, step_size): the whole priced quantity is rounded up to a
 * multiple of `stepSize` once, and the rounding is billed on the last run; earlier runs bill their exact quantity
 * (time floored to whole seconds, the fraction carried on). Cumulative totals are billed, never parts, so the
 * lines add up exactly whatever the cuts. `stepSize` undefined means the last run's component's own step.
 */
export function billRuns(elements: readonly CompiledElement[], dimension: MeteredDimension, runs: readonly Run[], stepSize?: number): BilledRun[] {
  const unit = rawPerBilled[dimension];
  const total = runs.reduce((sum, run) => sum + run.raw, 0n);
  const lastRun = runs[runs.length - 1];
  if (lastRun === undefined) return [];
  const step = BigInt(stepSize ?? componentOf(elements, lastRun.elementIndex, dimension)?.stepSize ?? 1);
  let raw = 0n;
  let billed = 0n;
  const lines: BilledRun[] = [];
  runs.forEach((run, i) => {
    raw += run.raw;
    const cumulative = i === runs.length - 1 ? ceilDiv(total, step * unit) * step : raw / unit;
    const quantity = cumulative - billed;
    billed = cumulative;
    const component = componentOf(elements, run.elementIndex, dimension);
    if (component !== undefined && quantity > 0n) {
      lines.push({ dimension, elementIndex: run.elementIndex, component, quantity, startMs: run.startMs, endMs: run.endMs });
    }
  });
  return lines;
}
