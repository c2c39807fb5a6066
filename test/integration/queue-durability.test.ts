import { loadConfig } from '@chargeledger/config';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventPublisher } from '@chargeledger/csms';
import type { LedgerEvent } from '@chargeledger/ledger-queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { freePort } from '../../support/csms-process';

/**
 * A redis-server of the test's own, configured as the stack's (scripts/redis.sh): append-only file fsynced
 * on every write. Killed with SIGKILL, it must come back with every event the publisher acknowledged.
 */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  for (let i = 0; i < 100; i++) {
    if (await probe.connect().then(() => true, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  probe.disconnect();
  return child;
}

describe('the event queue across a Redis crash', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chargeledger-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every event whose publish returned, after SIGKILL and restart', async () => {
    const port = await freePort();
    let redis = await startRedis(port, dir);
    const connection = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve) => connection.once('ready', resolve));
    const publisher = new EventPublisher({ connection, prefix: 'durability', queueName: 'ledger-events', timeoutMs: 2000, retention: loadConfig().queue.retention, log: pino({ level: 'silent' }) });

    const acknowledged: string[] = [];
    for (let i = 0; i < 200; i++) {
      const event = await publisher.publish({ kind: 'SessionStarted', sessionId: `CP-${i}-1`, chargerId: `CP-${i}`, ocppTransactionId: '1', protocol: '1.6', evseId: 1, connectorId: 1, idToken: 'T', startedAt: '2026-11-24T10:00:00.000Z', meterStartWh: 0, evidence: [] });
      acknowledged.push(event.eventId);
    }
    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
    await publisher.close().catch(() => undefined);
    connection.disconnect();

    redis = await startRedis(port, dir);
    const reader = new Redis({ port, host: '127.0.0.1' });
    const queue = new Queue<LedgerEvent>('ledger-events', { connection: reader, prefix: 'durability' });
    try {
      const ids = (await queue.getJobs(['waiting'])).map((job) => String(job.id)).sort();
      expect(ids).toEqual([...acknowledged].sort());
    } finally {
      await queue.close();
      reader.disconnect();
      redis.kill('SIGTERM');
    }
  });
});
