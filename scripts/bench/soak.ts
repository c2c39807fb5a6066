/**
 * A soak run, bounded in time: simulated OCPP 1.6 chargers run sessions back to back through the real CSMS,
 * the stack's Redis (scripts/redis.sh: append-only, fsync always, maxmemory, noeviction) and the ledger bridge
 * on the embedded ledger, each a process of its own, until `--events` events were acknowledged or
 * `--max-minutes` passed; then every charger ends its session, the bridge drains, and the run waits until every
 * session is settled. Throughout, every `--sample-s`: Redis memory, append-only file size, the queue's depth and
 * its oldest event's age (the bridge's lag), events acknowledged and applied, and each process's CPU.
 *
 * Time is compressed: readings every `--interval-ms` instead of a minute, completed jobs and ended sessions'
 * marks kept `--keep-s` instead of an hour (the job count limit, 20,000, is the stack's own), and the CSMS's
 * records of settled sessions `--session-keep-s` instead of 30 days; the run reads every settled session well
 * within that, to check each was settled once.
 *
 *   nice node --import tsx scripts/bench/soak.ts --chargers 200 --interval-ms 200 --readings 30 --events 1000000 \
 *     --max-minutes 12 --out docs/benchmarks
 *
 * `--profile DIR` writes the CSMS's and the bridge's CPU profiles there when they stop (run the script itself
 * under `node --cpu-prof` for the chargers' side).
 *
 * Writes soak.json and soak-memory.svg, soak-lag.svg, soak-rate.svg under --out; stops everything it started.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { RPCClient } from 'ocpp-rpc';
import { ocppClient } from '../../support/ocpp-client';
import { BenchStack, deployChargers } from './support/stack';
import { lineChart } from './svg-chart';

const { values } = parseArgs({
  options: {
    chargers: { type: 'string', default: '200' },
    'interval-ms': { type: 'string', default: '200' },
    readings: { type: 'string', default: '30' },
    events: { type: 'string', default: '1000000' },
    'max-minutes': { type: 'string', default: '12' },
    'keep-s': { type: 'string', default: '60' },
    'session-keep-s': { type: 'string', default: '600' },
    'sample-s': { type: 'string', default: '2' },
    out: { type: 'string' },
    profile: { type: 'string' },
  },
});
const CHARGERS = Number(values.chargers);
const INTERVAL_MS = Number(values['interval-ms']);
const READINGS = Number(values.readings);
const TARGET_EVENTS = Number(values.events);
const MAX_MS = Number(values['max-minutes']) * 60_000;
const KEEP_S = Number(values['keep-s']);
const SESSION_KEEP_S = Number(values['session-keep-s']);
const SAMPLE_MS = Number(values['sample-s']) * 1000;
/** A folder for the CSMS's and the bridge's CPU profiles (`node --cpu-prof`), written when they stop. */
const PROFILE_DIR = values.profile === undefined ? undefined : path.resolve(values.profile);

const root = path.resolve(__dirname, '..', '..');
const PASSWORD = 'a-soak-charger-password';
const PREFIX = 'soak';
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Sample {
  readonly t: number;
  readonly phase: 'load' | 'drain' | 'rest';
  readonly acknowledged: number;
  readonly applied: number;
  readonly depth: number;
  readonly oldestWaitingMs: number;
  readonly redisUsedBytes: number;
  readonly aofBytes: number;
  readonly completedJobs: number;
  readonly keys: number;
  /** Percent of one core since the previous sample. */
  readonly cpu: Readonly<Record<string, number>>;
}

/** CPU time (utime + stime) of a process in clock ticks, from /proc. */
function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** A charger running sessions back to back: StartTransaction, READINGS MeterValues INTERVAL_MS apart, StopTransaction. */
async function chargeUntil(client: RPCClient, idTag: string, stopping: () => boolean, counted: () => void, sessions: string[], identity: string): Promise<void> {
  let register = 0;
  while (!stopping()) {
    const { transactionId } = (await client.call('StartTransaction', { connectorId: 1, idTag, meterStart: register, timestamp: new Date().toISOString() })) as { transactionId: number };
    counted();
    sessions.push(`${identity}-${transactionId}`);
    for (let i = 0; i < READINGS && !stopping(); i++) {
      await sleep(INTERVAL_MS);
      register += 1;
      await client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(register), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
      counted();
    }
    await sleep(INTERVAL_MS);
    await client.call('StopTransaction', { transactionId, meterStop: register, timestamp: new Date().toISOString(), reason: 'Local' });
    counted();
  }
}

