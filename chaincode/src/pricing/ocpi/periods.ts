import { dayOfWeekIndex, floorDiv, MS_PER_DAY, MS_PER_MINUTE } from '../calendar';
import { energyAt, type EnergyCurve, firstInstantReaching, slopeAt } from '../energy-curve';
import { PricingError } from '../errors';
import type { CheckedSession } from '../session-input';
import { type CompiledZone, offsetAt, transitionsBetween } from '../zones/zone';
import type { CompiledElement, CompiledRestrictions } from './validate';

/** What a sample reports besides its register: instantaneous power and current, where the charger sends them. */
export interface SampleExtras {
  readonly powerW?: bigint;
  readonly currentMilliA?: bigint;
}

/** A span priced as one: a charging session, or a reservation before one. */
export interface Span {
  readonly session: CheckedSession;
  readonly curve: EnergyCurve;
  /** One entry per session sample, same index. */
  readonly extras: readonly SampleExtras[];
}

/** Power as a fraction in W, so an average needs no division. */
interface Power {
  readonly num: bigint;
  readonly den: bigint;
}

/** The state restrictions are tested against, at the start of a period. */
export interface PeriodState {
  readonly epochDay: number;
  readonly msOfDay: number;
  readonly elapsedMs: number;
  readonly deliveredWh: bigint;
  readonly power: Power;
  /** Undefined when the sample in force reports no current. */
  readonly currentMilliA: bigint | undefined;
  /** Index of the sample in force, to name it when its current is missing. */
  readonly sampleIndex: number;
}

export interface Period {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyWh: bigint;
  readonly charging: boolean;
  readonly state: PeriodState;
}

/**
 * The state at `t`, local time from the frozen zone. Power is the charger's reported power where the sample in
 * force carries one, else the average between the meter samples around `t` (the energy curve's slope); while
 * parking, power and current are 0.
 */
export function stateAt(span: Span, zone: CompiledZone, t: number): PeriodState {
  const { session, curve, extras } = span;
  const localMs = t + offsetAt(zone, t) * 1000;
  const epochDay = floorDiv(localMs, MS_PER_DAY);
  const sampleIndex = lastSampleAtOrBefore(session, t);
  const charging = t < session.chargingEndMs;
  const reported = extras[sampleIndex];
  const slope = slopeAt(curve, t);
  const power: Power = !charging
    ? { num: 0n, den: 1n }
    : reported?.powerW !== undefined
      ? { num: reported.powerW, den: 1n }
      : { num: slope.wh * 3_600_000n, den: slope.ms };
  return {
    epochDay,
    msOfDay: localMs - epochDay * MS_PER_DAY,
    elapsedMs: t - session.startMs,
    deliveredWh: energyAt(curve, t),
    power,
    currentMilliA: charging ? reported?.currentMilliA : 0n,
    sampleIndex,
  };
}

function lastSampleAtOrBefore(session: CheckedSession, t: number): number {
  let found = 0;
  session.samples.forEach((sample, i) => {
    if (sample.timestampMs <= t) found = i;
  });
  return found;
}

/**
 * Cuts the span at every instant where a restriction's outcome, the meter slope, the sample in force, the
 * time-zone offset, or charging/parking can change: samples, chargingEndMs, duration and energy thresholds,
 * offset transitions, and every local clock time any element names plus local midnight (OCPI's one-sided windows
 * open or close there), on every local day of the span.
 */
