/**
 * Compiles the tz database's binary zone files (TZif, RFC 8536) into the table the chaincode prices with:
 * chaincode/src/pricing/zones/tzdata.ts. Run it when a new tz release is adopted (docs/decisions/0031):
 *
 *   npx tsx scripts/tzdata/compile-zones.ts [zoneinfo dir, default /usr/share/zoneinfo]
 *
 * The directory must hold tzdata.zi (its first line names the release) and a TZif file per zone. For each zone
 * the table keeps the offset in force at 2000-01-01, the transitions listed since then up to the point from which
 * the file's closing POSIX rule reproduces every later transition, and that rule. Each zone is checked: the table
 * must give the file's own offset at every listed transition and around it, up to the file's last one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePosixRule, posixOffsetAt, posixTransitionsBetween } from '../../chaincode/src/pricing/zones/posix-rule';

const FROM_MS = Date.UTC(2000, 0, 1);
const dir = process.argv[2] ?? '/usr/share/zoneinfo';
const out = join(__dirname, '../../chaincode/src/pricing/zones/tzdata.ts');

interface Tzif {
  readonly transitions: { atMs: number; offsetS: number }[];
  readonly initialOffsetS: number;
  readonly footer: string;
}

function readTzif(path: string): Tzif {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 4) !== 'TZif' || buf[4] === 0) throw new Error(`${path}: not TZif version 2 or later`);
  const counts = (offset: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => buf.readUInt32BE(offset + 20 + i * 4));
  const [isut1 = 0, isstd1 = 0, leap1 = 0, time1 = 0, type1 = 0, char1 = 0] = counts(0);
  let p = 44 + time1 * 5 + type1 * 6 + char1 + leap1 * 8 + isstd1 + isut1;
  const [isut = 0, isstd = 0, leap = 0, timecnt = 0, typecnt = 0, charcnt = 0] = counts(p);
  p += 44;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i += 1) times.push(Number(buf.readBigInt64BE(p + i * 8)));
  p += timecnt * 8;
  const typeOf: number[] = [];
  for (let i = 0; i < timecnt; i += 1) typeOf.push(buf[p + i] ?? 0);
  p += timecnt;
  const offsets: number[] = [];
  for (let i = 0; i < typecnt; i += 1) offsets.push(buf.readInt32BE(p + i * 6));
  p += typecnt * 6 + charcnt + leap * 12 + isstd + isut;
  const footer = buf.toString('latin1', p).trim();
  const transitions = times.map((t, i) => ({ atMs: t * 1000, offsetS: offsets[typeOf[i] ?? 0] ?? 0 }));
  return { transitions, initialOffsetS: offsets[0] ?? 0, footer };
}

function offsetFromFile(file: Tzif, t: number): number {
  let offsetS = file.initialOffsetS;
  for (const transition of file.transitions) {
    if (transition.atMs > t) break;
    offsetS = transition.offsetS;
  }
  return offsetS;
}

function compile(name: string): string {
  const file = readTzif(join(dir, name));
  const rule = parsePosixRule(file.footer);
  if (rule === undefined) throw new Error(`${name}: cannot evaluate its rule "${file.footer}"`);
  // Drop listed transitions that are no change (a new abbreviation only).
  const changes = file.transitions.filter((t, i, all) => t.offsetS !== (i === 0 ? file.initialOffsetS : all[i - 1]?.offsetS));
  const since = changes.filter((t) => t.atMs > FROM_MS);
  const lastMs = file.transitions.at(-1)?.atMs ?? FROM_MS;
  // The first k from which the rule alone reproduces every listed transition after since[k].
  let k = since.length - 1;
  while (k > 0) {
    const from = since[k - 1];
    if (from === undefined) break;
    const ruled = posixTransitionsBetween(rule, from.atMs, lastMs);
    const listed = since.slice(k).map((t) => t.atMs);
    const agrees = ruled.length === listed.length && ruled.every((t, i) => t === listed[i]) &&
      posixOffsetAt(rule, from.atMs) === from.offsetS;
    if (!agrees) break;
    k -= 1;
  }
  const kept = since.slice(0, Math.max(k + 1, 0));
  const initial = offsetFromFile(file, FROM_MS);
  const encoded = `${file.footer}|${initial}|${kept.map((t) => `${t.atMs / 1000}:${t.offsetS}`).join(',')}`;
  // Check: the compiled form gives the file's offsets around every listed change since 2000.
  const check = (t: number): number => {
    const last = kept.at(-1);
    if (last === undefined || t >= last.atMs) return posixOffsetAt(rule, t);
    return kept.filter((x) => x.atMs <= t).at(-1)?.offsetS ?? initial;
  };
  for (const t of since) {
    for (const probe of [t.atMs - 1, t.atMs, t.atMs + 3_600_000]) {
      if (check(probe) !== offsetFromFile(file, probe)) throw new Error(`${name}: compiled offset differs at ${new Date(probe).toISOString()}`);
    }
  }
  return encoded;
}

const zi = readFileSync(join(dir, 'tzdata.zi'), 'utf8').split('\n');
const version = /^# version (\S+)/.exec(zi[0] ?? '')?.[1];
if (version === undefined) throw new Error('tzdata.zi does not name its release');
const zoneNames = zi.filter((line) => line.startsWith('Z ')).map((line) => line.split(/\s+/)[1] ?? '').sort();
const links = zi.filter((line) => line.startsWith('L ')).map((line) => line.split(/\s+/)).map(([, target = '', alias = '']) => [alias, target] as const).sort(([a], [b]) => a.localeCompare(b));

const rows = zoneNames.map((zone) => `  ${JSON.stringify(zone)}: ${JSON.stringify(compile(zone))},`);
const linkRows = links.map(([alias, target]) => `  ${JSON.stringify(alias)}: ${JSON.stringify(target)},`);
writeFileSync(
  out,
  [
    '// Generated by scripts/tzdata/compile-zones.ts from the tz database\'s zone files; do not edit.',
    '// Each zone: "POSIX rule|offset at 2000-01-01 (s east of UTC)|transition s since epoch:offset s,...".',
    `export const TZDB_VERSION = ${JSON.stringify(version)};`,
    `export const TZDB_TABLE_FROM_MS = ${FROM_MS};`,
    'export const zoneTable: Readonly<Record<string, string>> = {',
    ...rows,
    '};',
    'export const zoneLinks: Readonly<Record<string, string>> = {',
    ...linkRows,
    '};',
    '',
  ].join('\n'),
);
console.log(`tz ${version}: ${rows.length} zones, ${linkRows.length} links -> ${out}`);