async function main(): Promise<void> {
  const stack = new BenchStack({
    dataDir: path.join(root, '.data-soak'),
    prefix: PREFIX,
    settings: { QUEUE_COMPLETED_KEEP_S: String(KEEP_S), CSMS_SESSION_RETENTION_S: String(SESSION_KEEP_S) },
    ...(PROFILE_DIR === undefined ? {} : { profileDir: PROFILE_DIR }),
  });
  const clients: RPCClient[] = [];
  let redis: Redis | undefined;
  try {
    log(`starting Redis, the bridge on the embedded ledger and the CSMS in ${stack.dataDir}`);
    await stack.start();
    redis = new Redis({ port: stack.redisPort, maxRetriesPerRequest: 3 });

    log(`deploying ${CHARGERS} stations (unsigned readings allowed) and a driver each on the ledger, provisioning them at the CSMS`);
    const { identities, drivers } = await deployChargers(stack, CHARGERS, 'SOAK', PASSWORD);
    for (let i = 0; i < CHARGERS; i += 25) {
      const batch = identities.slice(i, i + 25).map((identity) => ocppClient({ endpoint: `ws://127.0.0.1:${stack.csmsPort}/ocpp`, identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 60_000 }));
      await Promise.all(batch.map((client) => client.connect()));
      clients.push(...batch);
    }
    const before = { usedBytes: Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]), aofBytes: Number(/^aof_current_size:(\d+)/m.exec(await redis.info('persistence'))?.[1]) };
    log(`${CHARGERS} chargers connected; Redis uses ${(before.usedBytes / 2 ** 20).toFixed(1)} MB before the load`);

    let acknowledged = 0;
    let stopping = false;
    const sessions: string[] = [];
    const samples: Sample[] = [];
    const started = Date.now();
    let phase: Sample['phase'] = 'load';
    const pids = stack.pids();
    let ticks = new Map([...pids].map(([name, pid]) => [name, cpuTicks(pid)]));
    let lastAt = Date.now();
    const sample = async (): Promise<void> => {
      const [queue, memory, persistence, completedJobs, marks] = await Promise.all([
        stack.admin('GET', '/api/queue') as Promise<{ depth: number; oldestWaitingMs: number }>,
        redis?.info('memory') ?? '',
        redis?.info('persistence') ?? '',
        redis?.zcard(`${PREFIX}:ledger-events:completed`) ?? 0,
        redis?.dbsize() ?? 0,
      ]);
      const now = Date.now();
      const next = new Map([...pids].map(([name, pid]) => [name, cpuTicks(pid)]));
      const cpu = Object.fromEntries([...next].map(([name, t]) => [name, Math.round(((t - (ticks.get(name) ?? t)) / 100 / ((now - lastAt) / 1000)) * 1000) / 10]));
      ticks = next;
      lastAt = now;
      samples.push({
        t: (now - started) / 1000,
        phase,
        acknowledged,
        applied: acknowledged - queue.depth,
        depth: queue.depth,
        oldestWaitingMs: queue.oldestWaitingMs,
        redisUsedBytes: Number(/^used_memory:(\d+)/m.exec(memory)?.[1]),
        aofBytes: Number(/^aof_current_size:(\d+)/m.exec(persistence)?.[1]),
        completedJobs,
        keys: marks,
        cpu,
      });
      const last = samples.at(-1);
      if (last !== undefined && samples.length % 15 === 0) log(`${phase} t=${last.t.toFixed(0)} s: ${acknowledged} acknowledged, depth ${last.depth}, oldest ${(last.oldestWaitingMs / 1000).toFixed(1)} s, Redis ${(last.redisUsedBytes / 2 ** 20).toFixed(1)} MB, AOF ${(last.aofBytes / 2 ** 20).toFixed(1)} MB, CPU ${JSON.stringify(cpu)}`);
    };
    const sampler = setInterval(() => void sample().catch((error: unknown) => log(`sample failed: ${String(error)}`)), SAMPLE_MS);

    // Sessions the CSMS recorded as settled, with what they charged, gathered as the run goes: an ended session's
    // record leaves the CSMS SESSION_KEEP_S after its settlement (ADR 0029), so it is read well within that.
    const settled = new Map<string, { charged: number }>();
    const collectCharger = async (identity: string): Promise<void> => {
      let cursor: string | undefined;
      do {
        const page = (await stack.admin('GET', `/api/sessions?chargerId=${identity}&active=false&limit=500${cursor === undefined ? '' : `&cursor=${cursor}`}`)) as { sessions: { sessionId: string; settlement?: { status: string; charged?: number } }[]; next?: string };
        for (const s of page.sessions) if (s.settlement?.status === 'settled') settled.set(s.sessionId, { charged: s.settlement.charged ?? 0 });
        cursor = page.next;
      } while (cursor !== undefined);
    };
    // Ten chargers at a time: one at a time, a pass over 300 chargers on a loaded machine outlasted the retention.
    const collectSettled = async (): Promise<void> => {
      for (let i = 0; i < identities.length; i += 10) await Promise.all(identities.slice(i, i + 10).map(collectCharger));
    };
    let collecting = true;
    const collector = (async (): Promise<void> => {
      while (collecting) {
        await Promise.all([collectSettled().catch((error: unknown) => log(`reading settled sessions failed: ${String(error)}`)), sleep(Math.min(20, SESSION_KEEP_S / 4) * 1000)]);
      }
    })();

    log(`load: ${CHARGERS} chargers, a reading every ${INTERVAL_MS} ms, ${READINGS} a session, until ${TARGET_EVENTS} events or ${MAX_MS / 60_000} minutes`);
    const stopWhenDone = setInterval(() => {
      if (acknowledged >= TARGET_EVENTS || Date.now() - started >= MAX_MS) stopping = true;
    }, 100);
    const failures: string[] = [];
    await Promise.all(
      clients.map((client, i) =>
        chargeUntil(client, drivers[i]?.idToken ?? '', () => stopping, () => acknowledged++, sessions, identities[i] ?? '').catch((error: unknown) => {
          failures.push(`${identities[i]}: ${String(error)}`);
        }),
      ),
    );
    clearInterval(stopWhenDone);
    const loadS = (Date.now() - started) / 1000;
    log(`load done: ${acknowledged} events acknowledged in ${loadS.toFixed(0)} s (${Math.round(acknowledged / loadS)}/s), ${sessions.length} sessions, ${failures.length} charger failures`);

    phase = 'drain';
    const drainStarted = Date.now();
    while (settled.size < sessions.length && Date.now() - drainStarted < 600_000) {
      await sleep(5_000);
      await collectSettled();
      log(`drain: ${settled.size} of ${sessions.length} sessions settled`);
    }
    const drainS = (Date.now() - drainStarted) / 1000;
    collecting = false;
    await collector;

    phase = 'rest';
    const restS = Math.max(KEEP_S, SESSION_KEEP_S) + 20;
    log(`at rest for ${restS} s: completed jobs, ended sessions' marks and the CSMS's settled session records past their time leave`);
    await sleep(restS * 1000);
    // A job finishing is what trims by age: one more session makes the rule run once at rest.
    await sample();
    clearInterval(sampler);

    log('checking every driver was debited once per session, by what the CSMS recorded');
    const chargedByDriver = new Map<string, number>();
    for (const [sessionId, { charged }] of settled) {
      const index = identities.indexOf(sessionId.replace(/-\d+$/, ''));
      const accountId = drivers[index]?.accountId ?? '';
      chargedByDriver.set(accountId, (chargedByDriver.get(accountId) ?? 0) + charged);
    }
    let doubled = 0;
    for (const driver of drivers) {
      const account = await stack.gateway('wallets').evaluate('Wallet:getAccount', { accountId: driver.accountId });
      if (account.balance !== 1_000_000_000 - (chargedByDriver.get(driver.accountId) ?? 0)) doubled++;
    }
    const missing = sessions.filter((sessionId) => !settled.has(sessionId));

    const load = samples.filter((s) => s.phase === 'load');
    const warm = load.filter((s) => s.t >= 60);
    const rest = samples.filter((s) => s.phase === 'rest').at(-1);
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    // Bytes per event in flight: the slope of Redis memory over the queue's depth during the load.
    const mx = mean(load.map((s) => s.depth));
    const my = mean(load.map((s) => s.redisUsedBytes));
    const slope = load.reduce((a, s) => a + (s.depth - mx) * (s.redisUsedBytes - my), 0) / Math.max(1, load.reduce((a, s) => a + (s.depth - mx) ** 2, 0));
    const bridgeCpu = mean(warm.map((s) => s.cpu['bridge'] ?? 0));
    const appliedRate = warm.length > 1 ? ((warm.at(-1)?.applied ?? 0) - (warm[0]?.applied ?? 0)) / ((warm.at(-1)?.t ?? 0) - (warm[0]?.t ?? 0)) : 0;
    const result = {
      settings: { chargers: CHARGERS, intervalMs: INTERVAL_MS, readingsPerSession: READINGS, targetEvents: TARGET_EVENTS, keepCompletedS: KEEP_S, keepCompletedCount: 20_000, sessionRetentionS: SESSION_KEEP_S, sampleS: SAMPLE_MS / 1000 },
      acknowledged,
      sessions: sessions.length,
      settled: settled.size,
      missing: missing.length,
      driversNotDebitedExactlyOnce: doubled,
      chargerFailures: failures,
      loadS,
      drainS,
      eventsPerS: acknowledged / loadS,
      appliedPerSAfterWarmUp: appliedRate,
      bridgeCpuPercentAfterWarmUp: bridgeCpu,
      bridgeEventsPerSPerCore: appliedRate / Math.max(0.01, bridgeCpu / 100),
      redisBeforeLoadBytes: before.usedBytes,
      redisAfterWarmUpBytes: { min: Math.min(...warm.map((s) => s.redisUsedBytes)), max: Math.max(...warm.map((s) => s.redisUsedBytes)), mean: mean(warm.map((s) => s.redisUsedBytes)) },
      aofAfterWarmUpBytes: { min: Math.min(...warm.map((s) => s.aofBytes)), max: Math.max(...warm.map((s) => s.aofBytes)) },
      lagAfterWarmUpMs: { mean: mean(warm.map((s) => s.oldestWaitingMs)), max: Math.max(...warm.map((s) => s.oldestWaitingMs)) },
      depthAfterWarmUp: { mean: mean(warm.map((s) => s.depth)), max: Math.max(...warm.map((s) => s.depth)) },
      bytesPerEventInFlight: slope,
      atRest: rest === undefined ? undefined : { redisUsedBytes: rest.redisUsedBytes, completedJobs: rest.completedJobs, keys: rest.keys, bytesAboveBeforeLoad: rest.redisUsedBytes - before.usedBytes },
      samples,
    };
    console.log(JSON.stringify({ ...result, samples: `${samples.length} samples (in soak.json)` }, null, 2));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(path.join(values.out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
      const mb = (bytes: number): number => bytes / 2 ** 20;
      const title = `${(acknowledged / 1e6).toFixed(2)} M events, ${CHARGERS} chargers, CSMS + Redis + bridge (embedded ledger)`;
      writeFileSync(
        path.join(values.out, 'soak-memory.svg'),
        lineChart({
          title: `Redis memory and append-only file: ${title}`,
          xLabel: 'seconds since the load started (load, drain, rest)',
          yLabel: 'MB',
          series: [
            { name: 'Redis used_memory (MB)', color: '#1f77b4', points: samples.map((s) => ({ x: s.t, y: mb(s.redisUsedBytes) })) },
            { name: 'append-only file (MB)', color: '#ff7f0e', points: samples.map((s) => ({ x: s.t, y: mb(s.aofBytes) })) },
          ],
        }),
      );
      writeFileSync(
        path.join(values.out, 'soak-lag.svg'),
        lineChart({
          title: `Bridge lag and queue depth: ${title}`,
          xLabel: 'seconds since the load started (load, drain, rest)',
          yLabel: 'oldest waiting event (s)',
          yRightLabel: 'events not yet applied',
          series: [
            { name: 'oldest waiting event (s)', color: '#d62728', points: samples.map((s) => ({ x: s.t, y: s.oldestWaitingMs / 1000 })) },
            { name: 'queue depth (right)', color: '#2ca02c', right: true, points: samples.map((s) => ({ x: s.t, y: s.depth })) },
          ],
        }),
      );
      const rate = samples.slice(1).map((s, i) => ({ t: s.t, inPerS: (s.acknowledged - (samples[i]?.acknowledged ?? 0)) / (s.t - (samples[i]?.t ?? 0)), appliedPerS: (s.applied - (samples[i]?.applied ?? 0)) / (s.t - (samples[i]?.t ?? 0)), bridgeCpu: s.cpu['bridge'] ?? 0 }));
      writeFileSync(
        path.join(values.out, 'soak-rate.svg'),
        lineChart({
          title: `Events per second in and applied, bridge CPU: ${title}`,
          xLabel: 'seconds since the load started (load, drain, rest)',
          yLabel: 'events per second',
          yRightLabel: 'bridge CPU (% of a core)',
          series: [
            { name: 'acknowledged to chargers /s', color: '#1f77b4', points: rate.map((r) => ({ x: r.t, y: r.inPerS })) },
            { name: 'applied or superseded by the bridge /s', color: '#2ca02c', points: rate.map((r) => ({ x: r.t, y: Math.max(0, r.appliedPerS) })) },
            { name: 'bridge CPU % (right)', color: '#9467bd', right: true, points: rate.map((r) => ({ x: r.t, y: r.bridgeCpu })) },
          ],
        }),
      );
    }
    if (missing.length > 0 || doubled > 0) process.exitCode = 1;
  } finally {
    await Promise.all(clients.map((client) => client.close({ force: true }).catch(() => undefined)));
    redis?.disconnect();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
