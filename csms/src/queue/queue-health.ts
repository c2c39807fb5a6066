import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';

/** How the queue to the ledger bridge and the Redis under it stand, as last sampled. */
export interface QueueHealthSnapshot {
  readonly sampledAt: string;
  /** Events not yet applied: waiting, delayed (for order or a retry), being applied. */
  readonly depth: number;
  /** How long the oldest of them has been in the queue, in ms; 0 when none waits. */
  readonly oldestWaitingMs: number;
  readonly redisUsedBytes: number;
  /** Redis's maxmemory; 0 when it has none. */
  readonly redisMaxBytes: number;
  /** Whether new sessions are accepted: false while Redis uses the configured share of its maxmemory or more. */
  readonly newSessionsAccepted: boolean;
}

export interface QueueHealthOptions {
  /** The CSMS's commands connection. */
  readonly connection: Redis;
  /** The events queue's key prefix, `<prefix>:<queue name>:` (BullMQ's `Queue.toKey('')`). */
  readonly queueKeyPrefix: string;
  /** New sessions are refused at this fraction of Redis's maxmemory and accepted again below it minus HYSTERESIS. */
  readonly newSessionsMaxRedisFraction: number;
  /** A warning is logged while the oldest event has waited longer than this. */
  readonly lagWarningMs: number;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Below the limit by this much again before new sessions are accepted, so that the answer does not flap. */
const HYSTERESIS = 0.05;
/** A lag or memory warning is repeated at most this often while it lasts. */
const WARNING_EVERY_MS = 30_000;
/** Jobs looked at in each set for the oldest: the wait list's tail is its oldest; delayed and active sets are short. */
const OLDEST_SCAN = 100;

/**
 * KEYS: wait list, delayed, active list, prioritized. ARGV: job key prefix, how many of each set to look at.
 * Returns the depth and the smallest `timestamp` (when the CSMS added the job) among the jobs looked at.
 */
const DEPTH_AND_OLDEST = `local depth = redis.call('llen', KEYS[1]) + redis.call('zcard', KEYS[2]) + redis.call('llen', KEYS[3]) + redis.call('zcard', KEYS[4])
local oldest = false
local n = tonumber(ARGV[2])
local function consider(id)
  local ts = redis.call('hget', ARGV[1] .. id, 'timestamp')
  if ts then
    ts = tonumber(ts)
    if not oldest or ts < oldest then oldest = ts end
  end
end
local tail = redis.call('lindex', KEYS[1], -1)
if tail then consider(tail) end
for _, id in ipairs(redis.call('zrange', KEYS[2], 0, n - 1)) do consider(id) end
for _, id in ipairs(redis.call('lrange', KEYS[3], -n, -1)) do consider(id) end
for _, id in ipairs(redis.call('zrange', KEYS[4], 0, n - 1)) do consider(id) end
return {depth, oldest and tostring(oldest) or ''}`;

/**
 * Watches what the CSMS promises chargers against what Redis can hold and the bridge keeps up with (ADR 0029):
 * the events queue's depth and oldest event, and Redis's memory against its maxmemory. New sessions are refused
 * while Redis is near its limit, so that the sessions already accepted can store their readings and their
 * ends; the log says so plainly, and says when the bridge falls behind.
 */
export class QueueHealth {
  readonly #options: QueueHealthOptions;
  #last: QueueHealthSnapshot;
  #accepting = true;
  #lagWarnedAt = 0;
  #memoryWarnedAt = 0;

  constructor(options: Readonly<QueueHealthOptions>) {
    this.#options = options;
    this.#last = { sampledAt: options.clock.now().toISOString(), depth: 0, oldestWaitingMs: 0, redisUsedBytes: 0, redisMaxBytes: 0, newSessionsAccepted: true };
  }

  /** The last sample; new sessions are decided on it. */
  get last(): QueueHealthSnapshot {
    return this.#last;
  }

  admitsNewSessions(): boolean {
    return this.#accepting;
  }

  /** Samples Redis once; keeps the previous sample when Redis cannot be asked (the publish says so itself). */
  async sample(): Promise<QueueHealthSnapshot> {
    const { connection, queueKeyPrefix: q, clock, log } = this.#options;
    let info: string;
    let depth: number;
    let oldest: string;
    try {
      const [memory, counted] = await Promise.all([
        connection.info('memory'),
        connection.eval(DEPTH_AND_OLDEST, 4, `${q}wait`, `${q}delayed`, `${q}active`, `${q}prioritized`, q, OLDEST_SCAN) as Promise<[number, string]>,
      ]);
      info = memory;
      [depth, oldest] = counted;
    } catch (error) {
      log.warn({ err: error }, 'could not sample the event queue and Redis memory');
      return this.#last;
    }
    const now = clock.now();
    const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const used = field('used_memory');
    const max = field('maxmemory');
    const snapshot = { sampledAt: now.toISOString(), depth, oldestWaitingMs: oldest === '' ? 0 : Math.max(0, now.getTime() - Number(oldest)), redisUsedBytes: used, redisMaxBytes: max };
    this.#decide(snapshot, now.getTime());
    this.#last = { ...snapshot, newSessionsAccepted: this.#accepting };
    return this.#last;
  }

  #decide(snapshot: Omit<QueueHealthSnapshot, 'newSessionsAccepted'>, nowMs: number): void {
    const { log, newSessionsMaxRedisFraction: limit, lagWarningMs } = this.#options;
    const share = snapshot.redisMaxBytes === 0 ? 0 : snapshot.redisUsedBytes / snapshot.redisMaxBytes;
    const memory = { redisUsedMb: Math.round(snapshot.redisUsedBytes / 2 ** 20), redisMaxMb: Math.round(snapshot.redisMaxBytes / 2 ** 20), percent: Math.round(share * 100), refuseAtPercent: Math.round(limit * 100) };
    if (this.#accepting && share >= limit) {
      this.#accepting = false;
      this.#memoryWarnedAt = nowMs;
      log.error(memory, 'Redis is near its memory limit: new sessions are refused (Authorize and transaction starts answered NotAtThisTime, 1.6 Blocked); events of sessions already accepted are still stored');
    } else if (!this.#accepting && share < limit - HYSTERESIS) {
      this.#accepting = true;
      log.warn(memory, 'Redis has room again: new sessions are accepted');
    } else if (!this.#accepting && nowMs - this.#memoryWarnedAt >= WARNING_EVERY_MS) {
      this.#memoryWarnedAt = nowMs;
      log.error(memory, 'Redis is still near its memory limit: new sessions are refused');
    }
    if (snapshot.oldestWaitingMs > lagWarningMs) {
      if (nowMs - this.#lagWarnedAt >= WARNING_EVERY_MS) {
        this.#lagWarnedAt = nowMs;
        log.warn({ depth: snapshot.depth, oldestWaitingS: Math.round(snapshot.oldestWaitingMs / 1000), warnAboveS: lagWarningMs / 1000 }, 'the ledger bridge is behind: events wait longer than they should');
      }
    } else if (this.#lagWarnedAt !== 0) {
      this.#lagWarnedAt = 0;
      log.info({ depth: snapshot.depth, oldestWaitingS: Math.round(snapshot.oldestWaitingMs / 1000) }, 'the ledger bridge has caught up');
    }
  }
}

/** Samples every `intervalMs` until stopped; the first sample is taken before it resolves. */
export async function watchQueueHealth(health: QueueHealth, intervalMs: number): Promise<{ stop(): void }> {
  await health.sample();
  const timer = setInterval(() => void health.sample(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
