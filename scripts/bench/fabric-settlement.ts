import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connectAs, LedgerUnavailable, readNetworkDescription } from '@chargeledger/ledger-client';
import { applyEvent, SessionBatcher } from '@chargeledger/ledger-bridge';
import { type LedgerEvent, ledgerQueueNames, type SessionEnded, type SessionStarted } from '@chargeledger/ledger-queue';
import { loadTemplate } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { aChargePoint, aSession, type Driver, type SimulatedCharger, TEMPLATE } from '../../support/faults/charging';
import { IsolatedStack } from '../../support/isolated-stack';
import { watchSettlements } from '../../support/settlement-watch';
import { aDeployedStation, aDriverWithCard, anAcTariff, eventId } from '../../support/ledger/deployment';
import { openFabric } from '../../support/ledger/ledgers';
import { endorsersOf } from './support/endorsements';
import { type RateStep, sendAtRate } from './support/open-loop';
import { ProcSampler, type ProcessUsage } from './support/proc-sampler';
import { lineChart } from './svg-chart';

/**
 * Settlement on a Fabric network of the benchmark's own (.data-bench-<timeout>-<max>, ports of config/defaults.env
 * + 2450), created with the block settings given, in one run:
 *   1. sessions from simulated chargers (OCPP 1.6 and 2.0.1, signed meter data) through the CSMS into Redis,
 *      the bridge not yet running; their opens applied to the ledger;
 *   2. settlement sent open-loop at each send rate, the paper's Fig. 8 (latency) and Fig. 9 (throughput): one
 *      session a transaction (Session:closeSession with the session's OCMF evidence) at --single-rates;
 *   3. at each of --rates in turn, settlement through the bridge's SessionBatcher (Session:closeSessions,
 *      ADR 0022) and the raw capacity of the same channel: Tariff:publishTariff of a new tariff id, the
 *      simplest write the chaincode offers (one new key besides its event-id record);
 *   4. the bridge started: chargers stop their open sessions at half the saturating settlement rate
 *      (StopTransaction sent → SessionSettled committed, p50 and p99), then the rest all at once (the rate
 *      at which the bridge settles a backlog);
 *   and the CPU and memory of every process from /proc throughout (Table 2).
 *
 * With --ordering bft the network orders with SmartBFT, one orderer per organization (.data-bench-bft-<timeout>-<max>).
 * With --operator-orgs 1, 2 or 4 the network has that many operator organizations (FABRIC_OPERATOR_ORGS of
 * network/scripts/env.sh; .data-bench-ops<n>-<timeout>-<max>), and the result records which organizations endorsed
 * a settlement and a raw write, read from their blocks. --port-offset moves the network's ports (default 2450);
 * --bridge-phase no leaves step 4 out.
 *
 *   node --import tsx scripts/bench/fabric-settlement.ts --label 200ms-100-batched --batch-timeout 200ms --batch-max 100 \
 *     --single-rates 10,20,40 --rates 20,40,80,120,160 --step-s 4 --chargers 200 --out docs/benchmarks
 */

