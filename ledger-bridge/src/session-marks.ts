import { createHash } from 'node:crypto';
import type { LedgerEvent } from '@chargeledger/ledger-queue';
import type { Redis } from 'ioredis';
import type { ProgressLevel, RecordedProgress, SessionPricing } from './progress-rule';

/** The open mark of a session the ledger did not open; an opened session's mark is its driver's account (a mark of an older bridge is '1'). */
export const OPEN_REFUSED = '1';

/**
 * Whether an event may be applied now, decided in one round trip (ADR 0026, 0029):
 * - `wait-open`: its session's open has not finished and is still in the queue, or is in none but the event is
 *   young enough that it may yet come;
 * - `superseded`: a reading that adds nothing: a later reading of its session was applied or is in a bridge's
 *   hands already, or the session's end is queued or applied, or the bridge no longer knows the session at all
 *   (it ended longer ago than completed jobs are kept);
 * - `locked`: another live job holds the session's lock;
 * - `go`: the lock is taken for this job; `opened` is the driver's account of the open (OPEN_REFUSED if the
 *   ledger refused it, undefined when the bridge no longer knows).
 */
export type Gate = { readonly kind: 'wait-open' } | { readonly kind: 'superseded' } | { readonly kind: 'locked' } | { readonly kind: 'go'; readonly opened: string | undefined };

/**
 * What applying an event leaves in the session's marks: an open, what prices its readings (ADR 0032); a reading,
 * how far its progress is on the ledger.
 */
export type Mark = { readonly open: string; readonly pricing?: SessionPricing } | { readonly appliedAtMs: number; readonly ended: boolean; readonly recorded?: RecordedProgress } | undefined;

/** What prices a session's readings and how far its progress is on the ledger; undefined for a session opened before ADR 0032. */
export interface SessionProgress {
  readonly pricing: SessionPricing;
  readonly recorded: RecordedProgress;
}

/**
 * KEYS: marks hash, open mark and progress mark of an older bridge, session lock, the end's job, the open's job.
 * ARGV: job id, lock ms, the queue's key prefix, event kind, reading's time (ms), the marks' time to live (s), and
 * '1' while the event may still wait for an open that is in no queue (it may yet be published), else '0'.
 * A session lock held by a job whose BullMQ lock (`<queue prefix><job id>:lock`) has lapsed yields (ADR 0026).
 */
const ENTER = `local kind = ARGV[4]
local open = false
if kind ~= 'SessionStarted' then
  open = redis.call('hget', KEYS[1], 'open') or redis.call('get', KEYS[2])
  if not open then
    if ARGV[7] == '1' or (redis.call('exists', KEYS[6]) == 1 and not redis.call('hget', KEYS[6], 'finishedOn')) then return {'wait-open'} end
    if kind == 'MeterSampled' then return {'superseded'} end
    open = ''
  end
end
if kind == 'MeterSampled' then
  local at = tonumber(ARGV[5])
  local applied = redis.call('hget', KEYS[1], 'applied') or redis.call('get', KEYS[3])
  if applied and tonumber(applied) >= at then return {'superseded'} end
  if redis.call('exists', KEYS[5]) == 1 then return {'superseded'} end
  local seen = redis.call('hget', KEYS[1], 'seen')
  if seen and tonumber(seen) > at then return {'superseded'} end
  if not seen or tonumber(seen) < at then
    redis.call('hset', KEYS[1], 'seen', ARGV[5])
    if redis.call('ttl', KEYS[1]) < 0 then redis.call('expire', KEYS[1], ARGV[6]) end
  end
end
local holder = redis.call('get', KEYS[4])
if holder and holder ~= ARGV[1] and redis.call('exists', ARGV[3] .. holder .. ':lock') == 1 then return {'locked'} end
redis.call('set', KEYS[4], ARGV[1], 'PX', ARGV[2])
return {'go', open or ''}`;

/** KEYS: marks hash, session lock. ARGV: job id, time to live (s) or '', then fields and values. Frees the lock only if this job holds it. */
const LEAVE = `if #ARGV > 2 then
  redis.call('hset', KEYS[1], unpack(ARGV, 3))
  if ARGV[2] ~= '' then redis.call('expire', KEYS[1], ARGV[2]) end
end
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1`;

/** A Lua script sent once and then called by its digest. */
class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