export function cutPeriods(span: Span, zone: CompiledZone, elements: readonly CompiledElement[]): Period[] {
  const { session, curve } = span;
  const { startMs, endMs } = session;
  const cuts = new Set<number>([startMs, endMs, session.chargingEndMs, ...curve.knots.map((knot) => knot.t)]);
  for (const sample of session.samples) cuts.add(sample.timestampMs);
  for (const t of transitionsBetween(zone, startMs, endMs)) cuts.add(t);
  const minutes = new Set<number>();
  for (const { restrictions: r } of elements) {
    for (const ms of [r.minElapsedMs, r.maxElapsedMs]) {
      if (ms !== undefined && ms <= endMs - startMs) cuts.add(startMs + ms);
    }
    for (const wh of [r.minWh, r.maxWh]) {
      const t = wh === undefined ? undefined : firstInstantReaching(curve, wh);
      if (t !== undefined) cuts.add(t);
    }
    if (r.startMinute !== undefined) minutes.add(r.startMinute);
    if (r.endMinute !== undefined) minutes.add(r.endMinute);
    const local = r.startMinute !== undefined || r.endMinute !== undefined || r.startDay !== undefined || r.endDay !== undefined || r.days !== undefined;
    if (local) minutes.add(0);
  }
  if (minutes.size > 0) {
    const offsets = new Set([offsetAt(zone, startMs), ...transitionsBetween(zone, startMs, endMs).map((t) => offsetAt(zone, t))]);
    const firstDay = floorDiv(startMs, MS_PER_DAY) - 1;
    const lastDay = floorDiv(endMs, MS_PER_DAY) + 1;
    for (let day = firstDay; day <= lastDay; day += 1) {
      for (const minute of minutes) {
        for (const offsetS of offsets) {
          // The instant the local clock shows `minute` on `day` under this offset, if that offset is in force then.
          const t = day * MS_PER_DAY + minute * MS_PER_MINUTE - offsetS * 1000;
          if (t > startMs && t < endMs && offsetAt(zone, t) === offsetS) cuts.add(t);
        }
      }
    }
  }
  const sorted = [...cuts].filter((t) => t >= startMs && t <= endMs).sort((a, b) => a - b);
  const periods: Period[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 1) {
    const start = sorted[i] ?? startMs;
    const end = sorted[i + 1] ?? endMs;
    periods.push({
      startMs: start,
      endMs: end,
      energyWh: energyAt(curve, end) - energyAt(curve, start),
      charging: start < session.chargingEndMs,
      state: stateAt(span, zone, start),
    });
  }
  return periods;
}

/** OCPI: every restriction set must hold (logical AND); lower bounds inclusive, upper bounds exclusive. */
export function restrictionsMatch(r: CompiledRestrictions, state: PeriodState): boolean {
  return (
    inTimeWindow(r, state.msOfDay) &&
    (r.startDay === undefined || state.epochDay >= r.startDay) &&
    (r.endDay === undefined || state.epochDay < r.endDay) &&
    (r.days === undefined || r.days.includes(dayOfWeekIndex(state.epochDay))) &&
    (r.minWh === undefined || state.deliveredWh >= r.minWh) &&
    (r.maxWh === undefined || state.deliveredWh < r.maxWh) &&
    (r.minPowerW === undefined || powerAtLeast(state.power, r.minPowerW)) &&
    (r.maxPowerW === undefined || !powerAtLeast(state.power, r.maxPowerW)) &&
    (r.minCurrentMilliA === undefined || currentOf(state) >= r.minCurrentMilliA) &&
    (r.maxCurrentMilliA === undefined || currentOf(state) < r.maxCurrentMilliA) &&
    (r.minElapsedMs === undefined || state.elapsedMs >= r.minElapsedMs) &&
    (r.maxElapsedMs === undefined || state.elapsedMs < r.maxElapsedMs)
  );
}

/**
 * start_time alone: from it to midnight; end_time alone: from midnight to it; start > end wraps past midnight
 * (end "00:00" stops at the end of the day); start = end is the whole day, a window that wraps all the way round.
 */
function inTimeWindow(r: CompiledRestrictions, msOfDay: number): boolean {
  const start = r.startMinute === undefined ? undefined : r.startMinute * MS_PER_MINUTE;
  const end = r.endMinute === undefined ? undefined : r.endMinute * MS_PER_MINUTE;
  if (start !== undefined && end !== undefined) {
    return start < end ? msOfDay >= start && msOfDay < end : msOfDay >= start || msOfDay < end;
  }
  return (start === undefined || msOfDay >= start) && (end === undefined || msOfDay < end);
}

function powerAtLeast(power: Power, watts: bigint): boolean {
  return power.num >= watts * power.den;
}

function currentOf(state: PeriodState): bigint {
  if (state.currentMilliA === undefined) {
    throw new PricingError('COVERAGE', `samples[${state.sampleIndex}].currentMilliA`, 'the tariff restricts by current and this sample reports none');
  }
  return state.currentMilliA;
}
