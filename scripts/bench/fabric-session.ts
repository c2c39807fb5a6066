import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@chargeledger/config';
import { connectAs, readNetworkDescription } from '@chargeledger/ledger-client';
import { eventIdFor, keepJobs, LEDGER_EVENT_RETRY, type LedgerEvent, ledgerQueueNames, type MeterSampled, type SessionEnded, type SessionStarted, settlementOutcomeJobId } from '@chargeledger/ledger-queue';
import { common } from '@hyperledger/fabric-protos';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { RPCClient } from 'ocpp-rpc';
import { IsolatedStack } from '../../support/isolated-stack';
import { watchSettlements } from '../../support/settlement-watch';
import { aDriverWithCard, anAcTariff, type DriverOnLedger, eventId, uniqueId } from '../../support/ledger/deployment';
import { openFabric } from '../../support/ledger/ledgers';
import { ocppClient } from '../../support/ocpp-client';
import { type RateStep, sendAtRate } from './support/open-loop';
import { addAnatomy, type BlockAnatomy, blockAnatomy, EMPTY_ANATOMY } from './support/block-anatomy';
import { lineChart } from './svg-chart';

/**
 * The whole session on a Fabric network of the benchmark's own (.data-bench-session, ports of
 * config/defaults.env + --port-offset), in one run:
 *   1. thousands of simulated chargers (EVSEs of stations on the ledger, each station allowed unsigned meter
 *      data by the Authority) and their drivers;
 *   2. the raw write capacity of the same channel (Tariff:publishTariff of a new tariff id, open-loop);
 *   3. at each of --rates, sessions started open-loop for --step-s seconds, each time-compressed: the open,
 *      a meter value every --interval-s of the charger's clock, the end after --session-min minutes, all
 *      --compression times faster than real time. The chargers' events go into the ledger events queue as
 *      the CSMS publishes them (same job ids, same retry rule), and the ledger bridge applies them: opens
 *      and ends in shared transactions, readings by the progress rule (ADR 0032). Per step: complete
 *      sessions/s (settlement seen committed), SessionEnded enqueued → SessionsSettled committed p50/p99,
 *      ledger transactions, block bytes and state bytes per session;
 *   4. one more step at half the highest complete-session rate (the latency at half capacity).
 *
 *   node --import tsx scripts/bench/fabric-session.ts --rates 10,20,40 --step-s 10 --stations 40 --evses 50
 */

interface Args {
  readonly label: string;
  readonly rates: readonly number[];
  readonly rawRates: readonly number[];
  readonly stepS: number;
  readonly stations: number;
  readonly evses: number;
  readonly drivers: number;
  readonly intervalS: number;
  readonly sessionMin: number;
  readonly compression: number;
  readonly out: string;
  /** Added to every port of config/defaults.env: 2450 above the ports of the shell that runs it. */
  readonly portOffset: number;
  /**
   * `csms`: each station an OCPP 1.6 charger on a real WebSocket to the stack's CSMS, its EVSEs its connectors,
   * so the CSMS decides which readings reach the queue and records the settlement; `queue`: the events put in the
   * ledger events queue as the CSMS would publish every one of them (the CSMS not in the path).
   */
  readonly through: 'csms' | 'queue';
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      label: { type: 'string', default: 'whole-session' },
      rates: { type: 'string', default: '10,20,40' },
      'raw-rates': { type: 'string', default: '60,120,180' },
      'step-s': { type: 'string', default: '10' },
      stations: { type: 'string', default: '40' },
      evses: { type: 'string', default: '50' },
      drivers: { type: 'string', default: '300' },
      'interval-s': { type: 'string', default: '60' },
      'session-min': { type: 'string', default: '10' },
      compression: { type: 'string', default: '30' },
      out: { type: 'string', default: 'docs/benchmarks' },
      'port-offset': { type: 'string', default: '2450' },
      through: { type: 'string', default: 'csms' },
    },
  });
  const list = (text: string): number[] => text.split(',').map(Number);
  return {
    label: values.label,
    rates: list(values.rates),
    rawRates: list(values['raw-rates']),
    stepS: Number(values['step-s']),
    stations: Number(values.stations),
    evses: Math.min(64, Number(values.evses)),
    drivers: Number(values.drivers),
    intervalS: Number(values['interval-s']),
    sessionMin: Number(values['session-min']),
    compression: Number(values.compression),
    out: values.out,
    portOffset: Number(values['port-offset']),
    through: values.through === 'queue' ? 'queue' : 'csms',
  };
}

