/**
 * Authorize latency as a charger sees it, answered by the operator's registry alone, by the ledger on every
 * call (cache miss), and by a verdict the CSMS cached from the ledger (cache hit).
 *
 *   node --import tsx scripts/bench/authorize.ts --chargers 50 --rates 50,100,200,400 --seconds 10 --out docs/benchmarks
 *
 * NOT FABRIC. The ledger is the chaincode's in-memory channel (scripts/bench/support/in-memory-ledger.ts):
 * the real contracts run in this process, with no peer, gRPC or gateway in between. What is measured is the
 * CSMS (its own OS process, 127.0.0.1, random port and queue prefix), the stack's Redis, the question/reply
 * transport (ledger-queue/src/queries.ts) and a real LedgerQueryServer evaluating
 * Session:authorizeIdToken here. Each charger is a station on the ledger with its own driver's funded card;
 * it has one call in flight at most, so a charger whose previous Authorize is unanswered skips its turn
 * (counted). One CSMS process per mode, configured through the environment it inherits. The chaincode's
 * sources are compiled by TypeScript, not tsx (see compileChaincodeWithDecoratorMetadata). Writes JSON and
 * an SVG plot when --out is given; stops everything it started.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import type { Cast } from '@chargeledger/chaincode/testing';
import { loadConfig } from '@chargeledger/config';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import type { CallOptions, ChargingLedger } from '@chargeledger/ledger-client';
import { type RunningBridge, startBridge } from '@chargeledger/ledger-bridge';
import { loadTemplate } from '@chargeledger/simulators';
import { Redis } from 'ioredis';
import type { RPCClient } from 'ocpp-rpc';
import pino from 'pino';
import ts from 'typescript';
import { removeKeys } from '../../support/redis-keys';
import { type CsmsProcess, aCsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';
import { adminCall, pacedCalls, rssMb, summary } from './paced-calls';
import { lineChart } from './svg-chart';

const { values } = parseArgs({ options: { out: { type: 'string' }, chargers: { type: 'string', default: '50' }, rates: { type: 'string', default: '50,100,200,400' }, seconds: { type: 'string', default: '10' } } });
const CHARGERS = Number(values.chargers);
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const PASSWORD = 'benchmark-charger-password';
/** Every driver's wallet covers the station's minimum hold (500) and its session limit (2000): verdict `accepted`. */
const TOP_UP = 5000;
const SESSION_LIMIT = 2000;
const ROOT = path.resolve(__dirname, '..', '..');
const CHAINCODE_SOURCES = `${path.join(ROOT, 'chaincode', 'src')}${path.sep}`;

type Source = 'registry' | 'ledger' | 'fallback';

interface Mode {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  /** Whether a bridge (startBridge) answers the CSMS's questions. */
  readonly ledger: boolean;
  /** One Authorize per charger before the steps, so every verdict is in the CSMS's cache. */
  readonly warmUp: boolean;
  /** Who should decide every Authorize: any other source is counted. */
  readonly source: Source;
}

const MODES: readonly Mode[] = [
  { name: 'registry', env: { CSMS_LEDGER_AUTHORIZATION: 'off' }, ledger: false, warmUp: false, source: 'registry' },
  { name: 'ledger, cache miss', env: { CSMS_LEDGER_AUTHORIZATION: 'on', CSMS_LEDGER_AUTHORIZATION_CACHE_S: '0' }, ledger: true, warmUp: false, source: 'ledger' },
  { name: 'ledger, cache hit', env: { CSMS_LEDGER_AUTHORIZATION: 'on', CSMS_LEDGER_AUTHORIZATION_CACHE_S: '3600' }, ledger: true, warmUp: true, source: 'ledger' },
];

interface Charger {
  readonly identity: string;
  readonly idToken: string;
  readonly accountId: string;
}

interface Step {
  readonly targetPerS: number;
  readonly achievedPerS: number;
  readonly answered: number;
  /** Calls that failed, or were answered other than Accepted. */
  readonly errors: number;
  readonly skipped: number;
  /** Decisions the CSMS counted from another source than the mode's (e.g. `fallback`: no ledger answer in time). */
  readonly otherSource: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Session:authorizeIdToken evaluations on the in-memory channel during the step, and their mean duration. */
  readonly evaluations: number;
  readonly evaluateMeanMs: number | null;
  readonly csmsRssMb: number;
}