interface Args {
  readonly label: string;
  readonly batchTimeout: string;
  readonly batchMax: number;
  /** Send rates of batched settlement and of raw writes. */
  readonly rates: readonly number[];
  /** Send rates of settlement one session a transaction. */
  readonly singleRates: readonly number[];
  readonly stepS: number;
  readonly chargers: number;
  /** BRIDGE_CONCURRENCY of the bridge process: events it applies at once. */
  readonly bridgeConcurrency: number;
  /** BRIDGE_SETTLEMENT_BATCH and BRIDGE_SETTLEMENT_TRANSACTIONS, for the bridge and the batched sweep alike. */
  readonly settlementBatch: number;
  readonly settlementTransactions: number;
  readonly out: string;
  /** FABRIC_ORDERING of the benchmark's network: Raft (the Authority's orderer) or BFT (one orderer per organization). */
  readonly ordering: 'raft' | 'bft';
  /** FABRIC_OPERATOR_ORGS of the benchmark's network; undefined: env.sh's default, in the data folder of earlier runs. */
  readonly operatorOrgs: 1 | 2 | 4 | undefined;
  readonly portOffset: number;
  /** Step 4, the bridge settling stops and a burst. */
  readonly bridgePhase: boolean;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      label: { type: 'string', default: 't200ms-m100' },
      'batch-timeout': { type: 'string', default: '200ms' },
      'batch-max': { type: 'string', default: '100' },
      rates: { type: 'string', default: '20,40,80,120,160' },
      'single-rates': { type: 'string', default: '10,20,40' },
      'step-s': { type: 'string', default: '6' },
      chargers: { type: 'string', default: '150' },
      'bridge-concurrency': { type: 'string', default: '256' },
      'settlement-batch': { type: 'string', default: '25' },
      'settlement-transactions': { type: 'string', default: '16' },
      out: { type: 'string', default: 'docs/benchmarks' },
      ordering: { type: 'string', default: 'raft' },
      'operator-orgs': { type: 'string', default: '' },
      'port-offset': { type: 'string', default: '2450' },
      'bridge-phase': { type: 'string', default: 'yes' },
    },
  });
  const operatorOrgs = values['operator-orgs'];
  if (operatorOrgs !== '' && operatorOrgs !== '1' && operatorOrgs !== '2' && operatorOrgs !== '4') throw new Error('--operator-orgs is 1, 2 or 4');
  if (values['bridge-phase'] !== 'yes' && values['bridge-phase'] !== 'no') throw new Error('--bridge-phase is yes or no');
  if (values.ordering !== 'raft' && values.ordering !== 'bft') throw new Error('--ordering is raft or bft');
  return {
    label: values.label,
    batchTimeout: values['batch-timeout'],
    batchMax: Number(values['batch-max']),
    rates: values.rates.split(',').map(Number),
    singleRates: values['single-rates'] === '' ? [] : values['single-rates'].split(',').map(Number),
    stepS: Number(values['step-s']),
    chargers: Number(values.chargers),
    bridgeConcurrency: Number(values['bridge-concurrency']),
    settlementBatch: Number(values['settlement-batch']),
    settlementTransactions: Number(values['settlement-transactions']),
    out: values.out,
    ordering: values.ordering,
    operatorOrgs: operatorOrgs === '' ? undefined : (Number(operatorOrgs) as 1 | 2 | 4),
    portOffset: Number(values['port-offset']),
    bridgePhase: values['bridge-phase'] === 'yes',
  };
}

const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const PASSWORD = 'a-benchmark-charger-password';

