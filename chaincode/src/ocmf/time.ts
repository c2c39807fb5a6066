/** Time status letter after the timestamp: Unknown, Informative, Synchronised, Relative (table 19). */
export type TimeStatus = 'U' | 'I' | 'S' | 'R';

export interface OcmfTime {
  /** TM exactly as signed, e.g. `2018-07-24T13:22:04,000+0200 S`. */
  readonly text: string;
  /** The instant in UTC milliseconds since 1970-01-01T00:00:00Z. */
  readonly epochMs: number;
  readonly status: TimeStatus;
}

const TM = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2}),([0-9]{3})([+-])([0-9]{2})([0-9]{2}) ([UISR])$/;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/**
 * Parses OCMF's `YYYY-MM-DDThh:mm:ss,fff+hhmm S`, or returns undefined when the text is not exactly that
 * or names a date that does not exist. Integer arithmetic only, no Date and no host time zone, so every
 * peer computes the same instant.
 */
export function parseOcmfTime(text: string): OcmfTime | undefined {
  const match = TM.exec(text);
  if (match === null) return undefined;
  const field = (group: number): number => Number.parseInt(match[group] ?? '', 10);
  const year = field(1);
  const month = field(2);
  const day = field(3);
  const hour = field(4);
  const minute = field(5);
  const second = field(6);
  const milli = field(7);
  const sign = match[8] === '-' ? -1 : 1;
  const offsetHours = field(9);
  const offsetMinutes = field(10);
  const status = match[11] as TimeStatus;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
  const offsetMs = sign * (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
  return { text, epochMs: localMs - offsetMs, status };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
