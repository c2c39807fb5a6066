import { fromLocal, toLocal } from './calendar';
import { energyAt, type EnergyCurve, firstInstantReaching, slopeAt } from './energy-curve';
import { type CompiledRestrictions, type PeriodState, restrictionsMatch } from './restrictions';
import type { CheckedSession } from './session-input';
import type { Tariff, TariffDimension } from './types';

/**
 * A stretch of the session over which nothing a restriction can test changes, so one element per dimension prices
 * all of it. Periods are contiguous, non-empty, and cover [startMs, endMs] exactly.
 */
export interface Period {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyWh: bigint;
  /** True before chargingEndMs (TIME applies), false after (PARKING_TIME applies). */
  readonly charging: boolean;
  readonly state: PeriodState;
}

export function stateAt(session: CheckedSession, curve: EnergyCurve, utcOffsetMinutes: number, t: number): PeriodState {
  return {
    local: toLocal(t, utcOffsetMinutes),
    elapsedMs: t - session.startMs,
    deliveredWh: energyAt(curve, t),
    slope: slopeAt(curve, t),
  };
}

export function cutPeriods(
  tariff: Tariff,
  compiled: readonly CompiledRestrictions[],
  session: CheckedSession,
  curve: EnergyCurve,
): Period[] {
  const cuts = cutInstants(tariff.utcOffsetMinutes, compiled, session, curve);
  const periods: Period[] = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const startMs = cuts[i] ?? session.startMs;
    const endMs = cuts[i + 1] ?? session.endMs;
    periods.push({
      startMs,
      endMs,
      energyWh: energyAt(curve, endMs) - energyAt(curve, startMs),
      charging: startMs < session.chargingEndMs,
      state: stateAt(session, curve, tariff.utcOffsetMinutes, startMs),
    });
  }
  return periods;
}

/**
 * Every instant in [startMs, endMs] at which a restriction's outcome, the meter slope, or charging/parking can
 * change, ascending and unique: samples, chargingEndMs, duration and energy thresholds, the local clock times named
 * by any element on every local day of the session, and local midnights when any element restricts by date or day.
 */
function cutInstants(
  utcOffsetMinutes: number,
  compiled: readonly CompiledRestrictions[],
  session: CheckedSession,
  curve: EnergyCurve,
): number[] {
  const { startMs, endMs } = session;
  const cuts = new Set<number>([startMs, endMs, session.chargingEndMs, ...curve.knots.map((knot) => knot.t)]);
  const minutes = new Set<number>();
  for (const c of compiled) {
    for (const ms of [c.minElapsedMs, c.maxElapsedMs]) {
      // Compared before adding so that the sum stays at most endMs, a safe integer.
      if (ms !== undefined && ms <= endMs - startMs) cuts.add(startMs + ms);
    }
    for (const wh of [c.minWh, c.maxWh]) {
      const t = wh === undefined ? undefined : firstInstantReaching(curve, wh);
      if (t !== undefined) cuts.add(t);
    }
    if (c.startMinute !== undefined) minutes.add(c.startMinute);
    if (c.endMinute !== undefined) minutes.add(c.endMinute);
    if (c.startDay !== undefined || c.endDay !== undefined || c.days !== undefined) minutes.add(0);
  }
  const lastDay = toLocal(endMs, utcOffsetMinutes).epochDay;
  for (let day = toLocal(startMs, utcOffsetMinutes).epochDay; day <= lastDay; day += 1) {
    for (const minute of minutes) cuts.add(fromLocal(day, minute, utcOffsetMinutes));
  }
  return [...cuts].filter((t) => t >= startMs && t <= endMs).sort((a, b) => a - b);
}

/** OCPI: per dimension, the first element that has a component of it and whose restrictions match. */
export function elementFor(
  tariff: Tariff,
  compiled: readonly CompiledRestrictions[],
  dimension: TariffDimension,
  state: PeriodState,
): number | undefined {
  const index = tariff.elements.findIndex(
    (element, i) =>
      element.priceComponents.some((component) => component.type === dimension) &&
      restrictionsMatch(compiled[i] ?? {}, state),
  );
  return index === -1 ? undefined : index;
}
