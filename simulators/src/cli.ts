/**
 * Runs simulated chargers against a CSMS:
 *
 *   npm run sim -- --protocol 2.0.1 --chargers 50 --sessions 200
 *
 *   npm run sim -- prosumer --kwp 8 --lat 52.52 --lon 13.40 --url http://127.0.0.1:8283 --username solar --password … \
 *     --account acc-pro-1 --export-point X1 --meter PV-1 --key meter.pem
 *
 * Against a ChargeLedger CSMS it provisions its chargers and id tokens through the admin API first, with the
 * key given as --admin-key or the one `npm start` keeps in <data dir>/secrets/admin-api-key; and, unless
 * --no-ledger, what the ledger needs through the participants' services (stations, tariff, meter keys, driver
 * accounts with their cards), then waits for the sessions' settlements and reports them.
 *
 * The composition root of the load generator: it alone reads files, the configuration and the wall clock.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig, protectDataDir } from '@chargeledger/config';
import type { OcppVersion } from './chargepoint/api';
import { aToken, loadIdentity, runLoad } from './load/load-generator';
import { provisionLedger, ServiceUnreachable } from './load/ledger-provision';
import { provisionThroughAdminApi } from './load/provision';
import { seededRandom } from './load/random';
import { awaitSettlements } from './load/settlements';
import type { OcppSecurity } from './ocpp/link';
import { listTemplates, loadTemplate } from './template/template';
import { SystemClock } from './clock';
import { generateMeterKey, meterKeyFromPem, publicKeySpkiDer } from './meter/keys';
import { MeterStateFiles, type MeterStateStore } from './meter/meter-state';
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
  --no-ledger                 provision the CSMS only and wait for no settlement: for a CSMS without the
                              participants' services (otherwise, with an admin key, Wallets opens a driver account
                              per token, tops it up and links the card, the operator registers each charger as a
                              station with a tariff, the Authority registers each meter's key; then the sessions'
                              settlements are awaited)
  --wallets-url URL --operators-url URL --authority-url URL
                              the participants' services (http://<PARTICIPANTS_HOST>:<port> from the configuration)
  --participants-dir DIR      where <org>-admin-password is kept for each service's staff (<data dir>/participants)
  --settle-timeout S          the longest to wait for the settlements after the last session (180)
  --security-profile 0-3      with --password, --ca, --cert, --key as the profile needs (0, or 1 with --password)
  --session-minutes MIN-MAX   simulated session length (20-90; 2-6 when settling on the ledger, whose clock skew
                              allowance keeps each charger's clock within 12 min of the wall clock: a charger
                              that would run further ahead waits)
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
  // The meter goes on from the pagination and register its last run signed: the ledger refuses records that go back.
  const serial = required('meter');
  const states = keptMeterStates();
  const kept = states.load(serial);
  const meter = createExportMeter({ clock, serial, signingKey: meterKeyFromPem(readFileSync(required('key'), 'utf8')), source: curve, registerWh: kept?.registerWh ?? 0, stepMs: 1_000, nextPage: kept?.nextPage ?? 1, onSigned: (state) => states.save(serial, state) });
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
      'no-ledger': { type: 'boolean', default: false },
      'wallets-url': { type: 'string' },
      'operators-url': { type: 'string' },
      'authority-url': { type: 'string' },
      'participants-dir': { type: 'string' },
      'settle-timeout': { type: 'string' },
      'security-profile': { type: 'string' },
      password: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'session-minutes': { type: 'string' },
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
  const endpoint = values.endpoint ?? (() => {
    const { csms } = loadConfig();
    return `ws://${csms.host}:${csms.port}/ocpp`;
  })();
  const sessions = positiveInteger(values.sessions, 'sessions', chargers);
  const random = seededRandom(positiveInteger(values.seed, 'seed', 1));

  const adminKey = values['no-provision'] ? undefined : (values['admin-key'] ?? keptAdminKey());
  // Settling on the ledger needs the admin API too: it is where the sessions' settlements are read back.
  const settling = adminKey !== undefined && !values['no-ledger'];
  const range = /^(\d+)-(\d+)$/.exec(values['session-minutes'] ?? (settling ? '2-6' : '20-90'));
  if (range === null || Number(range[1]) > Number(range[2]) || Number(range[1]) === 0) fail('--session-minutes must look like 20-90');
  const template = loadTemplate(values.template);
  const adminUrl = values['admin-url'] ?? adminUrlOf(endpoint);
  let idTokens: string[] | undefined;
  let meterKeys: KeyObject[][] | undefined;
  let meterStates: MeterStateStore | undefined;
  if (adminKey !== undefined) {
    const security = values['security-profile'];
    if (security !== undefined && security !== '1') fail('provisioning through the admin API is for security profile 1; use --no-provision for others');
    // A password of this run alone, unless one is given: identities provisioned before are rotated to it.
    values.password ??= randomBytes(18).toString('base64url');
    idTokens = Array.from({ length: sessions }, () => aToken(random));
    const identities = Array.from({ length: chargers }, (_, i) => loadIdentity(values.prefix, i));
    // Each token has a driver account of its own on the ledger, named after it.
    const accountOf = (idToken: string): string => `${values.prefix.toLowerCase()}-driver-${idToken}`;
    await provisionThroughAdminApi({ url: adminUrl, key: adminKey, fetch }, { identities, password: values.password, idTokens, accountOf });
    process.stdout.write(`${chargers} chargers and ${idTokens.length} id tokens provisioned at ${adminUrl}\n`);
    if (settling) {
      const keys = identities.map((identity) => keptMeterKeys(identity, template.evses.length));
      meterKeys = keys;
      meterStates = keptMeterStates();
      const config = loadConfig();
      const origin = (port: number): string => `http://${config.participants.host}:${port}`;
      const dir = values['participants-dir'] ?? config.participants.dataDir;
      const staff = (organization: 'wallets' | 'operators' | 'authority', url: string | undefined) => ({ url: url ?? origin(config.participants.ports[organization]), username: `${organization}-admin`, password: staffPassword(dir, organization) });
      const apis = { wallets: staff('wallets', values['wallets-url']), operators: staff('operators', values['operators-url']), authority: staff('authority', values['authority-url']), fetch };
      process.stdout.write(`setting up the ledger through the participants' services (${apis.wallets.url}, ${apis.operators.url}, ${apis.authority.url}):\n`);
      try {
        await provisionLedger(
          apis,
          {
            prefix: values.prefix,
            template,
            stations: identities.map((stationId, i) => ({ stationId, meterPublicKeys: (keys[i] ?? []).map((key) => publicKeySpkiDer(key).toString('hex')) })),
            drivers: idTokens.map((idToken) => ({ accountId: accountOf(idToken), idToken })),
          },
          (line) => process.stdout.write(`${line}\n`),
        );
      } catch (error) {
        if (error instanceof ServiceUnreachable) fail(`${error.message}: run npm start, which starts them, or give --no-ledger for a CSMS without them`);
        throw error;
      }
    }
  }

  const maxAheadMs = settling ? MAX_AHEAD_MS : undefined;
  const report = await runLoad({
    protocol,
    endpoint,
    chargers,
    sessions,
    template: values.template,
    identityPrefix: values.prefix,
    security: security(values),
    ...(idTokens === undefined ? {} : { idTokens }),
    ...(meterKeys === undefined ? {} : { meterKeys: (index: number) => meterKeys[index] ?? [] }),
    ...(meterStates === undefined ? {} : { meterStates }),
    ...(maxAheadMs === undefined ? {} : { maxAheadMs, idleMinutes: { min: 0, max: 1 } }),
    random,
    sessionMinutes: { min: Number(range[1]), max: Number(range[2]) },
    stepMinutes: Math.max(1, positiveInteger(values['step-minutes'], 'step-minutes', 5)),
    paceMs: positiveInteger(values['pace-ms'], 'pace-ms', 0),
    connectConcurrency: 25,
    // The charger clocks start now, after the ledger setup: the tariff and meter keys are in force at every start.
    startMs: meterStates === undefined ? Date.now() : notBeforeKeptReadings(meterStates, Array.from({ length: chargers }, (_, i) => loadIdentity(values.prefix, i)), template.evses.length),
    now: () => Date.now(),
    stopwatch: () => performance.now(),
    sleep: (ms) => sleep(ms),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const { latencyDistribution, sessionIds, ...summary } = report;
  process.stdout.write(`call latency distribution (ms):\n${latencyDistribution}\n`);
  process.stdout.write(`${JSON.stringify({ protocol, endpoint, ...summary, failures: report.failures.slice(0, 20) }, null, 2)}\n`);
  let settled: number | undefined;
  if (settling && adminKey !== undefined) {
    const timeoutS = positiveInteger(values['settle-timeout'], 'settle-timeout', 180);
    process.stdout.write(`waiting up to ${timeoutS} s for the ledger to settle ${sessionIds.length} sessions\n`);
    const settlements = await awaitSettlements({ url: adminUrl, key: adminKey, fetch }, sessionIds, {
      timeoutMs: timeoutS * 1000,
      pollMs: 1000,
      progressMs: 10_000,
      now: () => Date.now(),
      sleep: (ms) => sleep(ms),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    settled = settlements.settled;
    process.stdout.write(`charged ${(settlements.charged / 100).toFixed(2)} EUR in all\n`);
    if (settlements.unsettled.length > 0) process.stderr.write(`not settled: ${settlements.unsettled.slice(0, 20).join(', ')}${settlements.unsettled.length > 20 ? ', …' : ''}\n`);
  }
  process.stdout.write(`chargers registered: ${report.chargersConnected} of ${chargers}\nsessions completed: ${report.sessionsCompleted} of ${sessions}\n`);
  if (settled !== undefined) process.stdout.write(`sessions settled: ${settled} of ${sessions}\n`);
  if (report.chargersConnected < chargers && adminKey === undefined) {
    process.stderr.write('chargers were refused: a ChargeLedger CSMS lets in only provisioned chargers; give --admin-key (or run npm start, which writes the key file) to provision them, or --password for chargers provisioned already\n');
  }
  process.exitCode = report.sessionsCompleted < sessions || report.chargersConnected < chargers || (settled !== undefined && settled < sessions) ? 1 : 0;
}

/**
 * The most a charger's clock runs ahead of the wall clock: the ledger stamps its transactions with real time
 * and refuses meter readings more than 15 minutes in its future.
 */