async function main(): Promise<void> {
  const args = parse();
  const needed = [...args.rates, ...args.singleRates].reduce((sum, rate) => sum + Math.round(rate * args.stepS), 0);
  const perCharger = Math.ceil(needed / args.chargers);
  // Each charger's simulated clock may run at most 15 minutes ahead of the ledger's: one-minute sessions.
  if (perCharger > 12) throw new Error(`${needed} settlements need ${perCharger} sessions per charger; at most 12 fit: give more --chargers`);
  // One network per block setting: the channel keeps the settings it was created with.
  const dataDir = `.data-bench-${args.ordering === 'bft' ? 'bft-' : ''}${args.operatorOrgs === undefined ? '' : `ops${args.operatorOrgs}-`}${args.batchTimeout}-${args.batchMax}`;
  const loadBefore = loadavg();
  const stack = await IsolatedStack.start({
    dataDir,
    portOffset: args.portOffset,
    bridge: 'later',
    settings: { ...(args.operatorOrgs === undefined ? {} : { FABRIC_OPERATOR_ORGS: String(args.operatorOrgs) }), FABRIC_ORDERING: args.ordering, FABRIC_BATCH_TIMEOUT: args.batchTimeout, FABRIC_BATCH_MAX_MESSAGES: String(args.batchMax), BRIDGE_CONCURRENCY: String(args.bridgeConcurrency), BRIDGE_SETTLEMENT_BATCH: String(args.settlementBatch), BRIDGE_SETTLEMENT_TRANSACTIONS: String(args.settlementTransactions), CSMS_LEDGER_AUTHORIZATION: 'off', LOG_LEVEL: 'warn' },
    log,
  });
  // The channel keeps the block settings it was created with: read them back rather than trust the arguments.
  const configtx = readFileSync(path.join(stack.dataDir, 'fabric', 'channel', 'configtx.yaml'), 'utf8');
  const blockSettings = { batchTimeout: /BatchTimeout: (\S+)/.exec(configtx)?.[1], maxMessageCount: Number(/MaxMessageCount: (\d+)/.exec(configtx)?.[1]) };
  log(`channel block settings: BatchTimeout ${blockSettings.batchTimeout}, MaxMessageCount ${blockSettings.maxMessageCount}`);
  const sampler = new ProcSampler(() => new Map([...stack.processes(), ['benchmark (chargers, client)', process.pid]]));
  sampler.start();
  const ledger = await openFabric();
  const description = await readNetworkDescription(stack.config.fabric.networkFile);
  const watcher = await connectAs(description, 'operators', 'bridge');
  const settledAt = new Map<string, number>();
  const watching = watchSettlements(watcher.network, description.chaincode, (sessionId) => settledAt.set(sessionId, Date.now()));
  const chargers: SimulatedCharger[] = [];
  try {
    sampler.phase('setup');
    const run = randomBytes(3).toString('hex');
    const csmsUrl = `http://${stack.config.csms.host}:${stack.config.csms.port}`;
    // A driver per charger: opening and settling a session rewrite the driver's account, so one driver's
    // sessions committing in the same block conflict (MVCC); drivers do not charge at 150 stations at once.
    const aDriver = async (): Promise<Driver> => ({ ...(await aDriverWithCard(ledger, { topUp: 1_000_000_000, sessionLimit: 2000 })), kind: 'rich' });
    const drivers: Driver[] = [await aDriver()];
    const chargerIndex = new Map<string, number>();
    while (drivers.length < args.chargers) drivers.push(...(await Promise.all(Array.from({ length: Math.min(25, args.chargers - drivers.length) }, aDriver))));
    for (const driver of drivers) await admin(csmsUrl, stack.adminKey, 'PUT', `/api/id-tokens/${driver.idToken}`, { accountId: driver.accountId }, 204);
    for (let i = 0; i < args.chargers; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, args.chargers - i) }, async (_, j) => {
          const protocol = (i + j) % 2 === 0 ? '1.6' : '2.0.1';
          const identity = `BEN-${run}-${String(i + j + 1).padStart(4, '0')}`;
          await admin(csmsUrl, stack.adminKey, 'POST', '/api/chargers', { identity, password: PASSWORD }, 201);
          const { chargePoint, clock } = aChargePoint(protocol, identity, `ws://${stack.config.csms.host}:${stack.config.csms.port}/ocpp`, PASSWORD);
          const tariff = anAcTariff();
          const station = await aDeployedStation(ledger, { stationId: identity, template: loadTemplate(TEMPLATE), meter: { serial: `${identity}-M1`, publicKey: chargePoint.meterPublicKey(1) } }, { tariff });
          chargers.push({ identity, protocol, chargePoint, clock, tariff, payeeAccountId: station.payeeAccountId });
          chargerIndex.set(identity, i + j);
          if ((await chargePoint.connect()) !== 'Accepted') throw new Error(`${identity} was not accepted`);
        }),
      );
    }
    log(`${drivers.length} drivers and ${chargers.length} chargers on the ledger`);

    // 1. Sessions into Redis (no bridge yet): `perCharger` ended ones each, then one left charging.
    sampler.phase('sessions through the CSMS');
    const charging = new Map<string, string>();
    await Promise.all(
      chargers.map(async (charger, c) => {
        const driver = drivers[c] as Driver;
        for (let s = 0; s < perCharger; s++) await aSession(charger, { driver, minutes: 1, stepPaceMs: 0 });
        await charger.clock.advance(Math.max(0, Date.now() - charger.clock.now()));
        await charger.chargePoint.plugIn(1, { batteryCapacityWh: 80_000, initialSocPercent: 20, maxPowerW: 22_000 });
        const started = await charger.chargePoint.authorizeAndStart(driver.idToken, 1);
        if (!started.accepted || started.transactionId === undefined) throw new Error(`${charger.identity}: the last session did not start`);
        charging.set(charger.identity, `${charger.identity}-${started.transactionId}`);
        await charger.chargePoint.advance(60_000);
      }),
    );
    const { ended, opensOfEnded } = await takeEndedSessions(stack);
    log(`${ended.length} ended sessions queued; opening them on the ledger`);
    sampler.phase('opening sessions');
    await pool(opensOfEnded, 32, async (event) => {
      // A conflict (two opens of one driver in a block) is endorsed again, as the bridge's backoff would.
      for (let attempt = 1; ; attempt++) {
        try {
          return await applyEvent(ledger.bridge, event);
        } catch (error) {
          if (!(error instanceof LedgerUnavailable) || attempt >= 10) throw error;
          await sleep(200 * attempt);
        }
      }
    });

    // 2. Settlement, open-loop at each send rate: one session a transaction, then shared transactions.
    sampler.phase('settlement sweep');
    const single: RateStep[] = [];
    let next = 0;
    const take = (rate: number): SessionEnded[] => {
      const taken = ended.slice(next, next + Math.round(rate * args.stepS));
      next += taken.length;
      return taken;
    };
    for (const rate of args.singleRates) {
      const batch = take(rate);
      const step = await sendAtRate(rate, args.stepS, (i) => applyEvent(ledger.bridge, batch[i] as SessionEnded));
      single.push(step);
      log(`settlement, one a transaction, at ${rate}/s: ${step.throughput}/s committed, mean ${step.latencyMsMean} ms, p99 ${step.latencyMsP99} ms, ${step.failed} failed ${step.failures.join(' | ')}`);
    }
    // 3. Shared transactions and the raw capacity of the same channel (a new tariff id each, by the same
    // Operators identity through the same gateway), in turns at each rate: the machine is shared, and
    // whatever else runs on it weighs on both alike.
    const batcher = new SessionBatcher({ ledger: ledger.bridge, maxPerTransaction: args.settlementBatch, transactionsInFlight: args.settlementTransactions, confirmRefusalMs: 2_000, log: pino({ level: 'warn' }) });
    const driverOf = (event: SessionEnded): string | undefined => drivers[chargerIndex.get(event.chargerId) ?? -1]?.accountId;
    const settlement: RateStep[] = [];
    const raw: RateStep[] = [];
    let sampled: { settlement: string; raw: string } | undefined;
    for (const rate of args.rates) {
      sampler.phase('batched settlement sweep');
      const batch = take(rate);
      sampled ??= { settlement: (batch[0] as SessionEnded).sessionId, raw: '' };
      const blocksBefore = await ledger.height();
      const step = await sendAtRate(rate, args.stepS, (i) => batcher.settle(batch[i] as SessionEnded, driverOf(batch[i] as SessionEnded)));
      settlement.push(step);
      log(`settlement, shared transactions, at ${rate}/s: ${step.throughput}/s committed, mean ${step.latencyMsMean} ms, p50 ${step.latencyMsP50} ms, p99 ${step.latencyMsP99} ms, ${step.failed} failed, ${(await ledger.height()) - blocksBefore} blocks ${step.failures.join(' | ')}`);
      sampler.phase('raw sweep');
      const rawStep = await sendAtRate(rate, args.stepS, async () => {
        const tariff = anAcTariff();
        await ledger.bridge.submit('Tariff:publishTariff', { eventId: eventId(), tariff });
        if (sampled !== undefined && sampled.raw === '') sampled.raw = tariff.id;
      });
      raw.push(rawStep);
      log(`raw at ${rate}/s: ${rawStep.throughput}/s committed, mean ${rawStep.latencyMsMean} ms, p99 ${rawStep.latencyMsP99} ms, ${rawStep.failed} failed ${rawStep.failures.join(' | ')}`);
    }

    // Which organizations endorsed a settlement and a raw write, read from the blocks that hold them.
    const endorsements =
      sampled === undefined
        ? undefined
        : {
            settlement: await endorsersOf(watcher.network, description.channel, (await ledger.bridge.evaluate('Session:getReceipt', { sessionId: sampled.settlement })).txId),
            raw: sampled.raw === '' ? [] : await endorsersOf(watcher.network, description.channel, (await ledger.bridge.evaluate('Tariff:getTariff', { tariffId: sampled.raw })).txId),
          };
    log(`endorsed by: settlement ${endorsements?.settlement.join(', ')}; raw write ${endorsements?.raw.join(', ')}`);

    // 4. The bridge: the opens of the sessions left charging, then stops at half the saturating rate, then a burst.
    const saturating = Math.max(...settlement.map((s) => s.throughput));
    const halfRate = Math.max(1, Math.round(saturating / 2));
    let pacedLatency: Awaited<ReturnType<typeof stopAndWait>> | undefined;
    let burstLatency: Awaited<ReturnType<typeof stopAndWait>> | undefined;
    if (args.bridgePhase) {
      sampler.phase('bridge: opens');
      await stack.startBridge();
      await drained(stack, 180_000);
      const paced = chargers.slice(0, Math.ceil(chargers.length / 2));
      const burst = chargers.slice(paced.length);
      sampler.phase('bridge: stops at half the saturating rate');
      pacedLatency = await stopAndWait(paced, charging, halfRate, settledAt);
      log(`StopTransaction → settled at ${halfRate}/s: p50 ${pacedLatency.p50Ms} ms, p99 ${pacedLatency.p99Ms} ms (${pacedLatency.settled}/${paced.length})`);
      sampler.phase('bridge: burst of stops');
      burstLatency = await stopAndWait(burst, charging, 10_000, settledAt);
      log(`a burst of ${burst.length} stops: settled ${burstLatency.settled} at ${burstLatency.settledPerS}/s; p50 ${burstLatency.p50Ms} ms, p99 ${burstLatency.p99Ms} ms`);
    }
    sampler.stop();

    const result = {
      label: args.label,
      date: new Date().toISOString(),
      command: `node --import tsx scripts/bench/fabric-settlement.ts ${process.argv.slice(2).join(' ')}`,
      blockSettings,
      bridgeConcurrency: args.bridgeConcurrency,
      settlementBatch: { maxPerTransaction: args.settlementBatch, transactionsInFlight: args.settlementTransactions },
      network: `native Fabric 3.1 binaries: ${Object.keys(description.organizations).length} organizations (${Object.values(description.organizations).map((org) => org.mspId).join(', ')}; CA, peer, chaincode service each), ${args.ordering === 'bft' ? 'SmartBFT' : 'etcdraft'} ordering`,
      operatorOrganizations: Object.values(description.organizations).filter((org) => /^Operators\d*MSP$/.test(org.mspId)).length,
      endorsements,
      loadAverage: { before: loadBefore.map((value) => Math.round(value * 100) / 100), after: loadavg().map((value) => Math.round(value * 100) / 100) },
      rawTransaction: 'Tariff:publishTariff with a new tariff id (Operators identity, Operators gateway)',
      singleSettlementTransaction: 'Session:closeSession with the OCMF evidence in the transient map (applyEvent), one session a transaction',
      settlementTransaction: "Session:closeSessions through the bridge's SessionBatcher, the OCMF evidence of each session in the transient map",
      single,
      settlement,
      raw,
      saturatingSinglePerS: single.length === 0 ? undefined : Math.max(...single.map((s) => s.throughput)),
      saturatingSettlementPerS: saturating,
      saturatingRawPerS: Math.max(...raw.map((s) => s.throughput)),
      settlementOverRaw: Math.round((saturating / Math.max(...raw.map((s) => s.throughput))) * 100) / 100,
      endToEnd: pacedLatency === undefined ? undefined : { sendRate: halfRate, ...pacedLatency },
      bridgeBurst: burstLatency,
      processes: Object.fromEntries(['setup', 'sessions through the CSMS', 'opening sessions', 'settlement sweep', 'batched settlement sweep', 'raw sweep', 'bridge: stops at half the saturating rate', 'bridge: burst of stops'].map((phase) => [phase, sampler.usage(phase)])) as Record<string, ProcessUsage[]>,
    };
    const base = path.join(args.out, `fabric-settlement-${args.label}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${base}-latency.svg`, lineChart({ title: `Average latency against send rate (${blockSettings.batchTimeout}, ${blockSettings.maxMessageCount} tx/block)`, xLabel: 'send rate (tx/s)', yLabel: 'average latency (ms)', series: [{ name: 'settlement, shared transactions (closeSessions)', color: '#c0392b', points: settlement.map((s) => ({ x: s.sendRate, y: s.latencyMsMean })) }, { name: 'settlement, one a transaction (closeSession)', color: '#e67e22', points: single.map((s) => ({ x: s.sendRate, y: s.latencyMsMean })) }, { name: 'raw (publishTariff)', color: '#2c7fb8', points: raw.map((s) => ({ x: s.sendRate, y: s.latencyMsMean })) }] }));
    writeFileSync(`${base}-throughput.svg`, lineChart({ title: `Throughput against send rate (${blockSettings.batchTimeout}, ${blockSettings.maxMessageCount} tx/block)`, xLabel: 'send rate (tx/s)', yLabel: 'committed (tx/s)', series: [{ name: 'settlement, shared transactions (closeSessions)', color: '#c0392b', points: settlement.map((s) => ({ x: s.sendRate, y: s.throughput })) }, { name: 'settlement, one a transaction (closeSession)', color: '#e67e22', points: single.map((s) => ({ x: s.sendRate, y: s.throughput })) }, { name: 'raw (publishTariff)', color: '#2c7fb8', points: raw.map((s) => ({ x: s.sendRate, y: s.throughput })) }, { name: 'sent', color: '#999', points: args.rates.map((r) => ({ x: r, y: r })) }] }));
    log(`written ${base}.json, -latency.svg, -throughput.svg; settlement saturates at ${saturating}/s, raw at ${result.saturatingRawPerS}/s (ratio ${result.settlementOverRaw})`);
  } finally {
    sampler.stop();
    await Promise.all(chargers.map((c) => c.chargePoint.close().catch(() => undefined)));
    watching.stop();
    watcher.close();
    await ledger.close();
    await stack.stop();
  }
}

