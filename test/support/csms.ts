import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@chargeledger/config';
import { apiKeyRecord, buildCsms, type Csms, EventPublisher, systemClock } from '@chargeledger/csms';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';

export const ADMIN_KEY = `admin-key-${randomBytes(16).toString('hex')}`;
export const READER_KEY = `reader-key-${randomBytes(16).toString('hex')}`;

export interface RunningCsms {
  readonly csms: Csms;
  readonly url: string;
  readonly ocppEndpoint: string;
  readonly queue: Queue;
  readonly prefix: string;
  readonly redis: Redis;
  stop(): Promise<void>;
}

/**
 * A real CSMS on 127.0.0.1 and a random port, against the stack's real Redis, with its own key prefix
 * and queue name so that tests never share state.
 */
export async function startCsms(overrides: { publisherPort?: number; prefix?: string; nodeId?: string; port?: number } = {}): Promise<RunningCsms> {
  const config = loadConfig();
  const prefix = overrides.prefix ?? `test-${randomBytes(6).toString('hex')}`;
  const queueName = 'ledger-events';
  const redis = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: 3 });
  const publisherRedis = new Redis({ host: config.redis.host, port: overrides.publisherPort ?? config.redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: overrides.publisherPort !== undefined });
  const log = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const publisher = new EventPublisher({ connection: publisherRedis, prefix, queueName, timeoutMs: 2000, log });
  const subscriber = new Redis({ host: config.redis.host, port: config.redis.port });
  const csms = await buildCsms({
    log,
    clock: systemClock,
    redis,
    subscriber,
    nodeId: overrides.nodeId ?? 'node-a',
    publisher,
    keyPrefix: `${prefix}:csms`,
    policy: { heartbeatIntervalS: 60, dataTransferVendors: ['org.chargeledger.test'] },
    apiKeys: [apiKeyRecord(ADMIN_KEY, 'admin'), apiKeyRecord(READER_KEY, 'read-only')],
    maxFrameBytes: 65536,
    callTimeoutMs: 5000,
  });
  await csms.http.listen({ host: '127.0.0.1', port: overrides.port ?? 0 });
  const { port } = csms.http.server.address() as AddressInfo;
  const queue = new Queue(queueName, { connection: redis, prefix });
  return {
    csms,
    url: `http://127.0.0.1:${port}`,
    ocppEndpoint: `ws://127.0.0.1:${port}/ocpp`,
    queue,
    prefix,
    redis,
    async stop() {
      await csms.close();
      await queue.close();
      await publisher.close().catch(() => undefined);
      if (overrides.prefix === undefined) await removeKeys(redis, prefix);
      redis.disconnect();
      subscriber.disconnect();
      publisherRedis.disconnect();
    },
  };
}

export async function provisionCharger(running: RunningCsms, identity: string, password: string): Promise<void> {
  const response = await fetch(`${running.url}/api/chargers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identity, password }),
  });
  if (response.status !== 201) throw new Error(`provisioning ${identity} failed: ${response.status} ${await response.text()}`);
}

export async function issueIdToken(running: RunningCsms, idToken: string, accountId: string): Promise<void> {
  const response = await fetch(`${running.url}/api/id-tokens/${encodeURIComponent(idToken)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId }),
  });
  if (response.status !== 204) throw new Error(`issuing a token failed: ${response.status} ${await response.text()}`);
}

/** Removes every key a test's prefix owns. */
export async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
