import { type KeptJobs, type LedgerEvent, LEDGER_EVENT_RETRY } from '@chargeledger/ledger-queue';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** An event the ledger refused for good, with the ledger's code and reason. */
export interface DeadLetter {
  readonly event: LedgerEvent;
  readonly code: string;
  readonly reason: string;
  readonly transactionId?: string;
  readonly failedAt: string;
}

/**
 * What an operator looks at: an event the ledger refused (`refused`, a dead letter), or one that failed for
 * good without a refusal (`exhausted`: its retries ran out, e.g. through a ledger outage longer than an hour).
 */
export interface ListedFailure {
  readonly eventId: string;
  readonly kind: 'refused' | 'exhausted';
  readonly eventKind: LedgerEvent['kind'];
  readonly sessionId: string;
  readonly code: string;
  readonly reason: string;
  readonly failedAt: string;
}

/** What a re-drive did: the failed job back to waiting, a job added anew (the failed one was removed), or nothing. */
export type Redriven = 'requeued' | 're-added' | 'already-applied' | 'already-queued' | 'unknown';

export interface DeadLetterOfficeOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly eventsQueueName: string;
  readonly deadLetterQueueName: string;
  /** How long and how many dead letters are kept (ADR 0029); the oldest go first. */
  readonly kept: KeptJobs;
  readonly log: Logger;
}

/**
 * Keeps dead letters bounded, lists what failed for good, and puts it back in the events queue on an
 * operator's word. A dead letter is a job of its own queue (no worker takes it), its job id the event's.
 * Re-driving is safe whatever happened meanwhile: the event id makes the ledger apply an event once.
 */
export class DeadLetterOffice {
  readonly #options: DeadLetterOfficeOptions;
  readonly #letters: Queue<DeadLetter>;
  readonly #events: Queue<LedgerEvent>;

  constructor(options: Readonly<DeadLetterOfficeOptions>) {
    this.#options = options;
    const queueOptions = { connection: options.connection, prefix: options.prefix };
    this.#letters = new Queue(options.deadLetterQueueName, queueOptions);
    this.#events = new Queue(options.eventsQueueName, queueOptions);
  }

  /** Keeps a dead letter, then drops those past the age or count limit, oldest first. */
  async record(letter: DeadLetter): Promise<void> {
    await this.#letters.add('refused', letter, { jobId: letter.event.eventId });
    await this.trim();
  }

  async trim(): Promise<number> {
    const { kept, log } = this.#options;
    const expired = await this.#letters.clean(kept.age * 1000, 1000, 'wait');
    const waiting = await this.#letters.getWaitingCount();
    let dropped = expired.length;
    if (waiting > kept.count) {
      // Newest first: what lies beyond the limit is the oldest.
      const beyond = await this.#letters.getJobs(['wait'], kept.count, waiting - 1, false);
      for (const job of beyond) await job.remove();
      dropped += beyond.length;
    }
    if (dropped > 0) log.warn({ dropped, keptAtMost: kept }, 'dead letters past their age or count limit were dropped; the ledger keeps what it refused');
    return dropped;
  }

  async letters(): Promise<DeadLetter[]> {
    const jobs = await this.#letters.getJobs(['waiting', 'delayed', 'completed', 'failed']);
    return jobs.map((job: Job<DeadLetter>) => job.data);
  }

  /** Every dead letter, and every event that failed for good without one; newest first. */
  async list(): Promise<ListedFailure[]> {
    const letters = await this.letters();
    const refused = new Set(letters.map((letter) => letter.event.eventId));
    const listed: ListedFailure[] = letters.map((letter) => ({ eventId: letter.event.eventId, kind: 'refused', eventKind: letter.event.kind, sessionId: letter.event.sessionId, code: letter.code, reason: letter.reason, failedAt: letter.failedAt }));
    for (const job of await this.#events.getFailed()) {
      if (refused.has(job.data.eventId)) continue;
      listed.push({ eventId: job.data.eventId, kind: 'exhausted', eventKind: job.data.kind, sessionId: job.data.sessionId, code: 'RETRIES_EXHAUSTED', reason: job.failedReason, failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString() });
    }
    return listed.sort((a, b) => b.failedAt.localeCompare(a.failedAt));
  }

  /** Puts a failed event back in the events queue and removes its dead letter. */
  async redrive(eventId: string): Promise<Redriven> {
    const letter = await this.#letters.getJob(eventId);
    const job = await this.#events.getJob(eventId);
    let result: Redriven;
    if (job !== undefined) {
      const state = await job.getState();
      if (state === 'failed') {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        result = 'requeued';
      } else {
        result = state === 'completed' ? 'already-applied' : 'already-queued';
      }
    } else if (letter !== undefined) {
      // The bridge's worker applies its retention rule to the job once it finishes.
      await this.#events.add(letter.data.event.kind, letter.data.event, { jobId: eventId, ...LEDGER_EVENT_RETRY });
      result = 're-added';
    } else {
      return 'unknown';
    }
    await letter?.remove();
    this.#options.log.info({ eventId, result }, 'a failed event re-driven by an operator');
    return result;
  }

  async close(): Promise<void> {
    await this.#letters.close();
    await this.#events.close();
  }
}
