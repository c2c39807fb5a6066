import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RPCClient } from 'ocpp-rpc';
import { Redis } from 'ioredis';
import { adminRequest, issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const PASSWORD = 'a-long-charger-password';

/**
 * A Redis of the test's own, started and stopped by scripts/redis.sh as the stack starts its own, in a data
 * folder of the test's own and on a free port, with the settings given.
 */
class ScriptedRedis {
  readonly #env: NodeJS.ProcessEnv;
  readonly connection: Redis;

  private constructor(readonly port: number, readonly dataDir: string, settings: Record<string, string>) {
    this.#env = { ...process.env, REDIS_PORT: String(port), CHARGELEDGER_DATA_DIR: dataDir, ...settings };
    this.connection = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  }

  static async start(settings: Record<string, string>): Promise<ScriptedRedis> {
    const redis = new ScriptedRedis(await freePort(), mkdtempSync(path.join(tmpdir(), 'chargeledger-redis-limits-')), settings);
    await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'start'], { env: redis.#env });
    await redis.connection.connect();
    return redis;
  }

  async info(section: string, field: string): Promise<string> {
    return new RegExp(`^${field}:(.*)$`, 'm').exec(await this.connection.info(section))?.[1]?.trim() ?? '';
  }

  async stop(): Promise<void> {
    this.connection.disconnect();
    await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'stop'], { env: this.#env });
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

describe('the stack’s Redis as scripts/redis.sh runs it (ADR 0029)', () => {
  it('never evicts, fsyncs every write, and rewrites its append-only file by itself once it has grown', async () => {
    const redis = await ScriptedRedis.start({ REDIS_MAXMEMORY: '64mb', REDIS_AOF_REWRITE_PERCENTAGE: '100', REDIS_AOF_REWRITE_MIN_SIZE: '1mb' });
    try {
      const setting = async (name: string): Promise<string | undefined> => ((await redis.connection.config('GET', name)) as string[])[1];
      expect(await setting('maxmemory')).toBe(String(64 * 2 ** 20));
      expect(await setting('maxmemory-policy')).toBe('noeviction');
      expect(await setting('appendfsync')).toBe('always');
      expect(await setting('auto-aof-rewrite-percentage')).toBe('100');
      expect(await setting('auto-aof-rewrite-min-size')).toBe(String(2 ** 20));

      // Jobs come and go: 4 MB written and removed again, in rounds, as completed jobs are.
      const value = 'x'.repeat(8 * 1024);
      const rewriting = async (): Promise<boolean> => (await redis.info('persistence', 'aof_rewrite_in_progress')) !== '0' || (await redis.info('persistence', 'aof_rewrite_scheduled')) !== '0';
      const deadline = Date.now() + 30_000;
      for (let round = 0; round < 8; round++) {
        const pipeline = redis.connection.pipeline();
        for (let i = 0; i < 64; i++) pipeline.set(`job:${round}:${i}`, value);
        for (let i = 0; i < 64; i++) pipeline.del(`job:${round}:${i}`);
        await pipeline.exec();
        // Redis looks every 100 ms (its cron) whether the file has doubled past the minimum, and rewrites one at a time.
        await new Promise((resolve) => setTimeout(resolve, 250));
        while (await rewriting()) {
          if (Date.now() > deadline) throw new Error('a rewrite of the append-only file did not finish');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      expect(Number(await redis.info('persistence', 'aof_rewrites'))).toBeGreaterThan(0);
      // The file holds what memory holds and what came since the last rewrite (under 1 MB and a round), not the
      // 4.4 MB of history.
      expect(Number(await redis.info('persistence', 'aof_current_size'))).toBeLessThan(2 * 2 ** 20);
    } finally {
      await redis.stop();
    }
  });
});

describe('a CSMS whose Redis is near or at its memory limit (ADR 0029)', () => {
  let redis: ScriptedRedis;
  let running: RunningCsms;
  const clients: RPCClient[] = [];

  beforeEach(async () => {
    redis = await ScriptedRedis.start({ REDIS_MAXMEMORY: '24mb' });
    running = await startCsms({ redisPort: redis.port, newSessionsMaxRedisFraction: 0.8 });
    await provisionCharger(running, 'CP-A', PASSWORD);
    await provisionCharger(running, 'CP-B', PASSWORD);
    await issueIdToken(running, 'RFID-A', 'driver-a');
    await issueIdToken(running, 'RFID-B', 'driver-b');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await running.stop();
    await redis.stop();
  });

  async function charger(identity: string): Promise<RPCClient> {
    const client = ocppClient({ endpoint: running.ocppEndpoint, identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  }

  /** Fills Redis with keys of its own until it uses `share` of its maxmemory. */
  async function fill(share: number): Promise<void> {
    const max = Number(await redis.info('memory', 'maxmemory'));
    const value = 'f'.repeat(64 * 1024);
    for (let i = 0; Number(await redis.info('memory', 'used_memory')) < share * max; i++) await redis.connection.set(`filler:${i}`, value);
  }

  /**
   * Redis at its limit: maxmemory below what it uses, so that it refuses every write. (Filled to the limit with
   * keys instead, it would take a small write again a moment later, as buffers are freed.)
   */
  async function atTheLimit(): Promise<void> {
    await redis.connection.config('SET', 'maxmemory', String(Number(await redis.info('memory', 'used_memory')) - 2 ** 20));
  }

  async function queueState(): Promise<Record<string, unknown>> {
    const response = await adminRequest(running, 'GET', '/api/queue');
    expect(response.status).toBe(200);
    return JSON.parse(response.body) as Record<string, unknown>;
  }

  const reading = (transactionId: number, minute: number, wh: number) => ({
    connectorId: 1,
    transactionId,
    meterValue: [{ timestamp: `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`, sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
  });

  it('refuses new sessions cleanly near the limit, keeps storing the events of the sessions it accepted, and at the limit tells the charger to retry rather than acknowledge', async () => {
    const a = await charger('CP-A');
    const b = await charger('CP-B');
    const { transactionId } = (await a.call('StartTransaction', { connectorId: 1, idTag: 'RFID-A', meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };

    await fill(0.85);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await queueState()).toMatchObject({ newSessionsAccepted: false, redisMaxBytes: 24 * 2 ** 20 });
    const metrics = (await adminRequest(running, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^csms_new_sessions_accepted 0$/m);
    expect(metrics).toMatch(/^csms_redis_used_memory_bytes \d+$/m);
    expect(metrics).toMatch(/^csms_ledger_queue_oldest_waiting_seconds [\d.]+$/m);

    // A new session: refused before any energy flows, and nothing of it is queued for the ledger.
    expect(await b.call('Authorize', { idTag: 'RFID-B' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    const refused = (await b.call('StartTransaction', { connectorId: 1, idTag: 'RFID-B', meterStart: 0, timestamp: '2026-11-24T10:01:00.000Z' })) as { transactionId: number; idTagInfo: { status: string } };
    expect(refused.idTagInfo.status).toBe('Blocked');
    expect(await running.queue.getJob(`started.CP-B-${refused.transactionId}`)).toBeUndefined();

    // The session already accepted goes on: its readings and its end are stored and acknowledged.
    expect(await a.call('MeterValues', reading(transactionId, 5, 500))).toEqual({});
    expect(await a.call('MeterValues', reading(transactionId, 10, 1000))).toEqual({});

    // At the limit itself Redis refuses every write: the charger is not acknowledged, and retries.
    await atTheLimit();
    await expect(a.call('StopTransaction', { transactionId, meterStop: 1500, timestamp: '2026-11-24T10:15:00.000Z', reason: 'Local' })).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
    const sessionId = `CP-A-${transactionId}`;
    const queued = async (): Promise<string[]> => (await running.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((job) => String(job.id)).sort();
    expect(await queued()).toEqual([`sampled.${sessionId}.${Date.parse('2026-11-24T10:05:00.000Z')}`, `sampled.${sessionId}.${Date.parse('2026-11-24T10:10:00.000Z')}`, `started.${sessionId}`]);

    // Room again (the operator raised the limit, or removed what filled it): the retried stop is stored.
    await redis.connection.config('SET', 'maxmemory', String(24 * 2 ** 20));
    await redis.connection.del(...(await redis.connection.keys('filler:*')));
    expect(await a.call('StopTransaction', { transactionId, meterStop: 1500, timestamp: '2026-11-24T10:15:00.000Z', reason: 'Local' })).toEqual({});
    expect(await queued()).toContain(`ended.${sessionId}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await queueState()).toMatchObject({ newSessionsAccepted: true, depth: 4 });
  });
});