const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const iso = (ms: number): string => new Date(ms).toISOString();
/** 11 kW: what an AC charger delivers, within the unsigned-data terms below. */
const POWER_W = 11_000;
const CHARGER_PASSWORD = 'a-long-bench-charger-password';

interface Charger {
  readonly stationId: string;
  readonly evseId: number;
}

interface SessionStep {
  readonly sendRate: number;
  readonly started: number;
  readonly settled: number;
  /** Settled sessions per second, from the first end enqueued to the last settlement committed. */
  readonly completePerS: number;
  readonly endToSettledMsP50: number;
  readonly endToSettledMsP99: number;
  readonly endToSettledMsMean: number;
  /** StopTransaction sent → the CSMS recorded the settlement (csms only). */
  readonly stopToCsmsMsP50?: number;
  readonly stopToCsmsMsP99?: number;
  /** OCPP messages the chargers sent (csms), or events queued (queue). */
  readonly events: number;
  /** Events the ledger events queue received in the step. */
  readonly queued: number;
  readonly transactions: number;
  readonly blocks: number;
  readonly blockBytes: number;
  readonly stateBytes: number;
  readonly transactionsPerSession: number;
  readonly blockBytesPerSession: number;
  readonly stateBytesPerSession: number;
  /** Where the block bytes went, per session settled. */
  readonly blockBytesPerSessionBy: Omit<BlockAnatomy, 'blocks' | 'transactions'>;
}

