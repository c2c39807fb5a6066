import type { CheckedSession } from './session-input';

/** A corner of the energy curve: `wh` delivered since the session started, at instant `t`. */
export interface Knot {
  readonly t: number;
  readonly wh: bigint;
}

/**
 * Delivered energy over the session as a piecewise-linear curve through the meter samples, with one more corner at
 * `chargingEndMs` carrying the settled register (all energy of the sample interval around it counts as delivered
 * before it) and a flat tail to `endMs`. Invariants: knots strictly ascending in `t`, non-decreasing in `wh`;
 * the first is (startMs, 0), the last is (endMs, total).
 */
export interface EnergyCurve {
  readonly knots: readonly Knot[];
  readonly totalWh: bigint;
}

export function buildEnergyCurve(session: CheckedSession): EnergyCurve {
  const base = BigInt(session.samples[0]?.registerWh ?? 0);
  const knots: Knot[] = [];
  for (const sample of session.samples) {
    const wh = BigInt(sample.registerWh) - base;
    if (sample.timestampMs <= session.chargingEndMs) {
      knots.push({ t: sample.timestampMs, wh });
      continue;
    }
    if (lastOf(knots).t < session.chargingEndMs) knots.push({ t: session.chargingEndMs, wh });
    break;
  }
  const last = lastOf(knots);
  if (last.t < session.endMs) knots.push({ t: session.endMs, wh: last.wh });
  return { knots, totalWh: lastOf(knots).wh };
}

/**
 * Energy delivered by instant `t`: the curve's value rounded down to a whole Wh. Rounding the cumulative value,
 * never a part, makes the energy of consecutive periods (differences of this function) add up exactly to the
 * total, and the value at every knot is exact.
 */
export function energyAt(curve: EnergyCurve, t: number): bigint {
  const i = segmentIndex(curve.knots, t);
  const a = curve.knots[i];
  const b = curve.knots[i + 1];
  if (a === undefined) return 0n;
  if (b === undefined || t >= b.t) return b?.wh ?? a.wh;
  if (t <= a.t) return a.wh;
  // Non-negative operands, so bigint division (truncating) is floor.
  return a.wh + ((b.wh - a.wh) * BigInt(t - a.t)) / BigInt(b.t - a.t);
}

/**
 * The earliest instant at which `energyAt` reaches `wh`, or undefined if the session never delivers that much.
 * From a + (k * (t - a)) / d >= wh (floored) follows t - a >= ceil((wh - a.wh) * d / k), solved exactly.
 */
export function firstInstantReaching(curve: EnergyCurve, wh: bigint): number | undefined {
  const first = curve.knots[0];
  if (first === undefined) return undefined;
  if (wh <= first.wh) return first.t;
  for (let i = 0; i + 1 < curve.knots.length; i += 1) {
    const a = curve.knots[i];
    const b = curve.knots[i + 1];
    if (a === undefined || b === undefined || b.wh < wh) continue;
    const k = b.wh - a.wh;
    const d = BigInt(b.t - a.t);
    return a.t + Number(ceilDiv((wh - a.wh) * d, k));
  }
  return undefined;
}

/** Energy and duration of the curve segment that starts at or before `t` and continues after it. */
export interface Slope {
  readonly wh: bigint;
  readonly ms: bigint;
}

export function slopeAt(curve: EnergyCurve, t: number): Slope {
  const i = segmentIndex(curve.knots, t);
  const a = curve.knots[i];
  const b = curve.knots[i + 1];
  if (a === undefined || b === undefined) return { wh: 0n, ms: 1n };
  return { wh: b.wh - a.wh, ms: BigInt(b.t - a.t) };
}

/** The largest i with knots[i].t <= t, kept within [0, length - 2] so that knots[i + 1] exists when it can. */
function segmentIndex(knots: readonly Knot[], t: number): number {
  let low = 0;
  let high = Math.max(0, knots.length - 2);
  while (low < high) {
    const mid = high - ((high - low) >> 1);
    if ((knots[mid]?.t ?? Infinity) <= t) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** ceil(a / b) for a >= 0, b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function lastOf(knots: readonly Knot[]): Knot {
  const last = knots[knots.length - 1];
  if (last === undefined) throw new RangeError('an energy curve has at least one knot');
  return last;
}
