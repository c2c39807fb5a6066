/**
 * The peer comparison: the same generator against ChargeLedger's CSMS with its ledger bridge draining on the
 * embedded ledger, or against another CSMS at a WebSocket URL (CitrineOS), OCPP 2.0.1 both ways.
 *
 *   nice node --import tsx scripts/bench/peer.ts --target chargeledger --chargers 50 --rates 100,250,500,1000 \
 *     --seconds 20 --out docs/benchmarks
 *   nice node --import tsx scripts/bench/peer.ts --target external --name citrineos --version 1.8.3 \
 *     --url ws://127.0.0.1:8081 --chargers 50 --rates 25,50,100 --seconds 20 --out docs/benchmarks
 *
 * Each charger connects (ChargeLedger: a station deployed on the ledger with a funded driver, provisioned at
 * the CSMS with a password; the other CSMS: unknown stations accepted, as its local configuration does), boots,
 * starts one transaction with TransactionEvent Started and then sends TransactionEvent Updated with a meter
 * reading at its share of each step's rate (an OCPP-J charger has one call in flight: a charger whose previous
 * call is unanswered skips its turn). Per step: the rate answered, p50/p99 seen by the chargers, the load
 * average, and for ChargeLedger the bridge's lag (the oldest event waiting, sampled every 500 ms) and the time
 * the bridge needs to drain after the step. The sustained rate is the highest step answered at 95 % of its
 * target with p99 under 100 ms.
 *
 * Writes peer-<name>.json under --out, and peer.svg from every peer-*.json there; stops what it started.
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RPCClient } from 'ocpp-rpc';
import { ocppClient } from '../../support/ocpp-client';
import { pacedCalls, summary } from './paced-calls';
import { BenchStack, deployChargers } from './support/stack';
import { lineChart } from './svg-chart';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'chargeledger' },
    name: { type: 'string' },
    version: { type: 'string', default: '' },
    url: { type: 'string' },
    chargers: { type: 'string', default: '50' },
    rates: { type: 'string', default: '100,250,500,1000' },
    seconds: { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const TARGET = values.target === 'external' ? 'external' : 'chargeledger';
const NAME = values.name ?? TARGET;
const CHARGERS = Number(values.chargers);
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const PASSWORD = 'a-peer-charger-password';
const root = path.resolve(__dirname, '..', '..');
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Step {
  readonly targetPerS: number;
  readonly achievedPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly skipped: number;
  /** The machine's 1-minute load average at the end of the step. */
  readonly loadAverage: number;
  /** ChargeLedger only: the oldest event waiting for the bridge during the step, mean and max, in ms. */
  readonly bridgeLagMs?: { readonly mean: number; readonly max: number };
  readonly bridgeDepthMax?: number;
  /** ChargeLedger only: from the step's end until the bridge had nothing waiting. */
  readonly drainS?: number;
}

interface Charger {
  readonly client: RPCClient;
  readonly transactionId: string;
  seqNo: number;
  registerWh: number;
}

const reading = (registerWh: number, context: string): object => ({ timestamp: new Date().toISOString(), sampledValue: [{ value: registerWh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' }, context }] });

async function connect(endpoint: string, identity: string, idToken: string, password: string | undefined): Promise<Charger> {
  const client = ocppClient({ endpoint, identity, ...(password === undefined ? {} : { password }), protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false, callTimeoutMs: 30_000 });
  await client.connect();
  await client.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'PeerBench', vendorName: 'ChargeLedger' } });
  const transactionId = `${identity}-${Date.now()}`;
  await client.call('TransactionEvent', { eventType: 'Started', timestamp: new Date().toISOString(), triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId, chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken, type: 'ISO14443' }, meterValue: [reading(0, 'Transaction.Begin')] });
  return { client, transactionId, seqNo: 1, registerWh: 0 };
}