/** The bridge's ledger with a stopwatch on evaluate: how much of an Authorize the chaincode itself takes. */
class TimedLedger implements ChargingLedger {
  readonly #ledger: ChargingLedger;
  #evaluations = 0;
  #evaluateMs = 0;

  constructor(options: Readonly<{ ledger: ChargingLedger }>) {
    this.#ledger = options.ledger;
  }

  submit<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    return this.#ledger.submit(name, request, options);
  }

  async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    const startedAt = performance.now();
    try {
      return await this.#ledger.evaluate(name, request, options);
    } finally {
      this.#evaluateMs += performance.now() - startedAt;
      this.#evaluations++;
    }
  }

  /** The evaluations since the previous call, and their mean in ms (null if none). */
  takeStats(): { readonly evaluations: number; readonly meanMs: number | null } {
    const stats = { evaluations: this.#evaluations, meanMs: this.#evaluations === 0 ? null : Number((this.#evaluateMs / this.#evaluations).toFixed(3)) };
    this.#evaluations = 0;
    this.#evaluateMs = 0;
    return stats;
  }
}

interface CompilingModule {
  _compile(code: string, filename: string): void;
}

/**
 * fabric-contract-api learns each transaction's parameters from the compiler's decorator metadata
 * (emitDecoratorMetadata), which tsx (esbuild) does not emit: under tsx alone every contract call is refused
 * with "Expected 0 parameters". So the chaincode's sources are compiled by TypeScript itself with the
 * repository's compiler options, as ts-jest compiles them for the tests; everything else stays with
 * tsx. Must run before any contract class is loaded, hence the dynamic imports in `loadLedgerModules`.
 */
function compileChaincodeWithDecoratorMetadata(): void {
  const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.base.json'), (file) => ts.sys.readFile(file)) as { config?: { compilerOptions?: unknown } };
  const { options } = ts.convertCompilerOptionsFromJson(config?.compilerOptions, ROOT);
  const compilerOptions: ts.CompilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, inlineSources: true };
  const extensions = (Module as unknown as { _extensions: Record<string, ((module: CompilingModule, filename: string) => void) | undefined> })._extensions;
  const viaTsx = extensions['.ts'];
  if (viaTsx === undefined) throw new Error('run this script with node --import tsx');
  extensions['.ts'] = (module, filename) => {
    if (!filename.startsWith(CHAINCODE_SOURCES)) return viaTsx(module, filename);
    module._compile(ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
  };
}

async function loadLedgerModules(): Promise<{
  readonly fixtures: typeof import('@chargeledger/chaincode/testing');
  readonly meters: typeof import('@chargeledger/chaincode/testing');
  readonly deployment: typeof import('./support/in-memory-deployment');
  readonly inMemory: typeof import('./support/in-memory-ledger');
}> {
  compileChaincodeWithDecoratorMetadata();
  return {
    fixtures: await import('@chargeledger/chaincode/testing'),
    meters: await import('@chargeledger/chaincode/testing'),
    deployment: await import('./support/in-memory-deployment'),
    inMemory: await import('./support/in-memory-ledger'),
  };
}

type LedgerModules = Awaited<ReturnType<typeof loadLedgerModules>>;

/**
 * Each charger is a station of operator op-1 with its own tariff (a tariff id is published once per version)
 * and a registered meter, and has a driver whose card Wallets linked and whose wallet covers the hold.
 * Every setup transaction moves the channel's clock on by 1 s, so it starts far enough back that all of them
 * are in the past when the bridge asks at the wall clock's time.
 */
