/**
 * Runs simulated chargers against a CSMS:
 *
 *   npm run sim -- --protocol 2.0.1 --chargers 50 --sessions 200
 *
 * The composition root of the load generator: it alone reads files, the configuration and the wall clock.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@chargeledger/config';
import type { OcppVersion } from './chargepoint/api';
import { runLoad } from './load/load-generator';
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

  const report = await runLoad({
    protocol,
    endpoint,
    chargers,
    sessions: positiveInteger(values.sessions, 'sessions', chargers),
    template: values.template,
    identityPrefix: values.prefix,
    security: security(values),
    random: seededRandom(positiveInteger(values.seed, 'seed', 1)),
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
  process.exitCode = report.sessionsFailed > 0 || report.chargersConnected < chargers ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
