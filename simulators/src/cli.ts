/**
 * Runs simulated chargers against a CSMS:
 *
 *   npm run sim -- --protocol 2.0.1 --chargers 50 --sessions 200
 *
 *   npm run sim -- prosumer --kwp 8 --lat 52.52 --lon 13.40 --url http://127.0.0.1:8283 --username solar --password … \
 *     --account acc-pro-1 --export-point X1 --meter PV-1 --key meter.pem
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
import { SystemClock } from './clock';
import { meterKeyFromPem } from './meter/keys';
import { createExportMeter } from './prosumer/export-meter';
import { productionCurve } from './prosumer/production-curve';
import { createProsumer, upcomingWindows } from './prosumer/prosumer';
import { createRestProsumerPort } from './prosumer/rest-port';

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
  --help
A prosumer selling solar surplus instead: npm run sim -- prosumer --help`;

const PROSUMER_USAGE = `usage: npm run sim -- prosumer [options]
  --url URL                   the Prosumers' participants' service (http://127.0.0.1:8283)
  --username NAME --password TEXT   the prosumer's sign-in
  --account ID                the prosumer's account (Wallets opened it)
  --export-point ID           the export point whose meter the Authority registered (X1)
  --meter SERIAL --key FILE   the export meter's serial and its P-256 private key (PEM); the public key
                              (SPKI hex, printed at start) is the one the Authority registers
  --kwp N --lat DEG --lon DEG the roof (8 kWp at 52.52, 13.40)
  --annual-kwh N              the household's consumption a year (4000)
  --utc-offset MIN            the household's local time (60)
  --price MICRO               price per kWh in micro-EUR (200000)
  --windows N --window-minutes N   how many back-to-back windows, how long (4 of 15)
  --lead-minutes N            time left for operators to accept before the first window (10)`;

function fail(message: string, usage = USAGE): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
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

/** A prosumer selling its clear-sky surplus through the Prosumers' service, in real time. */
async function prosumer(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8283' },
      username: { type: 'string' },
      password: { type: 'string' },
      account: { type: 'string' },
      'export-point': { type: 'string', default: 'X1' },
      meter: { type: 'string' },
      key: { type: 'string' },
      kwp: { type: 'string', default: '8' },
      lat: { type: 'string', default: '52.52' },
      lon: { type: 'string', default: '13.40' },
      'annual-kwh': { type: 'string', default: '4000' },
      'utc-offset': { type: 'string', default: '60' },
      price: { type: 'string', default: '200000' },
      windows: { type: 'string', default: '4' },
      'window-minutes': { type: 'string', default: '15' },
      'lead-minutes': { type: 'string', default: '10' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${PROSUMER_USAGE}\n`);
  const required = (name: 'username' | 'password' | 'account' | 'meter' | 'key'): string => values[name] ?? fail(`--${name} is required`, PROSUMER_USAGE);
  const number = (name: keyof typeof values): number => {
    const value = Number(values[name]);
    if (!Number.isFinite(value)) fail(`--${name} must be a number`, PROSUMER_USAGE);
    return value;
  };
  const signIn = await fetch(`${values.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: required('username'), password: required('password') }) });
  if (!signIn.ok) fail(`sign-in at ${values.url}: ${signIn.status} ${await signIn.text()}`, PROSUMER_USAGE);
  const { token } = (await signIn.json()) as { token: string };

  const clock = new SystemClock();
  const curve = productionCurve({
    pv: { capacityKwp: number('kwp'), latitudeDeg: number('lat'), longitudeDeg: number('lon'), performanceRatio: 0.85 },
    household: { annualKwh: number('annual-kwh'), utcOffsetMinutes: number('utc-offset') },
  });
  const meter = createExportMeter({ clock, serial: required('meter'), signingKey: meterKeyFromPem(readFileSync(required('key'), 'utf8')), source: curve, registerWh: 0, stepMs: 1_000, nextPage: 1 });
  const agent = createProsumer({
    clock,
    port: createRestProsumerPort({ baseUrl: values.url, token, fetch }),
    meter,
    forecast: curve,
    account: { prosumerAccountId: required('account'), exportPointId: values['export-point'], currency: 'EUR' },
    priceMicroPerKWh: number('price'),
    minOfferWh: 100,
    settleAfterMs: 2_000,
    newOfferId: () => `offer-${randomBytes(6).toString('hex')}`,
  });
  const windows = upcomingWindows(clock.now(), { windowMs: number('window-minutes') * 60_000, leadMs: number('lead-minutes') * 60_000, count: number('windows') });
  process.stdout.write(`export meter ${meter.serial}, public key ${meter.publicKeyHex}\n`);
  for (const outcome of await agent.run(windows)) {
    const line = outcome.kind === 'no-surplus' ? { window: new Date(outcome.window.startMs).toISOString(), kind: outcome.kind } : outcome.kind === 'unaccepted' ? { offerId: outcome.offer.offerId, kind: outcome.kind, energyWh: outcome.offer.energyWh } : { offerId: outcome.offer.offerId, kind: outcome.kind, acceptedWh: outcome.acceptedWh, deliveredWh: outcome.meteredWh, paid: outcome.paid, txId: outcome.settlement.txId };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'prosumer') return prosumer(process.argv.slice(3));
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
