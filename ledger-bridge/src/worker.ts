import { endedEventId, type LedgerEvent, type LedgerOutcome, ledgerEventRetryDelayMs } from '@chargeledger/ledger-queue';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { applyEvent, type Outcome } from './apply-event';
import { classifyLedgerError, LedgerRefusal } from './errors';
import { CONFIRM_REFUSAL_MS, type ChargingLedger } from './ledger';
import { SettlementBatcher } from './settlement-batcher';

/** Longer than any session and its retries can take. */
const OPEN_MARK_TTL_S = 60 * 24 * 3600;
/**
 * How soon a killed bridge's jobs are taken up again (ADR 0026). A job's lock lasts JOB_LOCK_MS and is renewed
 * every half of it while its bridge lives; every STALLED_CHECK_MS, starting when a bridge starts, a bridge moves
 * back to waiting every job whose lock has lapsed. A job a killed bridge held is taken up again within about
 * JOB_LOCK_MS + STALLED_CHECK_MS of the kill, by any bridge, the restarted one included. A live bridge whose
 * event loop stalls longer than half a lock loses its jobs to another run; the event ids make that harmless.
 */
const JOB_LOCK_MS = 4_000;
const STALLED_CHECK_MS = 1_000;
/** How often a job may lose its bridge (killed, or cut from Redis) before BullMQ fails it as one that kills bridges. */
const MAX_STALLS = 20;
/**
 * Longer than one event's ledger calls can take. The lock yields earlier to anyone once its holder's job lock
 * has lapsed (a bridge killed while holding it), and at once to the holder's own job run again.
 */
const SESSION_LOCK_MS = 60_000;
/** The open mark of a session the ledger did not open; an opened session's mark is its driver's account (a mark of an older bridge is '1'). */
const OPEN_REFUSED = '1';
/**
 * Takes the session lock (KEYS[1]) for job ARGV[1] for ARGV[2] ms, unless another job holds it whose BullMQ
 * job lock (`<queue key prefix ARGV[3]><job id>:lock`, the key BullMQ's own stalled check reads) still exists.
 */
