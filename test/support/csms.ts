import { randomBytes } from 'node:crypto';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@chargeledger/config';
import { bridgeHeartbeatKey, ledgerQueriesKey } from '@chargeledger/ledger-queue';
import { apiKeyRecord, buildCsms, type Csms, type CsmsTls, EventPublisher, type LedgerAuthorizationOptions, QueueHealth, type SecurityProfile, systemClock } from '@chargeledger/csms';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { removeKeys } from '../../support/redis-keys';

export const ADMIN_KEY = `admin-key-${randomBytes(16).toString('hex')}`;
export const READER_KEY = `reader-key-${randomBytes(16).toString('hex')}`;
/** A key of the role `records`: a session's signed meter records and nothing else. */
export const RECORDS_KEY = `records-key-${randomBytes(16).toString('hex')}`;

export interface RunningCsms {
  readonly csms: Csms;
  readonly url: string;
  readonly ocppEndpoint: string;
  readonly queue: Queue;
  readonly prefix: string;
  readonly redis: Redis;
  /** The CA that issued the server certificate, when the CSMS serves TLS: what a client trusts it by. */
  readonly serverCa: string | undefined;
  stop(): Promise<void>;
}

/** TLS for a test CSMS: its material, and the CA that issued its server certificate for the helpers' own admin calls. */
export type TestTls = CsmsTls & { readonly serverCa: string };

export interface StartCsmsOptions {
  readonly publisherPort?: number;
  readonly prefix?: string;
  readonly nodeId?: string;
  readonly port?: number;
  /** Undefined: plain HTTP and ws://. */
  readonly tls?: TestTls;
  /**
   * Undefined: Authorize asks the registry only. Set: the CSMS asks on LEDGER_QUERIES under its prefix while a
   * bridge's heartbeat (bridgeHeartbeatKey of the prefix) says one runs.
   */
  readonly ledgerAuthorization?: Omit<LedgerAuthorizationOptions, 'queriesKey' | 'heartbeatKey'>;
  /** Undefined: a random key of this CSMS alone. */
  readonly tokenDigestKey?: Buffer;
  /** Which meter values go to the ledger events queue (OcppPolicy.readingsToLedger); the default is the production one. */
  readonly readingsToLedger?: 'near-the-hold' | 'all';
  /** Undefined: silent (or TEST_LOG_LEVEL); set, to read what the CSMS logged. */
  readonly log?: Logger;
  /** Undefined: the stack's Redis; set, every connection of the CSMS goes to a Redis of the test's own on this port. */
  readonly redisPort?: number;
  /** Undefined: config/defaults.env's CSMS_NEW_SESSIONS_MAX_REDIS_PCT. */
  readonly newSessionsMaxRedisFraction?: number;
  /** Undefined: config/defaults.env's CSMS_SESSION_RETENTION_S. */
  readonly sessionRetentionS?: number;
}

/** The list a test CSMS with ledger authorization pushes its questions on, under its prefix. */
export const LEDGER_QUERIES = 'ledger-queries';

/**
 * A real CSMS on 127.0.0.1 and a random port, against the stack's real Redis, with its own key prefix
 * and queue name so that tests never share state.
 */