async function aLedgerWithChargers({ fixtures, meters, deployment }: LedgerModules): Promise<{ readonly cast: Cast; readonly chargers: readonly Charger[] }> {
  const cast = fixtures.aNetwork(Date.now() - 3_600_000 - CHARGERS * 20_000);
  const template = loadTemplate('voltbridge-ac22-duo');
  const chargers: Charger[] = [];
  for (let i = 0; i < CHARGERS; i++) {
    const identity = `AUTH-${String(i).padStart(4, '0')}`;
    const meter = { serial: `${identity}-M1`, publicKey: new meters.TestMeter(`${identity}-M1`).publicKey };
    await deployment.aDeployedStation(cast, { stationId: identity, template, meter }, { tariff: deployment.anAcTariff({ id: `AC-${identity}` }) });
    const driver = await deployment.aDriverWithCard(cast, { accountId: `drv-${identity}`, idToken: `04AE${i.toString(16).toUpperCase().padStart(6, '0')}`, topUp: TOP_UP, sessionLimit: SESSION_LIMIT });
    chargers.push({ identity, idToken: driver.idToken, accountId: driver.accountId });
  }
  if (cast.network.nowMs >= Date.now()) throw new Error('the ledger setup ran past the wall clock: the bridge would ask before the tariffs were published');
  return { cast, chargers };
}

/** The CSMS's Authorize decisions so far, by source (csms_authorizations_total). */
async function decisionsBySource(csms: CsmsProcess): Promise<Record<Source, number>> {
  const text = await (await fetch(`${csms.url}/metrics`, { headers: { authorization: `Bearer ${csms.options.adminKey}` } })).text();
  const counts: Record<Source, number> = { registry: 0, ledger: 0, fallback: 0 };
  for (const match of text.matchAll(/^csms_authorizations_total\{source="(registry|ledger|fallback)",status="[A-Za-z]+"\} (\d+)$/gm)) {
    counts[match[1] as Source] += Number(match[2]);
  }
  return counts;
}

async function authorize(client: RPCClient, idTag: string): Promise<string> {
  const answer = (await client.call('Authorize', { idTag })) as { idTagInfo: { status: string } };
  return answer.idTagInfo.status;
}

