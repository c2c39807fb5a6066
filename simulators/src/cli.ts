/**
 * Runs simulated chargers against a CSMS:
 *
 *   npm run sim -- --protocol 2.0.1 --chargers 50 --sessions 200
 *
 * Against a ChargeLedger CSMS it provisions its chargers and id tokens through the admin API first, with the
 * key given as --admin-key or the one `npm start` keeps in <data dir>/secrets/admin-api-key.
 *
 * The composition root of the load generator: it alone reads files, the configuration and the wall clock.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@chargeledger/config';
import type { OcppVersion } from './chargepoint/api';
import { aToken, loadIdentity, runLoad } from './load/load-generator';
import { provisionThroughAdminApi } from './load/provision';
import { seededRandom } from './load/random';
import type { OcppSecurity } from './ocpp/link';
import { listTemplates } from './template/template';

const USAGE = `usage: npm run sim -- [options]
  --protocol 1.6|2.0.1        OCPP version (2.0.1)
  --chargers N                simulated chargers (1)
  --sessions N                charging sessions in total (= chargers)
  --endpoint URL              CSMS endpoint (ws://<CSMS_HOST>:<CSMS_PORT>/ocpp from the configuration)
  --template NAME|FILE.json   charger model (homebox-ac11); bundled: ${listTemplates().join(', ')}
  --prefix TEXT               identity prefix (SIM)
  --admin-key KEY             admin API key of a ChargeLedger CSMS: provision the chargers (profile 1, a new
                              password per run unless --password) and one id token per session first
                              (default: <data dir>/secrets/admin-api-key, as npm start writes it, if present)
  --admin-url URL             the CSMS's admin API (the endpoint's host and port over http/https)
  --no-provision              provision nothing, even with an admin key
  --security-profile 0-3      with --password, --ca, --cert, --key as the profile needs (0, or 1 with --password)
  --session-minutes MIN-MAX   simulated session length (20-90)
  --step-minutes N            simulated minutes per step (5)
  --pace-ms N                 real milliseconds between steps (0: as fast as the CSMS answers)
  --seed N                    random seed, for repeatable runs (1)
  --help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function positiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number`);
  return value;
}

function security(values: Record<string, string | boolean | undefined>): OcppSecurity {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const file = (name: string): string => {
    const path = text(name);
    if (path === undefined) fail(`security profile ${String(values['security-profile'])} needs --${name}`);
    return readFileSync(path, 'utf8');
  };
  const password = text('password');
  const profile = positiveInteger(text('security-profile'), 'security-profile', password === undefined ? 0 : 1);
  switch (profile) {
    case 0:
      return { profile: 0 };
    case 1:
      return { profile: 1, password: password ?? fail('security profile 1 needs --password') };
    case 2:
      return { profile: 2, password: password ?? fail('security profile 2 needs --password'), ca: file('ca') };
    case 3:
      return { profile: 3, ca: file('ca'), cert: file('cert'), key: file('key') };
    default:
      return fail('--security-profile must be 0, 1, 2 or 3');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      protocol: { type: 'string', default: '2.0.1' },
      chargers: { type: 'string' },
      sessions: { type: 'string' },
      endpoint: { type: 'string' },
      template: { type: 'string', default: 'homebox-ac11' },
      prefix: { type: 'string', default: 'SIM' },
      'admin-key': { type: 'string' },
      'admin-url': { type: 'string' },
      'no-provision': { type: 'boolean', default: false },
      'security-profile': { type: 'string' },
      password: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'session-minutes': { type: 'string', default: '20-90' },
      'step-minutes': { type: 'string' },
      'pace-ms': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.protocol !== '1.6' && values.protocol !== '2.0.1') fail('--protocol must be 1.6 or 2.0.1');
  const protocol: OcppVersion = values.protocol;
  const chargers = positiveInteger(values.chargers, 'chargers', 1);
  const range = /^(\d+)-(\d+)$/.exec(values['session-minutes']);
  if (range === null || Number(range[1]) > Number(range[2]) || Number(range[1]) === 0) fail('--session-minutes must look like 20-90');
  const endpoint = values.endpoint ?? (() => {
    const { csms } = loadConfig();
    return `ws://${csms.host}:${csms.port}/ocpp`;
  })();
  const sessions = positiveInteger(values.sessions, 'sessions', chargers);
  const random = seededRandom(positiveInteger(values.seed, 'seed', 1));

  const adminKey = values['no-provision'] ? undefined : (values['admin-key'] ?? keptAdminKey());
  let idTokens: string[] | undefined;
  if (adminKey !== undefined) {
    const security = values['security-profile'];
    if (security !== undefined && security !== '1') fail('provisioning through the admin API is for security profile 1; use --no-provision for others');
    // A password of this run alone, unless one is given: identities provisioned before are rotated to it.
    values.password ??= randomBytes(18).toString('base64url');
    idTokens = Array.from({ length: sessions }, () => aToken(random));
    const adminUrl = values['admin-url'] ?? adminUrlOf(endpoint);
    await provisionThroughAdminApi(
      { url: adminUrl, key: adminKey, fetch },
      { identities: Array.from({ length: chargers }, (_, i) => loadIdentity(values.prefix, i)), password: values.password, idTokens, accountOf: (_token, index) => `${values.prefix.toLowerCase()}-driver-${index + 1}` },
    );
    process.stdout.write(`${chargers} chargers and ${idTokens.length} id tokens provisioned at ${adminUrl}\n`);
  }

  const report = await runLoad({
    protocol,
    endpoint,
    chargers,
    sessions,
    template: values.template,
    identityPrefix: values.prefix,
    security: security(values),
    ...(idTokens === undefined ? {} : { idTokens }),
    random,
    sessionMinutes: { min: Number(range[1]), max: Number(range[2]) },
    stepMinutes: Math.max(1, positiveInteger(values['step-minutes'], 'step-minutes', 5)),
    paceMs: positiveInteger(values['pace-ms'], 'pace-ms', 0),
    connectConcurrency: 25,
    startMs: Date.now(),
    now: () => Date.now(),
    stopwatch: () => performance.now(),
    sleep: (ms) => sleep(ms),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const { latencyDistribution, ...summary } = report;
  process.stdout.write(`call latency distribution (ms):\n${latencyDistribution}\n`);
  process.stdout.write(`${JSON.stringify({ protocol, endpoint, ...summary, failures: report.failures.slice(0, 20) }, null, 2)}\n`);
  process.stdout.write(`chargers registered: ${report.chargersConnected} of ${chargers}\nsessions completed: ${report.sessionsCompleted} of ${sessions}\n`);
  if (report.chargersConnected < chargers && adminKey === undefined) {
    process.stderr.write('chargers were refused: a ChargeLedger CSMS lets in only provisioned chargers; give --admin-key (or run npm start, which writes the key file) to provision them, or --password for chargers provisioned already\n');
  }
  process.exitCode = report.sessionsCompleted < sessions || report.chargersConnected < chargers ? 1 : 0;
}

/** The key `npm start` keeps in the data folder, when there is one. */
function keptAdminKey(): string | undefined {
  const file = path.join(loadConfig().dataDir, 'secrets', 'admin-api-key');
  if (!existsSync(file)) return undefined;
  const key = readFileSync(file, 'utf8').trim();
  return key === '' ? undefined : key;
}

/** ws://host:port/ocpp → http://host:port, wss → https. */
function adminUrlOf(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') fail('--endpoint must be a ws:// or wss:// URL');
  return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
