import { dayOfWeekIndex, type LocalInstant, MS_PER_MINUTE, parseDate, parseTimeOfDay } from './calendar';
import type { Slope } from './energy-curve';
import { daysOfWeek, type Tariff, type TariffRestrictions } from './types';

/** What restrictions are tested against: the state of the session at the start of a period. */
export interface PeriodState {
  readonly local: LocalInstant;
  /** Milliseconds since the session started. */
  readonly elapsedMs: number;
  /** Wh delivered before the period. */
  readonly deliveredWh: bigint;
  /** The meter segment the period lies in; zero energy while parking. */
  readonly slope: Slope;
}

/** Restrictions with text parsed to numbers; every field absent means "no bound". */
export interface CompiledRestrictions {
  readonly startMinute?: number;
  readonly endMinute?: number;
  readonly startDay?: number;
  readonly endDay?: number;
  /** Day indexes, 0 = Monday. */
  readonly days?: readonly number[];
  readonly minWh?: bigint;
  readonly maxWh?: bigint;
  readonly minPowerW?: bigint;
  readonly maxPowerW?: bigint;
  readonly minElapsedMs?: number;
  readonly maxElapsedMs?: number;
}

/** One entry per tariff element, same index. Assumes a validated tariff, so every parse succeeds. */
export function compileRestrictions(tariff: Tariff): CompiledRestrictions[] {
  return tariff.elements.map(({ restrictions: r }) => (r === undefined ? {} : compile(r)));
}

function compile(r: TariffRestrictions): CompiledRestrictions {
  const entries: [keyof CompiledRestrictions, unknown][] = [
    ['startMinute', r.startTime === undefined ? undefined : parseTimeOfDay(r.startTime)],
    ['endMinute', r.endTime === undefined ? undefined : parseTimeOfDay(r.endTime)],
    ['startDay', r.startDate === undefined ? undefined : parseDate(r.startDate)],
    ['endDay', r.endDate === undefined ? undefined : parseDate(r.endDate)],
    ['days', r.dayOfWeek?.map((day) => daysOfWeek.indexOf(day))],
    ['minWh', big(r.minEnergyWh)],
    ['maxWh', big(r.maxEnergyWh)],
    ['minPowerW', big(r.minPowerW)],
    ['maxPowerW', big(r.maxPowerW)],
    ['minElapsedMs', r.minDurationS === undefined ? undefined : r.minDurationS * 1000],
    ['maxElapsedMs', r.maxDurationS === undefined ? undefined : r.maxDurationS * 1000],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as CompiledRestrictions;
}

function big(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value);
}

/** Lower bounds inclusive, upper bounds exclusive; a time window with start > end wraps past midnight. */
export function restrictionsMatch(c: CompiledRestrictions, state: PeriodState): boolean {
  return (
    inTimeWindow(c, state.local.msOfDay) &&
    (c.startDay === undefined || state.local.epochDay >= c.startDay) &&
    (c.endDay === undefined || state.local.epochDay < c.endDay) &&
    (c.days === undefined || c.days.includes(dayOfWeekIndex(state.local.epochDay))) &&
    (c.minWh === undefined || state.deliveredWh >= c.minWh) &&
    (c.maxWh === undefined || state.deliveredWh < c.maxWh) &&
    (c.minPowerW === undefined || powerAtLeast(state.slope, c.minPowerW)) &&
    (c.maxPowerW === undefined || !powerAtLeast(state.slope, c.maxPowerW)) &&
    (c.minElapsedMs === undefined || state.elapsedMs >= c.minElapsedMs) &&
    (c.maxElapsedMs === undefined || state.elapsedMs < c.maxElapsedMs)
  );
}

function inTimeWindow(c: CompiledRestrictions, msOfDay: number): boolean {
  const start = c.startMinute === undefined ? undefined : c.startMinute * MS_PER_MINUTE;
  const end = c.endMinute === undefined ? undefined : c.endMinute * MS_PER_MINUTE;
  if (start !== undefined && end !== undefined) {
    return start < end ? msOfDay >= start && msOfDay < end : msOfDay >= start || msOfDay < end;
  }
  return (start === undefined || msOfDay >= start) && (end === undefined || msOfDay < end);
}

/** Average power (wh / ms * 3.6e6 W) >= watts, compared without division: wh * 3_600_000 >= watts * ms. */
function powerAtLeast(slope: Slope, watts: bigint): boolean {
  return slope.wh * 3_600_000n >= watts * slope.ms;
}