async function main(): Promise<void> {
  const args = parse();
  if (args.sessionMin * 60_000 * (1 - 1 / args.compression) >= 15 * 60_000) throw new Error('the readings of a session would run more than 15 minutes ahead of the ledger: shorter --session-min');
  const runStarted = Date.now();
  const stack = await IsolatedStack.start({
    dataDir: '.data-bench-session',
    portOffset: args.portOffset,
    bridge: 'later',
    settings: { QUEUE_PREFIX: `bench-session-${Date.now()}`, FABRIC_BATCH_TIMEOUT: '200ms', FABRIC_BATCH_MAX_MESSAGES: '100', BRIDGE_CONCURRENCY: '512', BRIDGE_SETTLEMENT_BATCH: '25', BRIDGE_SETTLEMENT_TRANSACTIONS: '16', CSMS_LEDGER_AUTHORIZATION: 'off', LOG_LEVEL: 'warn' },
    log,
  });
  const ledger = await openFabric();
  const description = await readNetworkDescription(stack.config.fabric.networkFile);
  const watcher = await connectAs(description, 'operators', 'bridge');
  const settledAt = new Map<string, number>();
  const watching = watchSettlements(watcher.network, description.chaincode, (sessionId) => settledAt.set(sessionId, Date.now()));
  const { redis, queue: queueConfig } = stack.config;
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const names = ledgerQueueNames(queueConfig);
  const events = new Queue<LedgerEvent>(names.events, { connection, prefix: queueConfig.prefix });
  const retention = { removeOnComplete: keepJobs(loadConfig().queue.retention.completed), removeOnFail: keepJobs(loadConfig().queue.retention.failed) };
  const qscc = watcher.network.getContract('qscc');
  const height = async (): Promise<number> => Number(common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', description.channel)).getHeight());
  /** Transactions and bytes of blocks [from, to), and where the bytes go. */
  const blocksBetween = async (from: number, to: number): Promise<{ transactions: number; bytes: number; anatomy: BlockAnatomy }> => {
    let anatomy = EMPTY_ANATOMY;
    for (let n = from; n < to; n++) anatomy = addAnatomy(anatomy, blockAnatomy(await qscc.evaluateTransaction('GetBlockByNumber', description.channel, String(n))));
    return { transactions: anatomy.transactions, bytes: anatomy.total, anatomy };
  };
  // The Operators peer's state database: what every peer keeps of the world state.
  const stateDir = execFileSync('find', [path.join(stack.dataDir, 'fabric', 'peers', 'operators'), '-type', 'd', '-name', 'stateLeveldb'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  if (stateDir === '') throw new Error('the Operators peer has no state database under its data folder');
  log(`state database: ${stateDir}`);
  const stateBytes = (): number => Number(execFileSync('du', ['-sb', stateDir], { encoding: 'utf8' }).split('\t')[0]);

  /** What the run opened after the stack: closed before the stack stops. */
  const closers: (() => Promise<unknown>)[] = [];
  try {
    // 1. Stations with many EVSEs, each EVSE one simulated charger, and the drivers.
    const tariff = anAcTariff();
    await ledger.party('operator').submit('Tariff:publishTariff', { eventId: eventId(), tariff });
    const payeeAccountId = uniqueId('payee');
    await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId: payeeAccountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
    const run = uniqueId('S');
    const chargers: Charger[] = [];
    await pool(
      Array.from({ length: args.stations }, (_, s) => `${run}-${String(s).padStart(3, '0')}`),
      8,
      async (stationId) => {
        const evses = Array.from({ length: args.evses }, (_, e) => ({ evseId: String(e + 1), connectors: [{ connectorId: '1', type: 'IEC_62196_T2' as const, maxPowerW: 22_000 }] }));
        // Event ids of the station's own: a step the loaded network timed out is sent again and taken once.
        await withRetries(() => ledger.party('operator').submit('Registry:registerStation', { eventId: `register-${stationId}`, stationId, payeeAccountId, latMicroDeg: 52_520_008, lonMicroDeg: 13_404_954, evses, policy: { minimumHold: 500 }, tariffId: tariff.id }));
        const validUntilMs = Date.now() + 30 * 86_400_000;
        await withRetries(() => ledger.party('authority').submit('Registry:allowUnsignedMeterData', { eventId: `allow-${stationId}`, stationId, validUntilMs, maxEnergyWh: 200_000, maxPowerW: 50_000 }));
        for (let e = 1; e <= args.evses; e++) chargers.push({ stationId, evseId: e });
      },
    );
    // The first driver sets Wallets' token pepper; the others, in parallel, find it set.
    const drivers: DriverOnLedger[] = [await aDriverWithCard(ledger, { topUp: 1_000_000_000, sessionLimit: 2000 })];
    await pool(Array.from({ length: args.drivers - 1 }, (_, i) => i), 12, async () => {
      // A driver whose setup a loaded network timed out is made again: another driver, the same run.
      drivers.push(await withRetries(() => aDriverWithCard(ledger, { topUp: 1_000_000_000, sessionLimit: 2000 })));
    });
    log(`${chargers.length} chargers at ${args.stations} stations and ${drivers.length} drivers on the ledger (setup ${Math.round((Date.now() - runStarted) / 1000)} s)`);

    // 2. The raw write capacity of the same channel, by the same Operators identity.
    const raw: RateStep[] = [];
    for (const rate of args.rawRates) {
      const step = await sendAtRate(rate, 5, () => ledger.bridge.submit('Tariff:publishTariff', { eventId: eventId(), tariff: anAcTariff() }));
      raw.push(step);
      log(`raw at ${rate}/s: ${step.throughput}/s committed, mean ${step.latencyMsMean} ms, p99 ${step.latencyMsP99} ms, ${step.failed} failed`);
    }
    const rawPerS = Math.max(...raw.map((s) => s.throughput));

    // 3. Whole sessions through the bridge.
    await stack.startBridge();
    const free = [...chargers];
    let sessionNumber = 0;
    const sessionMs = args.sessionMin * 60_000;
    const intervalMs = args.intervalS * 1000;
    const samples = Math.max(0, Math.ceil(sessionMs / intervalMs) - 1);
    const wallOf = (simulatedMs: number): number => simulatedMs / args.compression;
    const registerAt = (simulatedMs: number): number => Math.round((POWER_W * simulatedMs) / 3_600_000);
    const add = (event: LedgerEvent): Promise<unknown> => events.add(event.kind, event, { jobId: event.eventId, ...LEDGER_EVENT_RETRY, ...retention });

    // What reached the ledger events queue, and when the CSMS recorded each settlement, as they happen.
    const queueConnection = { host: redis.host, port: redis.port };
    const eventsAdded = new QueueEvents(names.events, { connection: queueConnection, prefix: queueConfig.prefix });
    const outcomesDone = new QueueEvents(names.outcomes, { connection: queueConnection, prefix: queueConfig.prefix });
    let queued = 0;
    eventsAdded.on('added', () => queued++);
    const recordedAt = new Map<string, number>();
    const settledJob = settlementOutcomeJobId('');
    outcomesDone.on('completed', ({ jobId }) => {
      if (jobId.startsWith(settledJob)) recordedAt.set(jobId.slice(settledJob.length), Date.now());
    });
    closers.push(() => eventsAdded.close(), () => outcomesDone.close());
    await Promise.all([eventsAdded.waitUntilReady(), outcomesDone.waitUntilReady()]);

    // Through the CSMS: each station one OCPP 1.6 charger, its EVSEs its connectors, the drivers' cards issued.
    const clients = new Map<string, RPCClient>();
    closers.push(() => Promise.all([...clients.values()].map((client) => client.close({ force: true }))));
    if (args.through === 'csms') {
      const { host, port } = stack.config.csms;
      const admin = async (method: string, route: string, body: unknown): Promise<void> => {
        const response = await fetch(`http://${host}:${port}${route}`, { method, headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
      };
      const stations = [...new Set(chargers.map((c) => c.stationId))];
      await pool(stations, 8, (identity) => admin('POST', '/api/chargers', { identity, password: CHARGER_PASSWORD }));
      await pool(drivers, 8, (driver) => admin('PUT', `/api/id-tokens/${driver.idToken}`, { accountId: driver.accountId }));
      await pool(stations, 8, async (identity) => {
        const client = ocppClient({ endpoint: `ws://${host}:${port}/ocpp`, identity, password: CHARGER_PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 120_000 });
        await client.connect();
        await client.call('BootNotification', { chargePointVendor: 'ChargeLedger', chargePointModel: 'bench-multi-evse' });
        clients.set(identity, client);
      });
      log(`${stations.length} stations connected to the CSMS over OCPP 1.6, ${chargers.length} connectors; ${drivers.length} cards issued`);
    }

    /** One session on one free charger; resolves once it is settled (or not within the limit), with the end's time. */
    const aQueuedSession = async (count: { events: number }): Promise<{ sessionId: string; endedAtMs: number } | undefined> => {
      const charger = free.shift();
      if (charger === undefined) return undefined;
      const driver = drivers[sessionNumber % drivers.length] as DriverOnLedger;
      const transactionId = String(++sessionNumber);
      const sessionId = `${charger.stationId}-${charger.evseId}-${transactionId}`;
      const base = { chargerId: charger.stationId, ocppTransactionId: transactionId, protocol: '1.6' as const, sessionId };
      const wallStart = Date.now();
      // The charger's clock starts with the session and runs --compression times faster: its readings run ahead of
      // the ledger's clock by less than the 15 minutes of skew the chaincode allows (sessions under 15 minutes), and
      // the session starts after the tariff was published, as the open requires.
      const simulatedStart = wallStart;
      const started: Omit<SessionStarted, 'eventId'> = { ...base, kind: 'SessionStarted', evseId: charger.evseId, connectorId: 1, idToken: driver.idToken, startedAt: iso(simulatedStart), meterStartWh: 0, evidence: [] };
      await add({ ...started, eventId: eventIdFor(started) });
      count.events++;
      for (let k = 1; k <= samples; k++) {
        await sleepUntil(wallStart + wallOf(k * intervalMs));
        const sampled: Omit<MeterSampled, 'eventId'> = { ...base, kind: 'MeterSampled', meterStartWh: 0, sampledAt: iso(simulatedStart + k * intervalMs), registerWh: registerAt(k * intervalMs), evidence: [] };
        await add({ ...sampled, eventId: eventIdFor(sampled) });
        count.events++;
      }
      await sleepUntil(wallStart + wallOf(sessionMs));
      const ended: Omit<SessionEnded, 'eventId'> = {
        ...base,
        kind: 'SessionEnded',
        startedAt: iso(simulatedStart),
        meterStartWh: 0,
        endedAt: iso(simulatedStart + sessionMs),
        meterStopWh: registerAt(sessionMs),
        reason: 'Local',
        evidence: [],
      };
      const endedAtMs = Date.now();
      await add({ ...ended, eventId: eventIdFor(ended) });
      count.events++;
      const deadline = Date.now() + 60_000;
      while (!settledAt.has(sessionId) && Date.now() < deadline) await sleep(100);
      free.push(charger);
      return { sessionId, endedAtMs };
    };

    /** The same session sent by its charger to the CSMS: StartTransaction, MeterValues, StopTransaction. */
    const aChargedSession = async (count: { events: number }): Promise<{ sessionId: string; endedAtMs: number } | undefined> => {
      const charger = free.shift();
      if (charger === undefined) return undefined;
      const driver = drivers[sessionNumber++ % drivers.length] as DriverOnLedger;
      const client = clients.get(charger.stationId) as RPCClient;
      const wallStart = Date.now();
      const simulatedStart = wallStart;
      const connectorId = charger.evseId;
      const { transactionId } = (await client.call('StartTransaction', { connectorId, idTag: driver.idToken, meterStart: 0, timestamp: iso(simulatedStart) })) as { transactionId: number };
      count.events++;
      const sessionId = `${charger.stationId}-${transactionId}`;
      for (let k = 1; k <= samples; k++) {
        await sleepUntil(wallStart + wallOf(k * intervalMs));
        const sampledValue = [{ value: String(registerAt(k * intervalMs)), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }];
        await client.call('MeterValues', { connectorId, transactionId, meterValue: [{ timestamp: iso(simulatedStart + k * intervalMs), sampledValue }] });
        count.events++;
      }
      await sleepUntil(wallStart + wallOf(sessionMs));
      const endedAtMs = Date.now();
      await client.call('StopTransaction', { transactionId, meterStop: registerAt(sessionMs), timestamp: iso(simulatedStart + sessionMs), reason: 'Local' });
      count.events++;
      const deadline = Date.now() + 60_000;
      while (!(settledAt.has(sessionId) && recordedAt.has(sessionId)) && Date.now() < deadline) await sleep(100);
      free.push(charger);
      return { sessionId, endedAtMs };
    };
    const aSession = args.through === 'csms' ? aChargedSession : aQueuedSession;

    const sessionStep = async (rate: number): Promise<SessionStep> => {
      const count = { events: 0 };
      const queuedBefore = queued;
      const heightBefore = await height();
      const stateBefore = stateBytes();
      const begun = Date.now();
      const runs: Promise<{ sessionId: string; endedAtMs: number } | undefined>[] = [];
      const total = Math.round(rate * args.stepS);
      for (let i = 0; i < total; i++) {
        await sleepUntil(begun + (i * 1000) / rate);
        runs.push(aSession(count));
      }
      const sessions = (await Promise.all(runs)).filter((s) => s !== undefined);
      await sleep(2_000);
      const heightAfter = await height();
      const blocks = await blocksBetween(heightBefore, heightAfter);
      const state = stateBytes() - stateBefore;
      const settled = sessions.filter((s) => settledAt.has(s.sessionId));
      const latencies = settled.map((s) => (settledAt.get(s.sessionId) as number) - s.endedAtMs).sort((a, b) => a - b);
      const firstEnd = Math.min(...sessions.map((s) => s.endedAtMs));
      const lastSettled = Math.max(...settled.map((s) => settledAt.get(s.sessionId) as number));
      const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
      const per = (value: number): number => Math.round((value / Math.max(1, settled.length)) * 1000) / 1000;
      const toCsms = settled.flatMap((s) => (recordedAt.has(s.sessionId) ? [(recordedAt.get(s.sessionId) as number) - s.endedAtMs] : [])).sort((a, b) => a - b);
      const qc = (p: number): number => toCsms[Math.min(toCsms.length - 1, Math.floor(p * toCsms.length))] ?? 0;
      return {
        sendRate: rate,
        started: sessions.length,
        settled: settled.length,
        completePerS: Math.round((settled.length / Math.max(1, (lastSettled - firstEnd) / 1000)) * 10) / 10,
        endToSettledMsP50: q(0.5),
        endToSettledMsP99: q(0.99),
        endToSettledMsMean: Math.round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
        ...(args.through === 'csms' ? { stopToCsmsMsP50: qc(0.5), stopToCsmsMsP99: qc(0.99) } : {}),
        events: count.events,
        queued: queued - queuedBefore,
        transactions: blocks.transactions,
        blocks: heightAfter - heightBefore,
        blockBytes: blocks.bytes,
        stateBytes: state,
        transactionsPerSession: per(blocks.transactions),
        blockBytesPerSession: Math.round(blocks.bytes / Math.max(1, settled.length)),
        stateBytesPerSession: Math.round(state / Math.max(1, settled.length)),
        blockBytesPerSessionBy: perSession(blocks.anatomy, settled.length),
      };
    };

    const steps: SessionStep[] = [];
    for (const rate of args.rates) {
      const step = await sessionStep(rate);
      steps.push(step);
      const toCsms = step.stopToCsmsMsP50 === undefined ? '' : `; stop → recorded by the CSMS p50 ${step.stopToCsmsMsP50} ms, p99 ${step.stopToCsmsMsP99} ms`;
      log(`sessions at ${rate}/s: ${step.settled}/${step.started} settled, ${step.completePerS} complete/s; end → settled p50 ${step.endToSettledMsP50} ms, p99 ${step.endToSettledMsP99} ms${toCsms}; ${step.transactionsPerSession} tx, ${step.blockBytesPerSession} block bytes, ${step.stateBytesPerSession} state bytes a session (${step.events} messages, ${step.queued} queued, ${step.blocks} blocks); block bytes a session by part ${JSON.stringify(step.blockBytesPerSessionBy)}`);
    }
    const saturating = Math.max(...steps.map((s) => s.completePerS));
    const halfRate = Math.max(1, Math.round(saturating / 2));
    const half = await sessionStep(halfRate);
    log(`at half capacity (${halfRate}/s): ${half.settled}/${half.started} settled; end → settled p50 ${half.endToSettledMsP50} ms, p99 ${half.endToSettledMsP99} ms`);
    const failed = await events.getJobCounts('failed');

    const all = [...steps, half];
    const sum = (pick: (s: SessionStep) => number): number => all.reduce((a, s) => a + pick(s), 0);
    const sessionsSettled = sum((s) => s.settled);
    const result = {
      label: args.label,
      date: new Date().toISOString(),
      command: `node --import tsx scripts/bench/fabric-session.ts ${process.argv.slice(2).join(' ')}`,
      network: 'native Fabric 3.1 binaries: 5 organizations (two operators; CA, peer, chaincode service each), 1 etcdraft orderer; a session endorsed by its operator, Wallets and the Authority (ADR 0039); blocks 200 ms / 100 transactions',
      through: args.through === 'csms' ? 'OCPP 1.6 chargers → CSMS → ledger events queue → bridge → Fabric; settlement back to the CSMS' : 'events put in the ledger events queue (the CSMS not in the path) → bridge → Fabric',
      chargers: chargers.length,
      drivers: drivers.length,
      session: { simulatedMinutes: args.sessionMin, meterValueEverySimulatedS: args.intervalS, compression: args.compression, meterValuesPerSession: samples, evidence: 'unsigned readings under the Authority\'s permission (no OCMF)' },
      rawTransaction: 'Tariff:publishTariff with a new tariff id (Operators identity, Operators gateway), open-loop, 5 s a rate',
      raw,
      rawPerS,
      steps,
      halfCapacity: half,
      saturatingCompletePerS: saturating,
      completeOverRaw: Math.round((saturating / rawPerS) * 100) / 100,
      overall: {
        sessionsSettled,
        transactionsPerSession: Math.round((sum((s) => s.transactions) / Math.max(1, sessionsSettled)) * 1000) / 1000,
        blockBytesPerSession: Math.round(sum((s) => s.blockBytes) / Math.max(1, sessionsSettled)),
        stateBytesPerSession: Math.round(sum((s) => s.stateBytes) / Math.max(1, sessionsSettled)),
      },
      failedEvents: failed.failed ?? 0,
      runSeconds: Math.round((Date.now() - runStarted) / 1000),
    };
    const base = path.join(args.out, `fabric-session-${args.label}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      `${base}-throughput.svg`,
      lineChart({
        title: 'Complete sessions per second against the session start rate (Fabric, one machine)',
        xLabel: 'sessions started (/s)',
        yLabel: 'per second',
        series: [
          { name: 'complete sessions (settlement committed)', color: '#c0392b', points: steps.map((s) => ({ x: s.sendRate, y: s.completePerS })) },
          { name: 'raw write capacity (publishTariff, best step)', color: '#2c7fb8', points: steps.map((s) => ({ x: s.sendRate, y: rawPerS })) },
          { name: 'started', color: '#999', points: steps.map((s) => ({ x: s.sendRate, y: s.sendRate })) },
        ],
      }),
    );
    writeFileSync(
      `${base}-latency.svg`,
      lineChart({
        title: 'SessionEnded enqueued → settlement committed, against the session start rate',
        xLabel: 'sessions started (/s)',
        yLabel: 'latency (ms)',
        series: [
          { name: 'p50', color: '#c0392b', points: steps.map((s) => ({ x: s.sendRate, y: s.endToSettledMsP50 })) },
          { name: 'p99', color: '#e67e22', points: steps.map((s) => ({ x: s.sendRate, y: s.endToSettledMsP99 })) },
        ],
      }),
    );
    log(`written ${base}.json, -throughput.svg, -latency.svg; ${saturating} complete sessions/s against ${rawPerS} raw writes/s (${result.completeOverRaw}); ${result.overall.transactionsPerSession} tx a session; run ${result.runSeconds} s`);
  } finally {
    watching.stop();
    watcher.close();
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
    await events.close();
    connection.disconnect();
    await ledger.close();
    await stack.stop();
  }
}

async function withRetries<T>(attempt: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts) throw error;
      log(`setup step failed (${String(error).slice(0, 120)}); again`);
      await sleep(1000 * i);
    }
  }
}

function perSession(anatomy: BlockAnatomy, sessions: number): Omit<BlockAnatomy, 'blocks' | 'transactions'> {
  const per = (bytes: number): number => Math.round(bytes / Math.max(1, sessions));
  return { total: per(anatomy.total), identitiesAndSignatures: per(anatomy.identitiesAndSignatures), arguments: per(anatomy.arguments), readWriteSets: per(anatomy.readWriteSets), responses: per(anatomy.responses), events: per(anatomy.events), other: per(anatomy.other) };
}

async function sleepUntil(atMs: number): Promise<void> {
  const wait = atMs - Date.now();
  if (wait > 0) await sleep(wait);
}

async function pool<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await each(items[next++] as T);
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