const TAKE_SESSION_LOCK = `local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('exists', ARGV[3] .. holder .. ':lock') == 1 then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
/** Deletes the lock only if this job still holds it. */
const RELEASE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface DeadLetter {
  readonly event: LedgerEvent;
  readonly code: string;
  readonly reason: string;
  readonly transactionId?: string;
  readonly failedAt: string;
}

export interface LedgerWorkerOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** Where refused and exhausted holds are reported for the CSMS to stop the charger. */
  readonly outcomesQueueName: string;
  readonly ledger: ChargingLedger;
  readonly log: Logger;
  readonly concurrency: number;
  /** How long an event waits before it looks again whether its session's open has been applied. */
  readonly orderingDelayMs: number;
  /** How session ends share transactions (ADR 0022): at most this many a transaction, this many transactions at once. */
  readonly settlementBatch: Readonly<{ maxPerTransaction: number; transactionsInFlight: number }>;
}

/**
 * Consumes the CSMS's events and applies them to the ledger, at least once; the chaincode's event-id
 * idempotency makes the effect exactly once. Order per session holds with any concurrency: an update or
 * end waits (delayed, not failed) until the open of its session has completed. A business refusal is
 * final: the job fails without retry and a dead letter keeps the event and the reason. Anything else is
 * rethrown for BullMQ's backoff.
 */
export class LedgerWorker {
  readonly #worker: Worker<LedgerEvent, Outcome>;
  readonly #events: Queue<LedgerEvent>;
  readonly #deadLetters: Queue<DeadLetter>;
  readonly #outcomes: Queue<LedgerOutcome>;
  readonly #redis: Redis;
  readonly #openedKeyPrefix: string;
  readonly #settlements: SettlementBatcher;

  constructor(options: Readonly<LedgerWorkerOptions>) {
    this.#redis = options.connection;
    this.#settlements = new SettlementBatcher({ ledger: options.ledger, ...options.settlementBatch, confirmRefusalMs: CONFIRM_REFUSAL_MS, log: options.log });
    this.#openedKeyPrefix = `${options.prefix}:bridge:open-finished:`;
    const queueOptions = { connection: options.connection, prefix: options.prefix };
    this.#events = new Queue(options.queueName, queueOptions);
    this.#deadLetters = new Queue(options.deadLetterQueueName, queueOptions);
    this.#outcomes = new Queue(options.outcomesQueueName, queueOptions);
    this.#worker = new Worker<LedgerEvent, Outcome>(
      options.queueName,
      async (job, token) => {
        const event = job.data;
        const log = options.log.child({ eventId: event.eventId, sessionId: event.sessionId, attempt: job.attemptsMade + 1 });
        const opened = event.kind === 'SessionStarted' ? undefined : await this.#openFinished(event.sessionId);
        if (event.kind !== 'SessionStarted' && opened === undefined) {
          await job.moveToDelayed(Date.now() + options.orderingDelayMs, token);
          throw new DelayedError();
        }
        // One event of a session at a time, across every worker and bridge: events of one session write the
        // same keys, and applied side by side they would only invalidate each other (MVCC) and back off.
        const lock = this.#sessionLockKey(event.sessionId);
        if ((await this.#redis.eval(TAKE_SESSION_LOCK, 1, lock, job.id ?? event.eventId, SESSION_LOCK_MS, this.#events.toKey(''))) !== 1) {
          await job.moveToDelayed(Date.now() + Math.min(50, options.orderingDelayMs), token);
          throw new DelayedError();
        }
        try {
          if (event.kind === 'MeterSampled' && ((await this.#superseded(event.sessionId, Date.parse(event.sampledAt))) || (await this.#endQueued(event.sessionId)))) {
            // A reading the end follows adds nothing the settlement needs, and its transaction would only delay the end.
            log.debug('a later reading or the session end was applied or queued already; this reading adds nothing');
            return { kind: 'progress-superseded', sessionId: event.sessionId };
          }
          // Session ends share transactions; the driver's account (known from the open) keeps one driver's apart.
          const outcome = event.kind === 'SessionEnded' ? await this.#settlements.settle(event, opened === OPEN_REFUSED ? undefined : opened) : await applyEvent(options.ledger, event);
          if (event.kind === 'SessionStarted') await this.#markOpenFinished(event.sessionId, outcome.kind === 'session-opened' ? outcome.driverAccountId : OPEN_REFUSED);
          if (event.kind === 'MeterSampled') await this.#markProgress(event.sessionId, Date.parse(event.sampledAt));
          if (event.kind === 'SessionEnded') await this.#markProgress(event.sessionId, Number.MAX_SAFE_INTEGER);
          await this.#report(event, outcome);
          log.info({ outcome: outcome.kind }, 'event applied to the ledger');
          return outcome;
        } catch (error) {
          const sorted = classifyLedgerError(error);
          if (sorted instanceof LedgerRefusal) {
            if (event.kind === 'SessionStarted') {
              await this.#markOpenFinished(event.sessionId, OPEN_REFUSED);
              // A session the ledger will not open must not go on charging for free.
              await this.#report(event, { kind: 'hold-refused', sessionId: event.sessionId, chargerId: event.chargerId, reason: `${sorted.code}: ${sorted.reason}` });
            }
            await this.#deadLetters.add('refused', { event, code: sorted.code, reason: sorted.reason, ...(sorted.transactionId === undefined ? {} : { transactionId: sorted.transactionId }), failedAt: new Date().toISOString() }, { jobId: event.eventId });
            log.warn({ code: sorted.code, reason: sorted.reason }, 'the ledger refused the event; kept as a dead letter');
            throw new UnrecoverableError(sorted.message);
          }
          log.warn({ err: sorted }, 'ledger unavailable; the event will be retried');
          throw sorted;
        } finally {
          await this.#redis.eval(RELEASE_IF_OWNER, 1, lock, job.id ?? event.eventId);
        }
      },
      // The delay of each retry of an event the ledger could not take: capped, so a recovered ledger is used within seconds.
      {
        ...queueOptions,
        concurrency: options.concurrency,
        autorun: false,
        lockDuration: JOB_LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
        maxStalledCount: MAX_STALLS,
        settings: { backoffStrategy: (attemptsMade: number) => ledgerEventRetryDelayMs(attemptsMade) },
      },
    );
  }

  run(): void {
    void this.#worker.run();
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const jobs = await this.#deadLetters.getJobs(['waiting', 'delayed', 'completed', 'failed']);
    return jobs.map((job: Job<DeadLetter>) => job.data);
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#events.close();
    await this.#deadLetters.close();
    await this.#outcomes.close();
  }

  /** The job id makes the report idempotent: a redelivered event reports once. */
  async #report(event: LedgerEvent, outcome: Outcome): Promise<void> {
    const base = { eventId: event.eventId, sessionId: event.sessionId, chargerId: event.chargerId };
    if (outcome.kind === 'hold-refused') {
      await this.#outcomes.add('HoldRefused', { ...base, kind: 'HoldRefused', reason: outcome.reason }, { jobId: `outcome.${event.eventId}`, attempts: 20, backoff: { type: 'exponential', delay: 1000 } });
    } else if (outcome.kind === 'progress-recorded' && outcome.holdExhausted) {
      await this.#outcomes.add('HoldExhausted', { ...base, kind: 'HoldExhausted', reason: `estimated cost ${outcome.estimatedCost} reached the hold` }, { jobId: `outcome.${event.eventId}`, attempts: 20, backoff: { type: 'exponential', delay: 1000 } });
    }
  }

  /**
   * Whether the open of a session has finished either way: applied (the driver's account it held), or
   * refused for good (OPEN_REFUSED; then the ledger refuses what follows, and says why); undefined while it
   * has not. Kept apart from the job, which may be removed once completed.
   */
  async #openFinished(sessionId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#openedKeyPrefix + sessionId)) ?? undefined;
  }

  async #markOpenFinished(sessionId: string, driverAccountId: string): Promise<void> {
    await this.#redis.set(this.#openedKeyPrefix + sessionId, driverAccountId, 'EX', OPEN_MARK_TTL_S);
  }

  #sessionLockKey(sessionId: string): string {
    return `${this.#openedKeyPrefix.replace(/open-finished:$/, 'session-lock:')}${sessionId}`;
  }

  #progressKey(sessionId: string): string {
    return `${this.#openedKeyPrefix.replace(/open-finished:$/, 'progress:')}${sessionId}`;
  }

  /** Whether a reading at `sampledAtMs` comes after the session's end or a later reading was applied. */
  async #superseded(sessionId: string, sampledAtMs: number): Promise<boolean> {
    const applied = await this.#redis.get(this.#progressKey(sessionId));
    return applied !== null && Number(applied) >= sampledAtMs;
  }

  /** Whether the session's end is in the queue (waiting, running or done): the settlement supersedes every reading. */
  async #endQueued(sessionId: string): Promise<boolean> {
    return (await this.#events.getJob(endedEventId(sessionId))) !== undefined;
  }

  async #markProgress(sessionId: string, atMs: number): Promise<void> {
    await this.#redis.set(this.#progressKey(sessionId), String(atMs), 'EX', OPEN_MARK_TTL_S);
  }
}
