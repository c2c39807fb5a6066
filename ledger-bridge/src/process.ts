import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '@chargeledger/config';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { startBridge } from './bridge';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { type CommittedEventSource, SettlementListener } from './settlement-listener';

export interface BridgeProcessOptions {
  /** `fabric` or `embedded`: also names the checkpoint file, so the two ledgers never share one. */
  readonly ledgerKind: 'fabric' | 'embedded';
  readonly ledger: ChargingLedger;
  readonly events: CommittedEventSource;
  /** Said once at start: which ledger this bridge settles on. */
  readonly description: string;
  readonly log: Logger;
  /** Closes the ledger after the bridge has stopped using it. */
  readonly closeLedger: () => Promise<void> | void;
}

/** The bridge process's logger: structured, with id tokens redacted wherever they appear in an event. */
export function bridgeLogger(level: string): Logger {
  return pino({ name: 'ledger-bridge', level, redact: { paths: ['*.idToken', 'event.idToken', 'job.data.idToken'], censor: '[redacted]' } });
}

/**
 * The ledger bridge as a process, on whichever ledger its main opened: the worker and the question server
 * (startBridge), the settlement listener resuming from its persisted checkpoint, and a clean stop on
 * SIGTERM or SIGINT.
 */
export async function runBridgeProcess(options: Readonly<BridgeProcessOptions>): Promise<void> {
  const config = loadConfig();
  const { log } = options;
  const redis = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });
  const names = ledgerQueueNames(config.queue);
  const bridge = startBridge({
    connection: redis,
    prefix: config.queue.prefix,
    names,
    ledger: options.ledger,
    log,
    concurrency: config.bridge.concurrency,
    queryConcurrency: config.bridge.queryConcurrency,
    orderingDelayMs: 250,
    settlementBatch: config.bridge.settlementBatch,
    progressAuditMs: config.bridge.progressAuditMs,
    retention: config.queue.retention,
  });
  const checkpointDir = config.bridge.stateDir;
  await mkdir(checkpointDir, { recursive: true });
  const listener = new SettlementListener({
    source: options.events,
    checkpointer: await checkpointers.file(path.join(checkpointDir, `${options.ledgerKind}-settlements.checkpoint.json`)),
    connection: redis,
    prefix: config.queue.prefix,
    outcomesQueueName: names.outcomes,
    retention: config.queue.retention,
    log,
  });
  listener.run();
  log.info({ ledger: options.description, queue: names.events, deadLetters: names.deadLetters }, `ledger bridge running on the ${options.description}`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'ledger bridge stopping');
    await listener.close();
    await bridge.close();
    await options.closeLedger();
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