const enter = new Script(ENTER);
const leave = new Script(LEAVE);

export interface SessionMarksOptions {
  readonly connection: Redis;
  /** The queue prefix both sides share. */
  readonly prefix: string;
  /** The events queue's key prefix (`Queue.toKey('')`): job hashes and BullMQ's job locks live under it. */
  readonly jobKeyPrefix: string;
  readonly sessionLockMs: number;
  /** How long a session's marks live while it runs: longer than any session and its retries. */
  readonly openTtlS: number;
  /** How long they live once its end is applied: as long as completed jobs are kept (ADR 0029). */
  readonly endedTtlS: number;
}

/**
 * What the bridges know about each session, in one hash per session (`<prefix>:bridge:session:<id>`): `open`
 * (the open's outcome), `pricing` (hold, frozen tariff version and start, JSON), `applied` (the latest reading
 * applied; the end writes the largest number), `seen` (the latest reading a bridge has taken), `recorded` (how
 * far its progress is on the ledger, JSON), and the session's lock beside it. Kept apart from the jobs, which are
 * removed once completed.
 */
export class SessionMarks {
  readonly #options: SessionMarksOptions;
  readonly #bridgeKeys: string;

  constructor(options: Readonly<SessionMarksOptions>) {
    this.#options = options;
    this.#bridgeKeys = `${options.prefix}:bridge:`;
  }

  /** `mayWaitForOpen`: whether the event may still wait for an open that no queue holds (it is young). */
  async enter(event: LedgerEvent, jobId: string, mayWaitForOpen: boolean): Promise<Gate> {
    const { sessionId } = event;
    const keys = [this.#marksKey(sessionId), `${this.#bridgeKeys}open-finished:${sessionId}`, `${this.#bridgeKeys}progress:${sessionId}`, this.#lockKey(sessionId), `${this.#options.jobKeyPrefix}ended.${sessionId}`, `${this.#options.jobKeyPrefix}started.${sessionId}`];
    const at = event.kind === 'MeterSampled' ? Date.parse(event.sampledAt) : 0;
    const [kind, opened] = (await enter.run(this.#options.connection, keys, [jobId, this.#options.sessionLockMs, this.#options.jobKeyPrefix, event.kind, at, this.#options.openTtlS, mayWaitForOpen ? '1' : '0'])) as [string, string?];
    if (kind === 'go') return { kind, opened: opened === '' ? undefined : opened };
    return { kind: kind as 'wait-open' | 'superseded' | 'locked' } as Gate;
  }

  /** Records what applying the event left, and frees the session's lock if this job still holds it. */
  async leave(event: LedgerEvent, jobId: string, mark: Mark): Promise<void> {
    const keys = [this.#marksKey(event.sessionId), this.#lockKey(event.sessionId)];
    let args: (string | number)[] = [jobId, ''];
    if (mark !== undefined && 'open' in mark) args = [jobId, this.#options.openTtlS, 'open', mark.open, ...(mark.pricing === undefined ? [] : ['pricing', JSON.stringify(mark.pricing)])];
    else if (mark !== undefined) {
      args = [jobId, mark.ended ? this.#options.endedTtlS : '', 'applied', mark.ended ? Number.MAX_SAFE_INTEGER : mark.appliedAtMs, ...(mark.recorded === undefined ? [] : ['recorded', JSON.stringify(mark.recorded)])];
    }
    await leave.run(this.#options.connection, keys, args);
  }

  /** What prices the session's readings, as its open left it, and how far its progress is on the ledger. */
  async progressOf(sessionId: string): Promise<SessionProgress | undefined> {
    const [pricing, recorded] = await this.#options.connection.hmget(this.#marksKey(sessionId), 'pricing', 'recorded');
    if (pricing === null || pricing === undefined) return undefined;
    const parsed = JSON.parse(pricing) as SessionPricing;
    const progress = recorded === null || recorded === undefined ? { level: 0 as ProgressLevel, atMs: parsed.startMs } : (JSON.parse(recorded) as RecordedProgress);
    return { pricing: parsed, recorded: progress };
  }

  #marksKey(sessionId: string): string {
    return `${this.#bridgeKeys}session:${sessionId}`;
  }

  #lockKey(sessionId: string): string {
    return `${this.#bridgeKeys}session-lock:${sessionId}`;
  }
}
