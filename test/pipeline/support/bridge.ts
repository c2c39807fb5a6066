import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@chargeledger/config';
import { type LedgerEvent, ledgerQueriesKey } from '@chargeledger/csms';
import { type ChargingLedger, type DeadLetter, LedgerQueryServer, LedgerWorker, type Outcome } from '@chargeledger/ledger-bridge';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { LEDGER_QUERIES, type RunningCsms } from '../../support/csms';

export type FinishedJob =
  | { readonly state: 'completed'; readonly event: LedgerEvent; readonly outcome: Outcome }
  | { readonly state: 'failed'; readonly event: LedgerEvent; readonly reason: string };

export interface RunningBridge {
  /** Starts consuming, for a bridge created held (as after an outage of the bridge or the ledger). */
  run(): void;
  /** Waits until the job has completed, or failed for good (a refusal, or its last attempt). */
  finished(jobId: string): Promise<FinishedJob>;
  /** Waits until the job has completed, and fails if it failed for good. */
  completed(jobId: string): Promise<{ readonly event: LedgerEvent; readonly outcome: Outcome }>;
  /** Waits until no event is waiting, delayed or being applied, and the CSMS has acted on every reported outcome. */
  idle(): Promise<void>;
  /** Adds an event the CSMS already published once more, under another job id, as a redelivery would. */
  redeliver(event: LedgerEvent, jobId: string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  stop(): Promise<void>;
}

const WAIT_LIMIT_MS = 30_000;
/** The outcomes queue test/support/csms.ts has the CSMS's LedgerReactions consume, to stop chargers. */
const OUTCOMES_QUEUE = 'ledger-outcomes';
const POLL_MS = 25;

/**
 * A real LedgerWorker consuming the CSMS's own queue (same Redis, prefix and queue name), applying to
 * `ledger`, and reporting refused or exhausted holds on the queue the CSMS reacts to. Its dead letters and
 * ordering marks live under the CSMS's random prefix, which the CSMS's stop() removes. It also answers the
 * questions a CSMS started with ledger authorization asks (Authorize), as the bridge's main does.
 */
export function startBridge(running: RunningCsms, ledger: ChargingLedger, options: { readonly held?: boolean } = {}): RunningBridge {
  const { redis } = loadConfig();
  // BullMQ workers block on Redis and need a connection that never gives up on a command.
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const queue: Queue = running.queue;
  const outcomes = new Queue(OUTCOMES_QUEUE, { connection, prefix: running.prefix });
  const worker = new LedgerWorker({
    connection,
    prefix: running.prefix,
    queueName: queue.name,
    deadLetterQueueName: 'ledger-dead-letters',
    outcomesQueueName: OUTCOMES_QUEUE,
    ledger,
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    concurrency: 4,
    orderingDelayMs: 50,
  });
  if (options.held !== true) worker.run();
  const queries = new LedgerQueryServer({ connection, queriesKey: ledgerQueriesKey(running.prefix, LEDGER_QUERIES), ledger, concurrency: 2, log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }) });
  queries.run();

  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await sleep(POLL_MS);
    }
  };

  const finished = (jobId: string): Promise<FinishedJob> =>
    until(`job ${jobId}`, async () => {
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return undefined;
      // Read after the state, so the job's result is the one that made it final.
      const job = await queue.getJob(jobId);
      if (job === undefined) return undefined;
      const event = job.data as LedgerEvent;
      return state === 'completed' ? { state, event, outcome: job.returnvalue as Outcome } : { state, event, reason: job.failedReason };
    });
  const drained = (of: Queue) => async (): Promise<true | undefined> => {
    const counts = await of.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).every((count) => count === 0) ? true : undefined;
  };

  return {
    run: () => worker.run(),
    finished,
    completed: async (jobId) => {
      const job = await finished(jobId);
      if (job.state === 'failed') throw new Error(`job ${jobId} failed: ${job.reason}`);
      return { event: job.event, outcome: job.outcome };
    },
    idle: async () => {
      await until('the events applied', drained(queue));
      await until('the outcomes acted on', drained(outcomes));
    },
    redeliver: async (event, jobId) => {
      await queue.add(event.kind, event, { jobId, attempts: 5, backoff: { type: 'fixed', delay: 100 } });
    },
    deadLetters: () => worker.deadLetters(),
    stop: async () => {
      await queries.close();
      await worker.close();
      await outcomes.close();
      connection.disconnect();
    },
  };
}
