import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { eventIdFor, keepJobs, LEDGER_EVENT_RETRY, type LedgerEvent, type QueueRetention } from '@chargeledger/ledger-queue';

export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  /** Redis refused the write for its memory limit (noeviction): it is up, but full (ADR 0029). */
  readonly redisFull: boolean;
  constructor(readonly eventId: string, override readonly cause: unknown) {
    super(`event ${eventId} could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.redisFull = cause instanceof Error && cause.message.startsWith('OOM');
  }
}

export interface PublisherOptions {
  /** A connection with the offline queue disabled, so that a Redis outage fails fast instead of waiting. */
  readonly connection: Redis;
  readonly prefix: string;
  readonly queueName: string;
  readonly timeoutMs: number;
  /**
   * How long jobs stay once the bridge has finished with them (ADR 0029); the bridge's worker applies the same
   * rule. The completed age is at most TOKEN_JOB_RETENTION_S: a SessionStarted holds the raw id token.
   */
  readonly retention: QueueRetention;
  readonly log: Logger;
}

/**
 * How long a SessionStarted job, the one event that holds the raw id token, stays in Redis once the bridge has
 * applied it (decision 15): long enough for a charger's retried StartTransaction to find the job by its id,
 * and for an operator to look at a fresh one. A retry after that is applied again, and the chaincode takes it
 * once by its event id.
 */
export const TOKEN_JOB_RETENTION_S = 3600;

export type UnpublishedEvent = LedgerEvent extends infer E ? (E extends LedgerEvent ? Omit<E, 'eventId'> : never) : never;

/**
 * Publishes ledger events. `publish` resolves only once Redis has the job; the stack's Redis runs with
 * `appendfsync always`, so by then the job is on disk. Callers answer the charger after that, never before.
 */
export class EventPublisher {
  readonly #queue: Queue;
  readonly #timeoutMs: number;
  readonly #retention: { readonly removeOnComplete: { age: number; count: number }; readonly removeOnFail: { age: number; count: number } };

  constructor(options: Readonly<PublisherOptions>) {
    if (options.retention.completed.age > TOKEN_JOB_RETENTION_S) throw new RangeError(`completed events may be kept ${TOKEN_JOB_RETENTION_S} s at most (decision 15), not ${options.retention.completed.age} s`);
    this.#retention = { removeOnComplete: keepJobs(options.retention.completed), removeOnFail: keepJobs(options.retention.failed) };
    this.#queue = new Queue(options.queueName, { connection: options.connection, prefix: options.prefix });
    // Connection trouble surfaces on each publish as QueueUnavailableError; here it is only logged.
    this.#queue.on('error', (error) => options.log.warn({ err: error }, 'event queue connection error'));
    this.#timeoutMs = options.timeoutMs;
  }

  async publish(unpublished: UnpublishedEvent): Promise<LedgerEvent> {
    const event = { ...unpublished, eventId: eventIdFor(unpublished) } as LedgerEvent;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      // A job id that already exists is not added again: BullMQ returns the existing job.
      await Promise.race([this.#queue.add(event.kind, event, { jobId: event.eventId, ...LEDGER_EVENT_RETRY, ...this.#retention }), timeout]);
      return event;
    } catch (error) {
      throw new QueueUnavailableError(event.eventId, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The events queue's key prefix (`<prefix>:<queue name>:`), under which its jobs and lists live. */
  get keyPrefix(): string {
    return this.#queue.toKey('');
  }

  /** Events not yet taken by the bridge, or being applied. */
  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}