async function admin(url: string, key: string, method: 'POST' | 'PUT', route: string, body: object, expected: number): Promise<void> {
  const response = await fetch(new URL(route, url), { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== expected) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
}

/** Takes the ended sessions' events out of the queue (the benchmark applies them itself); the open of each session still charging stays for the bridge. */
async function takeEndedSessions(stack: IsolatedStack): Promise<{ ended: SessionEnded[]; opensOfEnded: SessionStarted[] }> {
  const { redis, queue } = stack.config;
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const events = new Queue<LedgerEvent>(ledgerQueueNames(queue).events, { connection, prefix: queue.prefix });
  try {
    const jobs = await events.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1);
    const endedIds = new Set(jobs.filter((job) => job.data.kind === 'SessionEnded').map((job) => job.data.sessionId));
    const ended: SessionEnded[] = [];
    const opensOfEnded: SessionStarted[] = [];
    for (const job of jobs) {
      if (!endedIds.has(job.data.sessionId)) continue;
      if (job.data.kind === 'SessionEnded') ended.push(job.data);
      if (job.data.kind === 'SessionStarted') opensOfEnded.push(job.data);
      await job.remove();
    }
    return { ended, opensOfEnded };
  } finally {
    await events.close();
    connection.disconnect();
  }
}

async function drained(stack: IsolatedStack, limitMs: number): Promise<void> {
  const { redis, queue } = stack.config;
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const events = new Queue(ledgerQueueNames(queue).events, { connection, prefix: queue.prefix });
  try {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const counts = await events.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      if (Object.values(counts).every((c) => c === 0)) return;
      if (Date.now() > deadline) throw new Error(`the bridge did not drain: ${JSON.stringify(counts)}`);
      await sleep(200);
    }
  } finally {
    await events.close();
    connection.disconnect();
  }
}