async function runMode(mode: Mode, chargers: readonly Charger[], ledger: TimedLedger, redis: Redis): Promise<Step[]> {
  const config = loadConfig();
  // The CSMS process reads its configuration from the environment it inherits from this one.
  Object.assign(process.env, mode.env);
  const csms = aCsmsProcess(await freePort());
  const clients: { readonly client: RPCClient; readonly idToken: string }[] = [];
  let bridge: RunningBridge | undefined;
  try {
    await csms.start();
    if (mode.ledger) {
      // The bridge's own wiring, held (no events to apply here): its question server and the heartbeat the
      // CSMS looks for before it asks a ledger. Same Redis and queue prefix as the CSMS process.
      bridge = startBridge({
        connection: redis,
        prefix: csms.options.prefix,
        names: ledgerQueueNames(config.queue),
        ledger,
        log: pino({ level: 'warn' }, pino.destination(2)),
        concurrency: 1,
        queryConcurrency: config.bridge.queryConcurrency,
        orderingDelayMs: 250,
        settlementBatch: config.bridge.settlementBatch,
        progressAuditMs: config.bridge.progressAuditMs,
        retention: config.queue.retention,
        held: true,
      });
    }
    const api = (method: string, route: string, body: object): Promise<void> => adminCall(csms, method, route, body);
    for (const charger of chargers) {
      await api('POST', '/api/chargers', { identity: charger.identity, password: PASSWORD });
      await api('PUT', `/api/id-tokens/${charger.idToken}`, { accountId: charger.accountId });
      const client = ocppClient({ endpoint: csms.ocppEndpoint, identity: charger.identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 10_000 });
      await client.connect();
      clients.push({ client, idToken: charger.idToken });
    }
    if (mode.warmUp) {
      const statuses = await Promise.all(clients.map(({ client, idToken }) => authorize(client, idToken)));
      const refused = statuses.filter((status) => status !== 'Accepted').length;
      const { ledger: fromLedger } = await decisionsBySource(csms);
      if (refused > 0 || fromLedger !== chargers.length) throw new Error(`warm-up: ${refused} refused, ${fromLedger} of ${chargers.length} decided by the ledger`);
    }
    ledger.takeStats();
    process.stderr.write(`${mode.name}: ${chargers.length} chargers connected${mode.warmUp ? ', every verdict cached' : ''}\n`);

    const steps: Step[] = [];
    for (const rate of RATES) {
      const before = await decisionsBySource(csms);
      const paced = await pacedCalls({ chargers: clients.length, ratePerS: rate, seconds: SECONDS }, async (i) => {
        const charger = clients[i];
        return charger !== undefined && (await authorize(charger.client, charger.idToken)) === 'Accepted';
      });
      const after = await decisionsBySource(csms);
      const evaluated = ledger.takeStats();
      const decided = (source: Source): number => after[source] - before[source];
      const step: Step = {
        targetPerS: rate,
        ...summary(paced),
        answered: paced.latencies.length,
        errors: paced.errors,
        skipped: paced.skipped,
        otherSource: decided('registry') + decided('ledger') + decided('fallback') - decided(mode.source),
        evaluations: evaluated.evaluations,
        evaluateMeanMs: evaluated.meanMs,
        csmsRssMb: rssMb(csms.pid),
      };
      steps.push(step);
      process.stderr.write(`${mode.name}: ${JSON.stringify(step)}\n`);
    }
    return steps;
  } finally {
    await Promise.all(clients.map(({ client }) => client.close({ force: true })));
    await bridge?.close();
    await csms.stop();
    await removeKeys(redis, csms.options.prefix);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = new Redis({ host: config.redis.host, port: config.redis.port });
  try {
    const setupStarted = Date.now();
    const modules = await loadLedgerModules();
    const { cast, chargers } = await aLedgerWithChargers(modules);
    process.stderr.write(`ledger: ${chargers.length} stations and funded drivers on the in-memory channel in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s\n`);
    const ledger = new TimedLedger({ ledger: new modules.inMemory.InMemoryLedger({ network: cast.network, identity: cast.operator, clock: { now: () => Date.now() } }) });
    const modes: { readonly mode: string; readonly steps: readonly Step[] }[] = [];
    for (const mode of MODES) modes.push({ mode: mode.name, steps: await runMode(mode, chargers, ledger, redis) });

    const result = {
      protocol: 'ocpp1.6',
      chargers: CHARGERS,
      secondsPerStep: SECONDS,
      ledger: 'chaincode in-memory channel, in the benchmark process (not Fabric)',
      ledgerAuthorizationTimeoutMs: config.csms.ledgerAuthorization?.timeoutMs ?? null,
      queryConcurrency: config.bridge.queryConcurrency,
      modes,
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(path.join(values.out, 'authorize.json'), `${JSON.stringify(result, null, 2)}\n`);
      const colors: Readonly<Record<string, readonly [string, string]>> = { registry: ['#1f77b4', '#9ecae1'], 'ledger, cache miss': ['#d62728', '#f4a582'], 'ledger, cache hit': ['#2ca02c', '#a1d99b'] };
      writeFileSync(
        path.join(values.out, 'authorize.svg'),
        lineChart({
          title: `Authorize through the CSMS, OCPP 1.6 (${CHARGERS} chargers; ledger in process, not Fabric)`,
          xLabel: 'Authorize answered per second',
          yLabel: 'latency (ms)',
          series: modes.flatMap(({ mode, steps }) => [
            { name: `${mode}: p50`, color: colors[mode]?.[0] ?? 'black', points: steps.map((s) => ({ x: s.achievedPerS, y: s.p50Ms })) },
            { name: `${mode}: p99`, color: colors[mode]?.[1] ?? 'gray', points: steps.map((s) => ({ x: s.achievedPerS, y: s.p99Ms })) },
          ]),
        }),
      );
    }
    // The numbers stand only if every Authorize was accepted by the mode's own source (never the fallback).
    const invalid = modes.flatMap(({ mode, steps }) => steps.filter((s) => s.errors > 0 || s.otherSource > 0).map((s) => `${mode} at ${s.targetPerS}/s`));
    if (invalid.length > 0) {
      process.stderr.write(`not a clean measurement: refused, failed or decided by another source in ${invalid.join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