const MAX_AHEAD_MS = 12 * 60_000;

/**
 * The simulated meters keep their keys in the data folder, so the keys the Authority registered stay theirs
 * from one run to the next (a meter whose key is not the registered one is rotated to it).
 */
function keptMeterKeys(identity: string, evses: number): KeyObject[] {
  const dataDir = loadConfig().dataDir;
  protectDataDir(dataDir);
  const dir = path.join(dataDir, 'simulators', 'meter-keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Array.from({ length: evses }, (_, e) => {
    const file = path.join(dir, `${identity}-M${e + 1}.pem`);
    if (!existsSync(file)) writeFileSync(file, generateMeterKey().export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    return meterKeyFromPem(readFileSync(file, 'utf8'));
  });
}

/**
 * The simulated meters' pagination and register, kept in the data folder beside their keys: a meter goes on
 * from where its last run signed, as a real one does, since the ledger refuses records that go back (ADR 0040).
 */
function keptMeterStates(): MeterStateStore {
  const dataDir = loadConfig().dataDir;
  protectDataDir(dataDir);
  return new MeterStateFiles(path.join(dataDir, 'simulators', 'meter-states'));
}

/**
 * Where the chargers' clocks start: now, or just after the last reading any of their meters signed in an
 * earlier run (which ran up to MAX_AHEAD_MS ahead of the wall clock), so that no new reading predates an old one.
 */
function notBeforeKeptReadings(states: MeterStateStore, identities: readonly string[], evses: number): number {
  const kept = identities.flatMap((identity) => Array.from({ length: evses }, (_, e) => states.load(`${identity}-M${e + 1}`)?.lastSignedMs ?? 0));
  return Math.max(Date.now(), ...kept.map((ms) => ms + 1_000));
}

/** The password a participants' service made for its first member of staff, `<org>-admin`. */
function staffPassword(dir: string, organization: string): string {
  const file = path.join(dir, `${organization}-admin-password`);
  if (!existsSync(file)) fail(`no ${file}: the ${organization} service's staff password is kept there once the service has started (give --participants-dir, or --no-ledger for a CSMS without the participants' services)`);
  return readFileSync(file, 'utf8').trim();
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
