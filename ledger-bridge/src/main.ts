import { loadConfig } from '@chargeledger/config';
import { Redis } from 'ioredis';
import pino from 'pino';
import { connectGateway } from './gateway';
import { FabricLedger } from './ledger';
import { LedgerQueryServer } from './query-server';
import { ledgerQueriesKey } from '@chargeledger/ledger-queue';
import { LedgerWorker } from './worker';

/** Composition root of the ledger bridge: the Operators' gateway, the typed ledger, the queue worker. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'ledger-bridge', level: config.logLevel, redact: { paths: ['*.idToken', 'event.idToken'], censor: '[redacted]' } });
  const connection = await connectGateway(config.fabric.gateway);
  const ledger = new FabricLedger({ network: connection.gateway.getNetwork(config.fabric.channel), chaincode: config.fabric.chaincode, stageAttempts: 5 });
  const redis = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });
  const worker = new LedgerWorker({
    connection: redis,
    prefix: config.queue.prefix,
    queueName: config.queue.ledgerEvents,
    deadLetterQueueName: `${config.queue.ledgerEvents}-dead-letters`,
    outcomesQueueName: config.queue.ledgerOutcomes,
    ledger,
    log,
    concurrency: config.bridge.concurrency,
    orderingDelayMs: 250,
  });
  worker.run();
  const queries = new LedgerQueryServer({
    connection: redis,
    queriesKey: ledgerQueriesKey(config.queue.prefix, config.queue.ledgerQueries),
    ledger,
    concurrency: config.bridge.queryConcurrency,
    log,
  });
  queries.run();
  log.info({ peer: config.fabric.gateway.peerEndpoint, mspId: config.fabric.gateway.mspId, channel: config.fabric.channel }, 'ledger bridge running');

  const shutdown = async (): Promise<void> => {
    await queries.close();
    await worker.close();
    redis.disconnect();
    connection.close();
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
