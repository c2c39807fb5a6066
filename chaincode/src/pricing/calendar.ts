/**
 * Proleptic Gregorian calendar arithmetic on integers, with no Date object and no time-zone database.
 * Every operand is a safe integer and every division goes through floorDiv, so each result is exact: instants are at
 * most MAX_TIMESTAMP_MS (8.64e15) and offsets at most 14 h, well inside Number.MAX_SAFE_INTEGER (9.007e15).
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;

/** floor(a / b) for safe integers a and b > 0; `%` and the final division are exact on integers. */
export function floorDiv(a: number, b: number): number {
  const remainder = ((a % b) + b) % b;
  return (a - remainder) / b;
}

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil); month 1..12. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = floorDiv(153 * (month + (month > 2 ? -3 : 9)) + 2, 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const datePattern = /^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
const timePattern = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** The epoch day of a "YYYY-MM-DD" date, or undefined when the text is not a real calendar date. */
export function parseDate(text: string): number | undefined {
  const match = datePattern.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const first = daysFromCivil(year, month, 1);
  const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return day <= next - first ? first + day - 1 : undefined;
}

/** Minutes after local midnight of an "HH:MM" time (24-hour, leading zeros), or undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = timePattern.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Where an instant falls in local time. */
export interface LocalInstant {
  /** Days since 1970-01-01 of the local date. */
  readonly epochDay: number;
  /** Milliseconds since local midnight, 0 to MS_PER_DAY - 1. */
  readonly msOfDay: number;
}

export function toLocal(utcMs: number, utcOffsetMinutes: number): LocalInstant {
  const localMs = utcMs + utcOffsetMinutes * MS_PER_MINUTE;
  const epochDay = floorDiv(localMs, MS_PER_DAY);
  return { epochDay, msOfDay: localMs - epochDay * MS_PER_DAY };
}

/** The UTC instant of local `minuteOfDay` on local `epochDay`. */
export function fromLocal(epochDay: number, minuteOfDay: number, utcOffsetMinutes: number): number {
  return (epochDay * MINUTES_PER_DAY + minuteOfDay - utcOffsetMinutes) * MS_PER_MINUTE;
}

/** 0 = Monday ... 6 = Sunday; 1970-01-01 was a Thursday. */
export function dayOfWeekIndex(epochDay: number): number {
  return epochDay + 3 - floorDiv(epochDay + 3, 7) * 7;
}
