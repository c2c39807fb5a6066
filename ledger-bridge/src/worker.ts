import { type FrozenTariff, keepJobs, type KeptJobs, type LedgerEvent, type MeterSampled, type SessionStarted, type LedgerOutcome, ledgerEventRetryDelayMs, type QueueRetention } from '@chargeledger/ledger-queue';
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { applyEvent, resolveToken, type Outcome } from './apply-event';
import { type DeadLetter, DeadLetterOffice } from './dead-letters';
import { type ChargingLedger, classifyLedgerError, CONFIRM_REFUSAL_MS, isFinal } from '@chargeledger/ledger-client';
import { decideProgress, estimateAt, type RecordedProgress, TariffVersions } from './progress-rule';
import { SessionBatcher } from './session-batcher';
import { type Mark, OPEN_REFUSED, SessionMarks } from './session-marks';

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
/**
 * How often a job may lose its bridge (killed, cut from Redis, or starved of CPU past its lock) before BullMQ fails
 * it as one that kills bridges. A bridge starved on a loaded machine loses its locks every few seconds for minutes
 * (one lost cycle takes at least JOB_LOCK_MS); such an event must not become a dead letter, and applying it again is
 * harmless (event ids), so only a job that stalled for about an hour of lost cycles is given up.
 */
const MAX_STALLS = 1_000;
/**
 * Longer than one event's ledger calls can take. The lock yields earlier to anyone once its holder's job lock
 * has lapsed (a bridge killed while holding it), and at once to the holder's own job run again.
 */
const SESSION_LOCK_MS = 60_000;
/**
 * How long an event waits for an open that is in no queue and left no mark. The CSMS publishes a session's open
 * before anything else of it, so this is an event that came first by accident (it waits, in order), or a retry
 * of a session that ended longer ago than the marks are kept: then the ledger, which knows every event it
 * applied, decides (ADR 0029).
 */