async function pool<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await each(items[next++] as T);
    }),
  );
}

/** Stops each charger's running session at `rate` per second; StopTransaction sent → its settlement seen committed. */
async function stopAndWait(chargers: readonly SimulatedCharger[], charging: ReadonlyMap<string, string>, rate: number, settledAt: ReadonlyMap<string, number>): Promise<{ readonly settled: number; readonly p50Ms: number; readonly p99Ms: number; readonly meanMs: number; readonly settledPerS: number }> {
  const sentAt = new Map<string, number>();
  const started = Date.now();
  await Promise.all(
    chargers.map(async (charger, i) => {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      const sessionId = charging.get(charger.identity) ?? '';
      sentAt.set(sessionId, Date.now());
      await charger.chargePoint.stop('Local', 1);
    }),
  );
  const deadline = Date.now() + 120_000;
  while ([...sentAt.keys()].some((id) => !settledAt.has(id)) && Date.now() < deadline) await sleep(100);
  const latencies = [...sentAt.entries()].filter(([id]) => settledAt.has(id)).map(([id, at]) => (settledAt.get(id) as number) - at).sort((a, b) => a - b);
  const lastSettled = Math.max(...[...sentAt.keys()].map((id) => settledAt.get(id) ?? 0));
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    settled: latencies.length,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    meanMs: Math.round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    settledPerS: Math.round((latencies.length / ((lastSettled - started) / 1000)) * 10) / 10,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
