import { PricingError, TariffError } from '../errors';
import { at, FieldReader, join } from '../fields';
import { MAX_TIMESTAMP_MS } from '../types';
import { parsePosixRule, posixOffsetAt, posixTransitionsBetween, type PosixRule } from './posix-rule';
import { TZDB_TABLE_FROM_MS, TZDB_VERSION, zoneLinks, zoneTable } from './tzdata';

/**
 * The rules of one IANA time zone from an instant on, frozen with a tariff when it is published: pricing reads
 * local time from these and from nothing else (no Date, no Intl, no operating-system zone files), so every peer
 * computes the same local time, and a later tz database in a chaincode upgrade cannot change the price of a
 * tariff version already published (docs/decisions/0031).
 */
export interface ZoneRules {
  /** IANA name, as the tariff's publisher gave it (a link's name stays; its rules are its target's). */
  readonly name: string;
  /** Release of the tz database the rules were taken from, e.g. "2025b". */
  readonly tzdb: string;
  /** The rules hold from this instant on; earlier instants are refused. */
  readonly fromMs: number;
  /** Seconds east of UTC from `fromMs` until the first transition. */
  readonly initialOffsetS: number;
  /** Ascending listed transitions: from `atMs` on, the offset is `offsetS`. */
  readonly transitions: readonly ZoneTransition[];
  /** The POSIX TZ rule in force from the last listed transition on (throughout when none is listed). */
  readonly rule: string;
}

export interface ZoneTransition {
  readonly atMs: number;
  readonly offsetS: number;
}

/** A zone's rules from `fromMs` on, as the chaincode's pinned tz database gives them; undefined for an unknown name. */
export function zoneRulesFrom(name: string, fromMs: number): ZoneRules | undefined {
  const encoded = zoneTable[zoneLinks[name] ?? name];
  if (encoded === undefined || fromMs < TZDB_TABLE_FROM_MS) return undefined;
  const [rule = '', initial = '0', listed = ''] = encoded.split('|');
  const all: ZoneTransition[] = listed === '' ? [] : listed.split(',').map((pair) => {
    const [seconds = '0', offsetS = '0'] = pair.split(':');
    return { atMs: Number(seconds) * 1000, offsetS: Number(offsetS) };
  });
  const whole: ZoneRules = { name, tzdb: TZDB_VERSION, fromMs: TZDB_TABLE_FROM_MS, initialOffsetS: Number(initial), transitions: all, rule };
  const transitions = all.filter((transition) => transition.atMs > fromMs);
  // Keep the last listed transition when every one is past: from it on the POSIX rule holds.
  const last = all.filter((transition) => transition.atMs <= fromMs).at(-1);
  const kept = transitions.length === 0 && last !== undefined ? [last] : transitions;
  const initialOffsetS = last !== undefined && kept[0] === last ? last.offsetS : offsetOf(whole, fromMs);
  return { name, tzdb: TZDB_VERSION, fromMs, initialOffsetS, transitions: kept, rule };
}

/** Names of every zone and link the pinned tz database knows. */
export function knownZoneNames(): string[] {
  return [...Object.keys(zoneTable), ...Object.keys(zoneLinks)].sort();
}

export { TZDB_VERSION };

/** A zone whose rule text has been parsed once. */
export interface CompiledZone {
  readonly zone: ZoneRules;
  readonly rule: PosixRule;
}

export function compileZone(zone: ZoneRules): CompiledZone {
  const rule = parsePosixRule(zone.rule);
  if (rule === undefined) throw new TariffError('FORMAT', 'zone.rule', 'is not a POSIX TZ rule');
  return { zone, rule };
}

/** Seconds east of UTC at `utcMs`. */
export function offsetAt(compiled: CompiledZone, utcMs: number): number {
  const { zone, rule } = compiled;
  const listed = zone.transitions;
  const lastListed = listed[listed.length - 1];
  if (lastListed === undefined) return posixOffsetAt(rule, utcMs);
  if (utcMs >= lastListed.atMs) return posixOffsetAt(rule, utcMs);
  let offsetS = zone.initialOffsetS;
  for (const transition of listed) {
    if (transition.atMs > utcMs) break;
    offsetS = transition.offsetS;
  }
  return offsetS;
}

function offsetOf(zone: ZoneRules, utcMs: number): number {
  return offsetAt(compileZone(zone), utcMs);
}

/** Instants in (fromMs, toMs] at which the offset changes, ascending. */
export function transitionsBetween(compiled: CompiledZone, fromMs: number, toMs: number): number[] {
  const { zone, rule } = compiled;
  const listed = zone.transitions.map((transition) => transition.atMs).filter((t) => t > fromMs && t <= toMs);
  const lastListed = zone.transitions[zone.transitions.length - 1]?.atMs ?? -Infinity;
  const fromRule = posixTransitionsBetween(rule, Math.max(fromMs, lastListed), toMs);
  return [...new Set([...listed, ...fromRule])]
    .filter((t) => offsetAt(compiled, t) !== offsetAt(compiled, t - 1))
    .sort((a, b) => a - b);
}

const fields: FieldReader = new FieldReader((code, path, detail) => {
  throw new TariffError(code, path, detail);
});
const zoneKeys = ['name', 'tzdb', 'fromMs', 'initialOffsetS', 'transitions', 'rule'];
const MAX_OFFSET_S = 26 * 3600;

/** Checks zone rules read back from JSON (a stored tariff) and returns a copy with keys in schema order. */
export function readZoneRules(input: unknown, path: string): ZoneRules {
  const record = fields.object(input, path, zoneKeys);
  const name = fields.string(record, 'name', path, (text) => /^[A-Za-z0-9_+\-/]{1,64}$/.test(text), 'an IANA time-zone name');
  const tzdb = fields.string(record, 'tzdb', path, (text) => /^[0-9]{4}[a-z]$/.test(text), 'a tz database release such as "2025b"');
  const fromMs = fields.integer(record, 'fromMs', path, 0, MAX_TIMESTAMP_MS);
  const initialOffsetS = fields.integer(record, 'initialOffsetS', path, -MAX_OFFSET_S, MAX_OFFSET_S);
  const listPath = join(path, 'transitions');
  let previous = fromMs;
  const transitions = fields.array(fields.required(record, 'transitions', path), listPath, false).map((value, index) => {
    const itemPath = at(listPath, index);
    const item = fields.object(value, itemPath, ['atMs', 'offsetS']);
    const atMs = fields.integer(item, 'atMs', itemPath, 0, MAX_TIMESTAMP_MS);
    if (index > 0 && atMs <= previous) fields.fail('RANGE', join(itemPath, 'atMs'), 'transitions must be ascending');
    previous = atMs;
    return { atMs, offsetS: fields.integer(item, 'offsetS', itemPath, -MAX_OFFSET_S, MAX_OFFSET_S) };
  });
  const rule = fields.string(record, 'rule', path, (text) => parsePosixRule(text) !== undefined, 'a POSIX TZ rule');
  return { name, tzdb, fromMs, initialOffsetS, transitions, rule };
}

/** Refuses a priced span that begins before the frozen rules do. */
export function checkCovered(zone: ZoneRules, startMs: number): void {
  if (startMs < zone.fromMs) {
    throw new PricingError('RANGE', 'startMs', `is before ${zone.fromMs}, from when the tariff's time-zone rules were frozen`);
  }
}