export async function startCsms(overrides: StartCsmsOptions = {}): Promise<RunningCsms> {
  const config = loadConfig();
  const prefix = overrides.prefix ?? `test-${randomBytes(6).toString('hex')}`;
  const queueName = 'ledger-events';
  const redisPort = overrides.redisPort ?? config.redis.port;
  const redis = new Redis({ host: config.redis.host, port: redisPort, maxRetriesPerRequest: 3 });
  const publisherRedis = new Redis({ host: config.redis.host, port: overrides.publisherPort ?? redisPort, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: overrides.publisherPort !== undefined });
  const log = overrides.log ?? pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const publisher = new EventPublisher({ connection: publisherRedis, prefix, queueName, timeoutMs: 2000, retention: config.queue.retention, log });
  const subscriber = new Redis({ host: config.redis.host, port: redisPort });
  const outcomesRedis = new Redis({ host: config.redis.host, port: redisPort, maxRetriesPerRequest: null });
  const queueHealth = new QueueHealth({
    connection: redis,
    queueKeyPrefix: `${prefix}:${queueName}:`,
    newSessionsMaxRedisFraction: overrides.newSessionsMaxRedisFraction ?? config.csms.newSessionsMaxRedisFraction,
    lagWarningMs: config.csms.ledgerLagWarningMs,
    clock: systemClock,
    log,
  });
  const csms = await buildCsms({
    log,
    clock: systemClock,
    redis,
    subscriber,
    nodeId: overrides.nodeId ?? 'node-a',
    publisher,
    queueHealth,
    queueHealthEveryMs: 200,
    keyPrefix: `${prefix}:csms`,
    sessionRetentionS: overrides.sessionRetentionS ?? config.csms.sessionRetentionS,
    outcomes: { connection: outcomesRedis, prefix, queueName: 'ledger-outcomes' },
    policy: { heartbeatIntervalS: 60, dataTransferVendors: ['org.chargeledger.test'], readingsToLedger: overrides.readingsToLedger ?? 'near-the-hold' },
    apiKeys: [apiKeyRecord(ADMIN_KEY, 'admin'), apiKeyRecord(READER_KEY, 'read-only'), apiKeyRecord(RECORDS_KEY, 'records')],
    tokenDigestKey: overrides.tokenDigestKey ?? randomBytes(32),
    maxFrameBytes: 65536,
    callTimeoutMs: 5000,
    tls: overrides.tls,
    ledgerAuthorization: overrides.ledgerAuthorization === undefined ? undefined : { ...overrides.ledgerAuthorization, queriesKey: ledgerQueriesKey(prefix, LEDGER_QUERIES), heartbeatKey: bridgeHeartbeatKey(prefix) },
  });
  await csms.http.listen({ host: '127.0.0.1', port: overrides.port ?? 0 });
  const { port } = csms.http.server.address() as AddressInfo;
  const queue = new Queue(queueName, { connection: redis, prefix });
  const secure = overrides.tls !== undefined;
  return {
    csms,
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    ocppEndpoint: `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}/ocpp`,
    queue,
    prefix,
    redis,
    serverCa: overrides.tls?.serverCa,
    async stop() {
      await csms.close();
      await queue.close();
      await publisher.close().catch(() => undefined);
      if (overrides.prefix === undefined) await removeKeys(redis, prefix);
      redis.disconnect();
      subscriber.disconnect();
      outcomesRedis.disconnect();
      publisherRedis.disconnect();
    },
  };
}

export interface AdminResponse {
  readonly status: number;
  readonly body: string;
}

/** An admin API call with the admin key, over HTTPS trusting `serverCa` when the CSMS serves TLS. */
export async function adminRequest(running: RunningCsms, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<AdminResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
  const url = new URL(path, running.url);
  // No keep-alive agent: every call closes its connection, so nothing stays open after a test.
  const options = { method, headers, agent: false } as const;
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    };
    const outgoing = running.serverCa === undefined ? httpRequest(url, options, onResponse) : httpsRequest(url, { ...options, ca: running.serverCa }, onResponse);
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** A password alone provisions with the API's default profile (1); profile 3 takes no password. */
export type TestChargerCredentials = string | (({ readonly securityProfile: Exclude<SecurityProfile, 3>; readonly password: string } | { readonly securityProfile: 3 }) & { readonly evseLayout?: readonly number[] });

export async function provisionCharger(running: RunningCsms, identity: string, credentials: TestChargerCredentials): Promise<void> {
  const response = await adminRequest(running, 'POST', '/api/chargers', typeof credentials === 'string' ? { identity, password: credentials } : { identity, ...credentials });
  if (response.status !== 201) throw new Error(`provisioning ${identity} failed: ${response.status} ${response.body}`);
}

export async function issueIdToken(running: RunningCsms, idToken: string, accountId: string): Promise<void> {
  const response = await adminRequest(running, 'PUT', `/api/id-tokens/${encodeURIComponent(idToken)}`, { accountId });
  if (response.status !== 204) throw new Error(`issuing a token failed: ${response.status} ${response.body}`);
}