const ORPHAN_WAIT_MS = 5 * 60_000;

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
  /** How session opens and ends share transactions (ADR 0022, 0032): at most this many a transaction, this many transactions at once. */
  readonly settlementBatch: Readonly<{ maxPerTransaction: number; transactionsInFlight: number }>;
  /** A session's progress is written to the ledger at least this often of the charger's time (ADR 0032); 0: only near and at the hold. */
  readonly progressAuditMs: number;
  /** How long finished events and dead letters stay in Redis (ADR 0029). */
  readonly retention: QueueRetention;
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
  readonly #deadLetters: DeadLetterOffice;
  readonly #outcomes: Queue<LedgerOutcome>;
  readonly #marks: SessionMarks;
  readonly #batcher: SessionBatcher;
  readonly #tariffs: TariffVersions;
  readonly #ledger: ChargingLedger;
  readonly #progressAuditMs: number;
  readonly #outcomeRetention: { removeOnComplete: KeptJobs; removeOnFail: KeptJobs };
  readonly #options: Readonly<LedgerWorkerOptions>;

  constructor(options: Readonly<LedgerWorkerOptions>) {
    this.#options = options;
    this.#batcher = new SessionBatcher({ ledger: options.ledger, ...options.settlementBatch, confirmRefusalMs: CONFIRM_REFUSAL_MS, log: options.log });
    this.#tariffs = new TariffVersions(options.ledger);
    this.#ledger = options.ledger;
    this.#progressAuditMs = options.progressAuditMs;
    const queueOptions = { connection: options.connection, prefix: options.prefix };
    this.#events = new Queue(options.queueName, queueOptions);
    this.#deadLetters = new DeadLetterOffice({ ...queueOptions, eventsQueueName: options.queueName, deadLetterQueueName: options.deadLetterQueueName, kept: options.retention.failed, log: options.log });
    this.#outcomes = new Queue(options.outcomesQueueName, queueOptions);
    this.#outcomeRetention = { removeOnComplete: keepJobs(options.retention.completed), removeOnFail: keepJobs(options.retention.failed) };
    this.#marks = new SessionMarks({
      connection: options.connection,
      prefix: options.prefix,
      jobKeyPrefix: this.#events.toKey(''),
      sessionLockMs: SESSION_LOCK_MS,
      openTtlS: OPEN_MARK_TTL_S,
      endedTtlS: options.retention.completed.age,
    });
    this.#worker = new Worker<LedgerEvent, Outcome>(
      options.queueName,
      async (job, token) => {
        const event = job.data;
        const jobId = job.id ?? event.eventId;
        // A child logger per event costs more than the event's own Redis work; made only when something is logged.
        const log = (): Logger => options.log.child({ eventId: event.eventId, sessionId: event.sessionId, attempt: job.attemptsMade + 1 });
        // Order, supersession and the session lock in one round trip. One event of a session at a time, across
        // every worker and bridge: events of one session write the same keys, and applied side by side they
        // would only invalidate each other (MVCC) and back off.
        const gate = await this.#marks.enter(event, jobId, Date.now() - job.timestamp < ORPHAN_WAIT_MS);
        if (gate.kind === 'wait-open' || gate.kind === 'locked') {
          await job.moveToDelayed(Date.now() + (gate.kind === 'locked' ? Math.min(50, options.orderingDelayMs) : options.orderingDelayMs), token);
          throw new DelayedError();
        }
        if (gate.kind === 'superseded') {
          // A reading a later one or the end follows adds nothing the settlement needs, and its transaction would only delay the end.
          return { kind: 'progress-superseded', sessionId: event.sessionId };
        }
        let mark: Mark = undefined;
        try {
          let outcome: Outcome;
          if (event.kind === 'SessionEnded') {
            // Session opens and ends share transactions; the driver's account (known from the open) keeps one driver's apart.
            outcome = await this.#batcher.settle(event, gate.opened === OPEN_REFUSED ? undefined : gate.opened);
            mark = { appliedAtMs: Number.MAX_SAFE_INTEGER, ended: true };
          } else if (event.kind === 'SessionStarted') {
            outcome = await this.#open(event);
            mark = outcome.kind === 'session-opened' ? { open: outcome.driverAccountId, ...(outcome.tariff === undefined ? {} : { pricing: { holdAmount: outcome.holdAmount, tariffId: outcome.tariff.tariffId, tariffVersion: outcome.tariff.version, startMs: Date.parse(event.startedAt) } }) } : { open: OPEN_REFUSED };
          } else {
            const progress = await this.#progress(event);
            outcome = progress.outcome;
            mark = { appliedAtMs: Date.parse(event.sampledAt), ended: false, ...(progress.recorded === undefined ? {} : { recorded: progress.recorded }) };
          }
          await this.#report(event, outcome);
          if (event.kind === 'MeterSampled') log().debug({ outcome: outcome.kind }, 'event applied to the ledger');
          else log().info({ outcome: outcome.kind }, 'event applied to the ledger');
          return outcome;
        } catch (error) {
          const sorted = classifyLedgerError(error);
          // decideRetry's `final` (@chargeledger/ledger-client): kept as a dead letter; anything else is BullMQ's backoff.
          if (isFinal(sorted)) {
            if (event.kind === 'SessionStarted') {
              mark = { open: OPEN_REFUSED };
              // A session the ledger will not open must not go on charging for free.
              await this.#report(event, { kind: 'hold-refused', sessionId: event.sessionId, chargerId: event.chargerId, reason: `${sorted.code}: ${sorted.reason}` });
            }
            await this.#deadLetters.record({ event, code: sorted.code, reason: sorted.reason, ...(sorted.transactionId === undefined ? {} : { transactionId: sorted.transactionId }), failedAt: new Date().toISOString() });
            log().warn({ code: sorted.code, reason: sorted.reason }, 'the ledger refused the event; kept as a dead letter');
            throw new UnrecoverableError(sorted.message);
          }
          log().warn({ err: sorted }, 'ledger unavailable; the event will be retried');
          throw sorted;
        } finally {
          await this.#marks.leave(event, jobId, mark);
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
        // For jobs added without a rule of their own (before ADR 0029, or re-driven): the CSMS adds the same.
        removeOnComplete: keepJobs(options.retention.completed),
        removeOnFail: keepJobs(options.retention.failed),
        settings: { backoffStrategy: (attemptsMade: number) => ledgerEventRetryDelayMs(attemptsMade) },
      },
    );
  }

  run(): void {
    void this.#worker.run();
  }

  /** The dead letters kept (the DeadLetterOffice lists, trims and re-drives them). */
  async deadLetters(): Promise<DeadLetter[]> {
    return this.#deadLetters.letters();
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#events.close();
    await this.#deadLetters.close();
    await this.#outcomes.close();
  }

  /**
   * The tariff version the open froze, read back from the ledger (an evaluation, not a transaction) for the
   * price the charger shows (ADR 0033). Without it the driver sees no running cost, and the session settles
   * all the same: a failed read is logged, never a reason to apply the open again.
   */
  async #frozenTariff(tariffId: string, version: number, event: LedgerEvent): Promise<FrozenTariff | undefined> {
    try {
      const record = await this.#tariffs.get(tariffId, version);
      return { tariffId: record.tariffId, version: record.version, currency: record.currency, priced: record.tariff };
    } catch (error) {
      this.#options.log.warn({ err: classifyLedgerError(error), sessionId: event.sessionId, tariffId, version }, 'could not read the frozen tariff; the charger shows no running cost');
      return undefined;
    }
  }

  /** The token resolved on a Wallets peer alone; the open rides in a shared transaction. */
  async #open(event: SessionStarted): Promise<Outcome> {
    return this.#batcher.open(event, await resolveToken(this.#ledger, event));
  }

  /**
   * A reading priced here on the frozen tariff; written to the ledger only when the progress rule asks
   * (ADR 0032). A session this bridge cannot price (opened before the rule, or a reading that cannot be
   * priced) is written, and the ledger estimates, as before.
   */
  async #progress(event: MeterSampled): Promise<{ readonly outcome: Outcome; readonly recorded?: RecordedProgress }> {
    const known = await this.#marks.progressOf(event.sessionId);
    const sampledAtMs = Date.parse(event.sampledAt);
    const energyWh = event.registerWh - event.meterStartWh;
    const estimate = known === undefined ? undefined : estimateAt(await this.#tariffs.get(known.pricing.tariffId, known.pricing.tariffVersion), known.pricing, sampledAtMs, energyWh);
    if (known === undefined || estimate === undefined) return { outcome: await applyEvent(this.#ledger, event) };
    const decision = decideProgress(estimate, known.pricing.holdAmount, known.recorded, sampledAtMs, this.#progressAuditMs);
    const estimated = { sessionId: event.sessionId, chargerId: event.chargerId, estimatedCost: decision.estimatedCost, holdExhausted: decision.holdExhausted };
    if (!decision.record) return { outcome: { kind: 'progress-estimated', ...estimated } };
    const written = await applyEvent(this.#ledger, event);
    // The ledger prices at its transaction's time, the bridge at the reading's: the charger stops if either says so.
    const holdExhausted = decision.holdExhausted || (written.kind === 'progress-recorded' && written.holdExhausted);
    const outcome: Outcome = written.kind === 'progress-recorded' ? { ...written, holdExhausted } : written;
    return { outcome, recorded: { level: Math.max(decision.level, known.recorded.level) as RecordedProgress['level'], atMs: sampledAtMs } };
  }

  /** The job id makes the report idempotent: a redelivered event reports once. */
  async #report(event: LedgerEvent, outcome: Outcome): Promise<void> {
    const base = { eventId: event.eventId, sessionId: event.sessionId, chargerId: event.chargerId };
    const options = { jobId: `outcome.${event.eventId}`, attempts: 20, backoff: { type: 'exponential', delay: 1000 }, ...this.#outcomeRetention };
    if (outcome.kind === 'hold-refused') {
      await this.#outcomes.add('HoldRefused', { ...base, kind: 'HoldRefused', reason: outcome.reason }, options);
    } else if (outcome.kind === 'session-opened' && outcome.tariff !== undefined) {
      const tariff = await this.#frozenTariff(outcome.tariff.tariffId, outcome.tariff.version, event);
      if (tariff !== undefined) await this.#outcomes.add('SessionOpened', { ...base, kind: 'SessionOpened', holdAmount: outcome.holdAmount, tariff }, options);
    } else if ((outcome.kind === 'progress-recorded' || outcome.kind === 'progress-estimated') && outcome.holdExhausted) {
      await this.#outcomes.add('HoldExhausted', { ...base, kind: 'HoldExhausted', reason: `estimated cost ${outcome.estimatedCost} reached the hold` }, options);
    }
  }
}
