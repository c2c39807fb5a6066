import { BRIDGE_HEARTBEAT_MS, BRIDGE_HEARTBEAT_TTL_MS, bridgeHeartbeatKey, ledgerQueriesKey, type LedgerQueueNames, type QueueRetention } from '@chargeledger/ledger-queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { LedgerQueryServer } from './query-server';
import { LedgerWorker } from './worker';

export interface BridgeOptions {
  /** A connection that never gives up on a command (`maxRetriesPerRequest: null`), as BullMQ workers need. */
  readonly connection: Redis;
  readonly prefix: string;
  readonly names: LedgerQueueNames;
  readonly ledger: ChargingLedger;
  readonly log: Logger;
  /** Events applied at once. */
  readonly concurrency: number;
  /** Questions evaluated at once. */
  readonly queryConcurrency: number;
  /** How long an event waits before it looks again whether its session's open has been applied. */
  readonly orderingDelayMs: number;
  /** How session opens and ends share transactions (ADR 0022, 0032). */
  readonly settlementBatch: Readonly<{ maxPerTransaction: number; transactionsInFlight: number }>;
  /** A session's progress is written to the ledger at least this often (ADR 0032); 0: only near and at the hold. */
  readonly progressAuditMs: number;
  /** How long finished events, outcomes and dead letters stay in Redis (ADR 0029). */
  readonly retention: QueueRetention;
  /** Start without consuming events (as after an outage); `run()` starts them. Questions are answered either way. */
  readonly held?: boolean;
}

export interface RunningBridge {
  readonly worker: LedgerWorker;
  readonly queries: LedgerQueryServer;
  /** Starts consuming events, for a bridge started held. */
  run(): void;
  close(): Promise<void>;
}

/**
 * The one wiring of a ledger bridge, used by its main, the tests and the benchmarks: the worker that applies
 * the CSMS's events, the server that answers its questions, and a heartbeat that says a bridge is serving.
 */
export function startBridge(options: Readonly<BridgeOptions>): RunningBridge {
  const worker = new LedgerWorker({
    connection: options.connection,
    prefix: options.prefix,
    queueName: options.names.events,
    deadLetterQueueName: options.names.deadLetters,
    outcomesQueueName: options.names.outcomes,
    ledger: options.ledger,
    log: options.log,
    concurrency: options.concurrency,
    orderingDelayMs: options.orderingDelayMs,
    settlementBatch: options.settlementBatch,
    progressAuditMs: options.progressAuditMs,
    retention: options.retention,
  });
  const queries = new LedgerQueryServer({
    connection: options.connection,
    queriesKey: ledgerQueriesKey(options.prefix, options.names.queries),
    ledger: options.ledger,
    concurrency: options.queryConcurrency,
    log: options.log,
  });
  let running = false;
  const run = (): void => {
    if (running) return;
    running = true;
    worker.run();
  };
  if (options.held !== true) run();
  queries.run();

  const heartbeatKey = bridgeHeartbeatKey(options.prefix);
  const beat = (): void => {
    options.connection.set(heartbeatKey, String(Date.now()), 'PX', BRIDGE_HEARTBEAT_TTL_MS).catch((error: unknown) => options.log.warn({ err: error }, 'could not write the bridge heartbeat'));
  };
  beat();
  const heartbeat = setInterval(beat, BRIDGE_HEARTBEAT_MS);
  heartbeat.unref();

  return {
    worker,
    queries,
    run,
    close: async () => {
      clearInterval(heartbeat);
      await queries.close();
      await worker.close();
    },
  };
}
