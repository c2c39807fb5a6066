import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { type CsmsTlsFiles, loadConfig, protectDataDir } from '@chargeledger/config';
import { Redis } from 'ioredis';
import { apiKeyRecord } from './api/auth';
import { buildCsms } from './app';
import { systemClock } from './domain/clock';
import { TOKEN_DIGEST_KEY_BYTES } from './stores/id-tokens';
import { installLastResortHandlers } from './last-resort';
import { createLogger } from './logger';
import { bridgeHeartbeatKey, ledgerQueriesKey } from '@chargeledger/ledger-queue';
import { EventPublisher } from './queue/publisher';
import { QueueHealth } from './queue/queue-health';
import { readOrCreateSecret } from './secret-file';
import type { CsmsTls } from './tls';

/** A TLS file named in the configuration could not be read; the CSMS does not start. */
class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
  constructor(
    readonly setting: string,
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`${setting}: cannot read ${file}`, options);
  }
}

function readTlsFiles(files: CsmsTlsFiles): CsmsTls {
  const read = (setting: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new TlsFileError(setting, file, { cause: error });
    }
  };
  return {
    key: read('CSMS_TLS_KEY_FILE', files.keyFile),
    cert: read('CSMS_TLS_CERT_FILE', files.certFile),
    clientCa: files.clientCaFile === undefined ? undefined : read('CSMS_TLS_CLIENT_CA_FILE', files.clientCaFile),
  };
}

/** Composition root: the only place that builds real connections and starts listening. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'csms');
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) log.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  // Installed before anything can fail asynchronously; the shutdown it calls is the one set once the CSMS runs.
  let shutdown = async (_reason: string): Promise<void> => undefined;
  installLastResortHandlers(process, { log, shutdown: (reason) => shutdown(reason), shutdownTimeoutMs: 10_000, exit: (code) => process.exit(code) });
  const tls = config.csms.tls === undefined ? undefined : readTlsFiles(config.csms.tls);
  const redisOptions = { host: config.redis.host, port: config.redis.port };
  const redis = new Redis({ ...redisOptions, maxRetriesPerRequest: 3 });
  // The publisher's connection fails fast while Redis is away, so a charger is told to retry at once.
  const publisherRedis = new Redis({ ...redisOptions, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const publisher = new EventPublisher({ connection: publisherRedis, prefix: config.queue.prefix, queueName: config.queue.ledgerEvents, timeoutMs: 5000, retention: config.queue.retention, log });
  const queueHealth = new QueueHealth({
    connection: redis,
    queueKeyPrefix: publisher.keyPrefix,
    newSessionsMaxRedisFraction: config.csms.newSessionsMaxRedisFraction,
    lagWarningMs: config.csms.ledgerLagWarningMs,
    clock: systemClock,
    log: log.child({ component: 'queue-health' }),
  });

  const subscriber = new Redis(redisOptions);
  const outcomesRedis = new Redis({ ...redisOptions, maxRetriesPerRequest: null });
  const csms = await buildCsms({
    log,
    clock: systemClock,
    redis,
    subscriber,
    nodeId: config.csms.nodeId === '' ? `${hostname()}-${process.pid}` : config.csms.nodeId,
    publisher,
    queueHealth,
    queueHealthEveryMs: 1000,
    keyPrefix: `${config.queue.prefix}:csms`,
    sessionRetentionS: config.csms.sessionRetentionS,
    outcomes: { connection: outcomesRedis, prefix: config.queue.prefix, queueName: config.queue.ledgerOutcomes },
    policy: { heartbeatIntervalS: config.csms.heartbeatIntervalS, dataTransferVendors: config.csms.dataTransferVendors, readingsToLedger: config.bridge.progressAuditMs > 0 ? 'all' : 'near-the-hold' },
    apiKeys: config.csms.apiKeys.map(({ role, key }) => apiKeyRecord(key, role)),
    // Beside the admin API key in the data folder's secrets; nodes that show the same digests share the file.
    tokenDigestKey: readOrCreateSecret(path.join(config.dataDir, 'secrets', 'token-digest-key'), TOKEN_DIGEST_KEY_BYTES),
    maxFrameBytes: config.csms.maxFrameBytes,
    callTimeoutMs: config.csms.callTimeoutMs,
    tls,
    ledgerAuthorization:
      config.csms.ledgerAuthorization === undefined ? undefined : {
            ...config.csms.ledgerAuthorization,
            queriesKey: ledgerQueriesKey(config.queue.prefix, config.queue.ledgerQueries),
            heartbeatKey: bridgeHeartbeatKey(config.queue.prefix),
          },
  });
  await csms.http.listen({ host: config.csms.host, port: config.csms.port });
  const listening = { host: config.csms.host, port: config.csms.port, scheme: tls === undefined ? 'http' : 'https', clientCertificates: tls?.clientCa !== undefined };
  log.info(listening, 'CSMS listening (OCPP at /ocpp/<identity>, admin API at /api)');

  let stopping = false;
  shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    await csms.close();
    await publisher.close();
    redis.disconnect();
    subscriber.disconnect();
    outcomesRedis.disconnect();
    publisherRedis.disconnect();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
