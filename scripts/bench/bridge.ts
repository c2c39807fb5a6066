/**
 * The ledger bridge's own cost: events applied per second and per core of CPU, on the embedded ledger.
 *
 *   nice node --import tsx scripts/bench/bridge.ts --chargers 50 --sessions 4 --readings 20 [--out docs/benchmarks]
 *
 * Deploys a station and a driver per charger on an embedded ledger in this process, queues every session's
 * events (an open, `--readings` readings a second apart, an end) through the CSMS's own EventPublisher on
 * the stack's Redis (a random prefix), then starts the bridge (startBridge, the settings of config/defaults.env)
 * on that backlog and measures until every event is finished: the rate, this process's CPU (the bridge and the
 * ledger together), the CPU spent inside the ledger's calls, and what the ledger was asked. A backlog is the
 * case that matters: a bridge that keeps up is idle in between.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { MspId, RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { EventPublisher } from '@chargeledger/csms';
import { openEmbeddedLedger } from '@chargeledger/embedded-ledger';
import type { CallOptions, ChargingLedger } from '@chargeledger/ledger-client';
import { startBridge } from '@chargeledger/ledger-bridge';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { loadTemplate } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { aDeployedStation, aDriverWithCard, anAcTariff, type DriverOnLedger } from '../../support/ledger/deployment';
import { PARTY_ATTRIBUTES } from '../../support/ledger/embedded';
import { type Party, PARTY_MSP } from '../../support/ledger/ledgers';
import { removeKeys } from '../../support/redis-keys';

const { values } = parseArgs({ options: { chargers: { type: 'string', default: '50' }, sessions: { type: 'string', default: '4' }, readings: { type: 'string', default: '20' }, out: { type: 'string' }, label: { type: 'string', default: 'bridge' } } });
const CHARGERS = Number(values.chargers);
const SESSIONS = Number(values.sessions);
const READINGS = Number(values.readings);
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The ledger with every call counted and its wall time summed (CPU inside it is this process's: the ledger runs here). */
class CountingLedger implements ChargingLedger {
  readonly calls = new Map<string, number>();
  busyMs = 0;
  constructor(readonly inner: ChargingLedger) {}
  async submit<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    return this.#count(name, () => this.inner.submit(name, request, options));
  }
  async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    return this.#count(name, () => this.inner.evaluate(name, request, options));
  }
  async #count<R>(name: string, call: () => Promise<R>): Promise<R> {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.busyMs += performance.now() - started;
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-bridge-bench-'));
  const embedded = await openEmbeddedLedger({ dataDir, client: { mspId: 'OperatorsMSP', attributes: PARTY_ATTRIBUTES.operator }, clock: { now: () => Date.now() } });
  const ledger = { party: (party: Party) => embedded.asOrganization(PARTY_MSP[party] as MspId, PARTY_ATTRIBUTES[party]) };
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const names = ledgerQueueNames(config.queue);
  const redis = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });
  const publisherRedis = new Redis({ host: config.redis.host, port: config.redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const silent = pino({ level: 'silent' });
  const publisher = new EventPublisher({ connection: publisherRedis, prefix, queueName: names.events, timeoutMs: 10_000, retention: config.queue.retention, log: silent });
  const queue = new Queue(names.events, { connection: redis, prefix });
  try {
    log(`deploying ${CHARGERS} stations and drivers on an embedded ledger in this process`);
    const template = loadTemplate('voltbridge-ac22-duo');
    const drivers: DriverOnLedger[] = [];
    for (let i = 0; i < CHARGERS; i++) {
      const stationId = `BEN-${String(i + 1).padStart(4, '0')}`;
      const publicKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
      await aDeployedStation(ledger, { stationId, template, meter: { serial: `${stationId}-M1`, publicKey } }, { tariff: anAcTariff({ id: `AC-${stationId}` }) });
      // The sessions' readings are unsigned, as many chargers' are: the Authority's permission settles them.
      await ledger.party('authority').submit('Registry:allowUnsignedMeterData', { eventId: `allow-${stationId}`, stationId, validUntilMs: Date.now() + 86_400_000, maxEnergyWh: 100_000, maxPowerW: 22_000 });
      drivers.push(await aDriverWithCard(ledger, { topUp: 1_000_000_000, sessionLimit: 2000 }));
    }

    log(`queueing ${CHARGERS * SESSIONS} sessions of ${READINGS + 2} events each`);
    // After the tariffs were published, and within the ledger's allowance for charger clocks ahead (15 minutes).
    const base = Date.now() + 1_000;
    let events = 0;
    for (let s = 0; s < SESSIONS; s++) {
      await Promise.all(
        drivers.map(async (driver, i) => {
          const chargerId = `BEN-${String(i + 1).padStart(4, '0')}`;
          const transactionId = String(s + 1);
          const sessionId = `${chargerId}-${transactionId}`;
          const startMs = base + s * (READINGS + 2) * 1_000;
          const common = { sessionId, chargerId, ocppTransactionId: transactionId, protocol: '1.6' as const };
          await publisher.publish({ kind: 'SessionStarted', ...common, evseId: 1, connectorId: 1, idToken: driver.idToken, startedAt: new Date(startMs).toISOString(), meterStartWh: 0, evidence: [] });
          for (let r = 1; r <= READINGS; r++) await publisher.publish({ kind: 'MeterSampled', ...common, meterStartWh: 0, sampledAt: new Date(startMs + r * 1_000).toISOString(), registerWh: r * 10, evidence: [] });
          const endMs = startMs + (READINGS + 1) * 1_000;
          await publisher.publish({ kind: 'SessionEnded', ...common, startedAt: new Date(startMs).toISOString(), meterStartWh: 0, endedAt: new Date(endMs).toISOString(), meterStopWh: READINGS * 10, reason: 'Local', evidence: [] });
          events += READINGS + 2;
        }),
      );
    }

    const counting = new CountingLedger(embedded);
    const roundTrips = Number(/^total_commands_processed:(\d+)/m.exec(await redis.info('stats'))?.[1]);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const bridge = startBridge({ connection: redis, prefix, names, ledger: counting, log: silent, concurrency: config.bridge.concurrency, queryConcurrency: 1, orderingDelayMs: 250, settlementBatch: config.bridge.settlementBatch, progressAuditMs: config.bridge.progressAuditMs, retention: config.queue.retention });
    for (;;) {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) break;
      await sleep(100);
    }
    const elapsedS = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await bridge.close();
    const commands = Number(/^total_commands_processed:(\d+)/m.exec(await redis.info('stats'))?.[1]) - roundTrips;
    const failedJobs = await queue.getFailed();
    const failed = failedJobs.length;
    for (const reason of new Set(failedJobs.map((job) => job.failedReason))) log(`failed: ${reason}`);
    const cpuS = (used.user + used.system) / 1e6;
    const result = {
      chargers: CHARGERS,
      sessions: CHARGERS * SESSIONS,
      events,
      failed,
      elapsedS,
      eventsPerS: events / elapsedS,
      cpuS,
      cores: cpuS / elapsedS,
      eventsPerCoreS: events / cpuS,
      ledgerBusyShareOfWall: counting.busyMs / 1000 / elapsedS,
      redisCommandsPerEvent: commands / events,
      ledgerCalls: Object.fromEntries(counting.calls),
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.out !== undefined) await writeFile(path.join(values.out, `${values.label}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await queue.close();
    await publisher.close();
    await removeKeys(redis, prefix);
    redis.disconnect();
    publisherRedis.disconnect();
    await embedded.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