async function main(): Promise<void> {
  const stack =
    TARGET === 'chargeledger' ? new BenchStack({ dataDir: path.join(root, '.data-peer'), prefix: 'peer', settings: {} }) : undefined;
  const chargers: Charger[] = [];
  try {
    let endpoint: string;
    let cards: string[];
    let password: string | undefined;
    if (stack !== undefined) {
      log(`starting Redis, the bridge on the embedded ledger and the CSMS in ${stack.dataDir}`);
      await stack.start();
      log(`deploying ${CHARGERS} stations and drivers on the ledger`);
      const { identities, drivers } = await deployChargers(stack, CHARGERS, 'PEER', PASSWORD);
      endpoint = `ws://127.0.0.1:${stack.csmsPort}/ocpp`;
      cards = drivers.map((driver) => driver.idToken);
      password = PASSWORD;
      for (let i = 0; i < CHARGERS; i++) chargers.push(await connect(endpoint, identities[i] ?? '', cards[i] ?? '', password));
    } else {
      if (values.url === undefined) throw new Error('--target external needs --url');
      endpoint = values.url;
      cards = Array.from({ length: CHARGERS }, (_, i) => `PEER${String(i).padStart(6, '0')}`);
      for (let i = 0; i < CHARGERS; i++) chargers.push(await connect(endpoint, `PEER-${String(i + 1).padStart(4, '0')}-${Date.now() % 100_000}`, cards[i] ?? '', undefined));
    }
    log(`${CHARGERS} chargers connected at ${endpoint}, each in a transaction`);

    const queue = async (): Promise<{ depth: number; oldestWaitingMs: number }> => (stack === undefined ? { depth: 0, oldestWaitingMs: 0 } : ((await stack.admin('GET', '/api/queue')) as { depth: number; oldestWaitingMs: number }));
    const steps: Step[] = [];
    for (const rate of RATES) {
      const lags: number[] = [];
      let depthMax = 0;
      let sampling = stack !== undefined;
      const sampler = (async (): Promise<void> => {
        while (sampling) {
          const state = await queue().catch(() => undefined);
          if (state !== undefined) {
            lags.push(state.oldestWaitingMs);
            depthMax = Math.max(depthMax, state.depth);
          }
          await sleep(500);
        }
      })();
      const paced = await pacedCalls({ chargers: CHARGERS, ratePerS: rate, seconds: SECONDS }, async (i) => {
        const charger = chargers[i];
        if (charger === undefined) return false;
        charger.registerWh += 10;
        await charger.client.call('TransactionEvent', { eventType: 'Updated', timestamp: new Date().toISOString(), triggerReason: 'MeterValuePeriodic', seqNo: charger.seqNo++, transactionInfo: { transactionId: charger.transactionId, chargingState: 'Charging' }, meterValue: [reading(charger.registerWh, 'Sample.Periodic')] });
        return true;
      });
      sampling = false;
      await sampler;
      const loadAverage = loadavg()[0] ?? 0;
      let drainS: number | undefined;
      if (stack !== undefined) {
        const drainStarted = Date.now();
        while ((await queue()).depth > 0 && Date.now() - drainStarted < 120_000) await sleep(250);
        drainS = (Date.now() - drainStarted) / 1000;
      }
      const step: Step = {
        targetPerS: rate,
        ...summary(paced),
        errors: paced.errors,
        skipped: paced.skipped,
        loadAverage: Math.round(loadAverage * 100) / 100,
        ...(stack === undefined ? {} : { bridgeLagMs: { mean: Math.round(lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length)), max: Math.max(0, ...lags) }, bridgeDepthMax: depthMax, drainS }),
      };
      steps.push(step);
      log(JSON.stringify(step));
    }
    const sustained = steps.filter((s) => s.p99Ms < 100 && s.achievedPerS >= 0.95 * s.targetPerS && s.errors === 0).reduce((best, s) => Math.max(best, s.achievedPerS), 0);
    const result = { name: NAME, version: values.version, target: TARGET, node: process.version, chargers: CHARGERS, protocol: 'ocpp2.0.1', secondsPerStep: SECONDS, sustainedPerSAtP99Under100Ms: sustained, steps };
    console.log(JSON.stringify(result, null, 2));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(path.join(values.out, `peer-${NAME}.json`), `${JSON.stringify(result, null, 2)}\n`);
      writeChart(values.out);
    }
  } finally {
    await Promise.all(chargers.map((charger) => charger.client.close({ force: true }).catch(() => undefined)));
    await stack?.stop();
  }
}

/** p99 against the rate answered for every peer-*.json in the folder, and the bridge's lag where there is one. */
function writeChart(out: string): void {
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const results = readdirSync(out)
    .filter((file) => /^peer-.+\.json$/.test(file))
    .map((file) => JSON.parse(readFileSync(path.join(out, file), 'utf8')) as { name: string; version: string; steps: Step[] });
  const series = results.flatMap((result, i) => [
    { name: `${result.name} ${result.version} p99 (ms)`, color: colors[i % colors.length] ?? '#000', points: result.steps.map((s) => ({ x: s.achievedPerS, y: s.p99Ms })) },
    ...(result.steps.some((s) => s.bridgeLagMs !== undefined) ? [{ name: `${result.name}: bridge lag, max (ms)`, color: '#ff7f0e', points: result.steps.map((s) => ({ x: s.achievedPerS, y: s.bridgeLagMs?.max ?? 0 })) }] : []),
  ]);
  writeFileSync(
    path.join(out, 'peer.svg'),
    lineChart({ title: `TransactionEvent Updated, ${results.map((r) => r.name).join(' against ')}: 50 chargers, OCPP 2.0.1, same machine`, xLabel: 'messages answered per second', yLabel: 'ms (p99 latency; bridge lag)', series }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
