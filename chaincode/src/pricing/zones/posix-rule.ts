import { daysFromCivil, dayOfWeekIndex, floorDiv } from '../calendar';

/**
 * The POSIX TZ rule a TZif file ends with ("CET-1CEST,M3.5.0,M10.5.0/3"): how a zone's clocks go after its last
 * listed transition. Integer arithmetic only; offsets are seconds east of UTC (POSIX writes them west, inverted).
 */
export interface PosixRule {
  readonly stdOffsetS: number;
  readonly dst?: {
    readonly offsetS: number;
    readonly start: DateRule;
    readonly end: DateRule;
  };
}

/** A yearly instant: a day of the year (Mm.w.d, Jn or n) and a local time in seconds (may be negative or > 24 h). */
interface DateRule {
  readonly kind: 'M' | 'J' | 'N';
  readonly month: number;
  readonly week: number;
  readonly weekday: number;
  readonly day: number;
  readonly timeS: number;
}

const name = String.raw`(?:[A-Za-z]{3,}|<[+\-A-Za-z0-9]{1,}>)`;
const offset = String.raw`[+-]?\d{1,3}(?::\d{2}){0,2}`;
const dateRule = String.raw`(?:M\d{1,2}\.\d\.\d|J\d{1,3}|\d{1,3})(?:\/[+-]?\d{1,3}(?::\d{2}){0,2})?`;
const rulePattern = new RegExp(`^${name}(${offset})(?:${name}(${offset})?,(${dateRule}),(${dateRule}))?$`);

/** Parses a POSIX TZ rule; undefined when the text is not one this module evaluates. */
export function parsePosixRule(text: string): PosixRule | undefined {
  const match = rulePattern.exec(text);
  if (match === null || match[1] === undefined) return undefined;
  const stdOffsetS = -clock(match[1]);
  if (match[3] === undefined || match[4] === undefined) return { stdOffsetS };
  const start = parseDateRule(match[3]);
  const end = parseDateRule(match[4]);
  if (start === undefined || end === undefined) return undefined;
  const offsetS = match[2] === undefined ? stdOffsetS + 3600 : -clock(match[2]);
  return { stdOffsetS, dst: { offsetS, start, end } };
}

function clock(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const [h = 0, m = 0, s = 0] = text.replace(/^[+-]/, '').split(':').map(Number);
  return sign * (h * 3600 + m * 60 + s);
}

function parseDateRule(text: string): DateRule | undefined {
  const [day = '', time] = text.split('/');
  const timeS = time === undefined ? 7200 : clock(time);
  if (day.startsWith('M')) {
    const [month = 0, week = 0, weekday = 0] = day.slice(1).split('.').map(Number);
    if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) return undefined;
    return { kind: 'M', month, week, weekday, day: 0, timeS };
  }
  const n = Number(day.replace('J', ''));
  if (day.startsWith('J')) return n >= 1 && n <= 365 ? { kind: 'J', month: 0, week: 0, weekday: 0, day: n, timeS } : undefined;
  return n <= 365 ? { kind: 'N', month: 0, week: 0, weekday: 0, day: n, timeS } : undefined;
}

/** Epoch day of the rule's day in `year`. */
function ruleDay(rule: DateRule, year: number): number {
  const jan1 = daysFromCivil(year, 1, 1);
  const leap = daysFromCivil(year, 3, 1) - daysFromCivil(year, 2, 1) === 29;
  if (rule.kind === 'N') return jan1 + rule.day;
  if (rule.kind === 'J') return jan1 + rule.day - 1 + (leap && rule.day >= 60 ? 1 : 0);
  const first = daysFromCivil(year, rule.month, 1);
  const next = rule.month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, rule.month + 1, 1);
  // dayOfWeekIndex counts from Monday; POSIX weekdays count from Sunday.
  const firstWeekday = (dayOfWeekIndex(first) + 1) % 7;
  let day = first + ((rule.weekday - firstWeekday + 7) % 7) + (rule.week - 1) * 7;
  while (day >= next) day -= 7;
  return day;
}

/** The instants (epoch ms) at which daylight time starts and ends in `year`, or undefined without DST. */
function yearTransitions(rule: PosixRule, year: number): { startMs: number; endMs: number } | undefined {
  if (rule.dst === undefined) return undefined;
  // A start is given in standard local time, an end in daylight local time.
  const startMs = (ruleDay(rule.dst.start, year) * 86_400 + rule.dst.start.timeS - rule.stdOffsetS) * 1000;
  const endMs = (ruleDay(rule.dst.end, year) * 86_400 + rule.dst.end.timeS - rule.dst.offsetS) * 1000;
  return { startMs, endMs };
}

function utcYear(utcMs: number): number {
  // Civil year of an epoch day (H. Hinnant's civil_from_days, year only).
  const z = floorDiv(utcMs, 86_400_000) + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

/** Seconds east of UTC under the rule at `utcMs`. */
export function posixOffsetAt(rule: PosixRule, utcMs: number): number {
  if (rule.dst === undefined) return rule.stdOffsetS;
  let offsetS = rule.stdOffsetS;
  // The latest transition at or before utcMs decides; look at the neighbouring years as well, since a rule's
  // local instants may fall on the other side of a UTC new year.
  let latest = -Infinity;
  const year = utcYear(utcMs);
  for (const y of [year - 1, year, year + 1]) {
    const t = yearTransitions(rule, y);
    if (t === undefined) continue;
    if (t.startMs <= utcMs && t.startMs > latest) [latest, offsetS] = [t.startMs, rule.dst.offsetS];
    if (t.endMs <= utcMs && t.endMs > latest) [latest, offsetS] = [t.endMs, rule.stdOffsetS];
  }
  return offsetS;
}

/** The instants in (fromMs, toMs] at which the rule changes the offset, ascending. */
export function posixTransitionsBetween(rule: PosixRule, fromMs: number, toMs: number): number[] {
  if (rule.dst === undefined || toMs <= fromMs) return [];
  const found: number[] = [];
  for (let y = utcYear(fromMs) - 1; y <= utcYear(toMs) + 1; y += 1) {
    const t = yearTransitions(rule, y);
    if (t === undefined) continue;
    for (const at of [t.startMs, t.endMs]) {
      if (at > fromMs && at <= toMs && posixOffsetAt(rule, at) !== posixOffsetAt(rule, at - 1)) found.push(at);
    }
  }
  return found.sort((a, b) => a - b);
}
