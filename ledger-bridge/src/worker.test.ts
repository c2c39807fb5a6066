import { randomBytes } from 'node:crypto';
import { loadConfig } from '@chargeledger/config';
import type { LedgerEvent, QueueRetention } from '@chargeledger/ledger-queue';
import { TRANSIENT_KEYS, type RequestOf, type ResultOf, type TransactionName } from '@chargeledger/chaincode/api';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { DeadLetterOffice } from './dead-letters';
import { type CallOptions, type ChargingLedger, LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-client';
import { LedgerWorker } from './worker';

/**
 * The worker against real Redis and BullMQ, with the ledger replaced by a recording double: these tests
 * are about ordering, retries and dead letters, not about Fabric.
 */
class RecordingLedger implements ChargingLedger {
  readonly applied: string[] = [];
  failures: ((name: TransactionName, request: unknown) => Error | undefined)[] = [];

  openStatus: 'opened' | 'refused' = 'opened';
  /** Sessions whose settlement the ledger refuses. */
  readonly refusedSettlements = new Set<string>();
  /** The settlements of each Session:closeSessions, by event id. */
  readonly batches: string[][] = [];

  async submit<T extends TransactionName>(name: T, request: RequestOf<T>): Promise<ResultOf<T>> {
    const failure = this.failures.map((f) => f(name, request)).find((e) => e !== undefined);
    if (failure !== undefined) throw failure;
    if (name === 'Session:closeSessions') return (await this.#closeSessions(request as RequestOf<'Session:closeSessions'>)) as ResultOf<T>;
    if (name === 'Session:openSessions') return this.#openSessions(request as RequestOf<'Session:openSessions'>) as ResultOf<T>;
    const eventId = (request as { eventId: string }).eventId;
    if (!this.applied.includes(eventId)) this.applied.push(eventId);
    const results: Record<string, unknown> = {
      'Session:openSession': this.openStatus === 'opened' ? { status: 'opened', holdAmount: 5000 } : { status: 'refused', holdAmount: 0, refusedReason: 'insufficient-funds' },
      'Session:recordProgress': { estimatedCost: 10, holdExhausted: false },
      'Session:closeSession': { charged: 321, energyWh: 1000, verification: 'unverified' },
    };
    return results[name] as ResultOf<T>;
  }

  async #closeSessions({ settlements }: RequestOf<'Session:closeSessions'>): Promise<ResultOf<'Session:closeSessions'>> {
    this.batches.push(settlements.map((s) => s.eventId));
    // A transaction takes about a block's time: what arrives meanwhile waits for the next.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      results: settlements.map(({ eventId, sessionId }) => {
        if (this.refusedSettlements.has(sessionId)) return { eventId, sessionId, status: 'refused', code: 'EVIDENCE_REJECTED', reason: 'the last reading is in the future' };
        if (!this.applied.includes(eventId)) this.applied.push(eventId);
        return { eventId, sessionId, status: 'settled', replayed: false, settled: { charged: 321, energyWh: 1000, verification: 'unverified', txId: 'tx-batch' } };
      }),
    };
  }

  /** Each open of a batch as Session:openSession answers it; a refusal the test sets refuses that open alone. */
  #openSessions({ opens }: RequestOf<'Session:openSessions'>): ResultOf<'Session:openSessions'> {
    return {
      results: opens.map((open) => {
        const { eventId, sessionId } = open;
        const failure = this.failures.map((f) => f('Session:openSession', open)).find((e) => e !== undefined);
        if (failure instanceof LedgerRefusal) return { eventId, sessionId, status: 'refused', code: failure.code as 'NOT_FOUND', reason: failure.reason };
        if (failure !== undefined) throw failure;
        if (!this.applied.includes(eventId)) this.applied.push(eventId);
        const result = this.openStatus === 'opened' ? { sessionId, status: 'opened' as const, holdAmount: 5000, txId: 'tx-open' } : { sessionId, status: 'refused' as const, holdAmount: 0, refusedReason: 'insufficient-funds' as const, txId: 'tx-open' };
        return { eventId, sessionId, status: 'applied', replayed: false, result };
      }),
    };
  }

  /** Each card is its own driver's. */
  async evaluate<T extends TransactionName>(_name?: T, _request?: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    const idToken = options?.transient?.[TRANSIENT_KEYS.idToken] ?? 'RFID-1';
    return { accountId: `driver-of-${idToken}`, tokenRef: 'card-1', tokenProof: 'ab' } as ResultOf<T>;
  }
}

const base = { chargerId: 'CP-1', ocppTransactionId: '7', protocol: '1.6' as const, sessionId: 'CP-1-7' };
const started: LedgerEvent = { ...base, kind: 'SessionStarted', eventId: 'started.CP-1-7', evseId: 1, connectorId: 1, idToken: 'RFID-1', startedAt: '2026-11-24T10:00:00.000Z', meterStartWh: 0, evidence: [] };
const ended: LedgerEvent = { ...base, kind: 'SessionEnded', eventId: 'ended.CP-1-7', startedAt: '2026-11-24T10:00:00.000Z', meterStartWh: 0, endedAt: '2026-11-24T10:30:00.000Z', meterStopWh: 1000, reason: 'Local', evidence: [] };

describe('LedgerWorker', () => {
  const config = loadConfig();
  let connection: Redis;
  let prefix: string;
  let queue: Queue<LedgerEvent>;
  let events: QueueEvents;
  let eventsConnection: Redis;
  let ledger: RecordingLedger;
  let worker: LedgerWorker;

  beforeEach(async () => {
    connection = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });
    prefix = `test-${randomBytes(6).toString('hex')}`;
    queue = new Queue('ledger-events', { connection, prefix });
    eventsConnection = connection.duplicate();
    events = new QueueEvents('ledger-events', { connection: eventsConnection, prefix });
    await events.waitUntilReady();
    ledger = new RecordingLedger();
    worker = new LedgerWorker({ connection, prefix, queueName: 'ledger-events', deadLetterQueueName: 'ledger-dead-letters', outcomesQueueName: 'ledger-outcomes', ledger, log: pino({ level: 'silent' }), concurrency: 4, orderingDelayMs: 50, settlementBatch: { maxPerTransaction: 10, transactionsInFlight: 1 }, progressAuditMs: 0, retention: config.queue.retention });
  });

  afterEach(async () => {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
    connection.disconnect();
    eventsConnection.disconnect();
  });

  const add = (event: LedgerEvent, attempts = 5) => queue.add(event.kind, event, { jobId: event.eventId, attempts, backoff: { type: 'fixed', delay: 20 } });

  it('applies a session end only after its open, even when the end is queued first', async () => {
    const endJob = await add(ended);
    worker.run();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ledger.applied).toEqual([]);
    const startJob = await add(started);
    await startJob.waitUntilFinished(events);
    await endJob.waitUntilFinished(events);
    expect(ledger.applied).toEqual(['started.CP-1-7', 'ended.CP-1-7']);
  });

  it('applies one event of a session at a time, and skips a reading a later one or the end already superseded', async () => {
    let inFlight = 0;
    let mostAtOnce = 0;
    const slowLedger: ChargingLedger = {
      submit: async (name, request) => {
        inFlight++;
        mostAtOnce = Math.max(mostAtOnce, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        return ledger.submit(name, request);
      },
      evaluate: () => ledger.evaluate(),
    };
    await worker.close();
    worker = new LedgerWorker({ connection, prefix, queueName: 'ledger-events', deadLetterQueueName: 'ledger-dead-letters', outcomesQueueName: 'ledger-outcomes', ledger: slowLedger, log: pino({ level: 'silent' }), concurrency: 4, orderingDelayMs: 20, settlementBatch: { maxPerTransaction: 10, transactionsInFlight: 1 }, progressAuditMs: 0, retention: config.queue.retention });
    const sampled = (minute: number): LedgerEvent => ({ ...base, kind: 'MeterSampled', eventId: `sampled.CP-1-7.${minute}`, meterStartWh: 0, sampledAt: `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`, registerWh: minute * 100, evidence: [] });
    worker.run();
    await (await add(started)).waitUntilFinished(events);
    const jobs = [await add(sampled(5)), await add(sampled(10)), await add(sampled(15)), await add(ended)];
    await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
    const late = await add(sampled(20));
    expect(await late.waitUntilFinished(events)).toEqual({ kind: 'progress-superseded', sessionId: 'CP-1-7' });

    expect(mostAtOnce).toBe(1);
    expect(ledger.applied).toContain('ended.CP-1-7');
    expect(ledger.applied).not.toContain('sampled.CP-1-7.20');
    // Whatever order the queue handed them out in, no reading was applied after a later one or the end.
    const order = ledger.applied.filter((id) => id !== 'started.CP-1-7');
    const minuteOf = (id: string): number => (id.startsWith('ended') ? Infinity : Number(id.split('.').pop()));
    expect(order.map(minuteOf)).toEqual([...order.map(minuteOf)].sort((a, b) => a - b));
  });

  it('retries while the ledger is unavailable and applies the event once', async () => {
    let outages = 2;
    ledger.failures.push(() => (outages-- > 0 ? new LedgerUnavailable({ stage: 'endorse', code: 14, cause: new Error('peer down') }) : undefined));
    worker.run();
    const job = await add(started);
    expect(await job.waitUntilFinished(events)).toMatchObject({ kind: 'session-opened', holdAmount: 5000 });
    expect(ledger.applied).toEqual(['started.CP-1-7']);
  });

  it('keeps a business refusal as a dead letter with its reason, does not retry it, and has the charger stopped', async () => {
    let calls = 0;
    ledger.failures.push(() => {
      calls++;
      return new LedgerRefusal({ code: 'INSUFFICIENT_FUNDS', reason: 'available 0', transactionId: 'tx-9' });
    });
    worker.run();
    const job = await add(started, 5);
    await expect(job.waitUntilFinished(events)).rejects.toThrow(/INSUFFICIENT_FUNDS/);
    expect(calls).toBe(1);
    expect(await worker.deadLetters()).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_FUNDS', reason: 'available 0', transactionId: 'tx-9', event: started })]);
    const outcomes = new Queue('ledger-outcomes', { connection, prefix });
    try {
      expect((await outcomes.getJobs(['waiting'])).map((j) => j.data)).toEqual([expect.objectContaining({ kind: 'HoldRefused', sessionId: 'CP-1-7', reason: 'INSUFFICIENT_FUNDS: available 0' })]);
    } finally {
      await outcomes.close();
    }
  });

  it('reports a refused hold on the outcomes queue, once, for the CSMS to stop the charger', async () => {
    ledger.openStatus = 'refused';
    worker.run();
    const job = await add(started);
    expect(await job.waitUntilFinished(events)).toMatchObject({ kind: 'hold-refused', reason: 'insufficient-funds' });
    const outcomes = new Queue('ledger-outcomes', { connection, prefix });
    try {
      const reported = await outcomes.getJobs(['waiting']);
      expect(reported.map((j) => [j.id, j.data])).toEqual([['outcome.started.CP-1-7', { kind: 'HoldRefused', eventId: 'started.CP-1-7', sessionId: 'CP-1-7', chargerId: 'CP-1', reason: 'insufficient-funds' }]]);
    } finally {
      await outcomes.close();
    }
  });

  it('settles the ends of sessions handled at once in shared transactions, each with its own outcome, a refused one as a dead letter', async () => {
    const sessions = ['CP-1-1', 'CP-1-2', 'CP-1-3', 'CP-1-4', 'CP-1-5'];
    ledger.refusedSettlements.add('CP-1-3');
    worker.run();
    // CP-1-5 is the same driver's as CP-1-1.
    const cardOf = (sessionId: string): string => (sessionId === 'CP-1-5' ? 'RFID-CP-1-1' : `RFID-${sessionId}`);
    await Promise.all(sessions.map(async (sessionId) => (await add({ ...started, sessionId, eventId: `started.${sessionId}`, idToken: cardOf(sessionId) })).waitUntilFinished(events)));
    const ends = await Promise.all(sessions.map((sessionId) => add({ ...ended, sessionId, eventId: `ended.${sessionId}` }, 1)));
    const outcomes = await Promise.all(ends.map((job) => job.waitUntilFinished(events).catch((error: unknown) => error)));

    expect(outcomes).toEqual([
      { kind: 'session-settled', sessionId: 'CP-1-1', charged: 321, energyWh: 1000, verification: 'unverified' },
      { kind: 'session-settled', sessionId: 'CP-1-2', charged: 321, energyWh: 1000, verification: 'unverified' },
      expect.objectContaining({ message: expect.stringMatching(/EVIDENCE_REJECTED/) }),
      { kind: 'session-settled', sessionId: 'CP-1-4', charged: 321, energyWh: 1000, verification: 'unverified' },
      { kind: 'session-settled', sessionId: 'CP-1-5', charged: 321, energyWh: 1000, verification: 'unverified' },
    ]);
    // One transaction in flight at a time: the ends that arrived while one was under way shared the next,
    // except that one driver's two sessions never rode in one transaction.
    expect(ledger.batches.flat().sort()).toEqual(sessions.map((id) => `ended.${id}`).sort());
    expect(ledger.batches.length).toBeLessThan(sessions.length);
    expect(ledger.batches.some((batch) => batch.length > 1)).toBe(true);
    expect(ledger.batches.filter((batch) => batch.includes('ended.CP-1-1') && batch.includes('ended.CP-1-5'))).toEqual([]);
    expect(await worker.deadLetters()).toEqual([expect.objectContaining({ code: 'EVIDENCE_REJECTED', reason: 'the last reading is in the future', transactionId: 'tx-batch', event: expect.objectContaining({ sessionId: 'CP-1-3' }) })]);
  });

  it("skips a reading queued with its session's end: the settlement supersedes it, and its transaction would only delay the end", async () => {
    worker.run();
    await (await add(started)).waitUntilFinished(events);
    await worker.close();
    worker = new LedgerWorker({ connection, prefix, queueName: 'ledger-events', deadLetterQueueName: 'ledger-dead-letters', outcomesQueueName: 'ledger-outcomes', ledger, log: pino({ level: 'silent' }), concurrency: 4, orderingDelayMs: 20, settlementBatch: { maxPerTransaction: 10, transactionsInFlight: 1 }, progressAuditMs: 0, retention: config.queue.retention });
    const reading = await add({ ...base, kind: 'MeterSampled', eventId: 'sampled.CP-1-7.29', meterStartWh: 0, sampledAt: '2026-11-24T10:29:00.000Z', registerWh: 900, evidence: [] });
    const end = await add(ended);
    worker.run();
    expect(await reading.waitUntilFinished(events)).toEqual({ kind: 'progress-superseded', sessionId: 'CP-1-7' });
    await end.waitUntilFinished(events);
    expect(ledger.applied).toEqual(['started.CP-1-7', 'ended.CP-1-7']);
  });
  describe("a session lock left by a bridge that was killed holding it", () => {
    const sessionLock = (): string => `${prefix}:bridge:session-lock:CP-1-7`;

    it("is taken over once the holder's job lock has lapsed, not after the session lock's own minute", async () => {
      worker.run();
      await (await add(started)).waitUntilFinished(events);
      // What a bridge killed while applying a reading leaves: the session lock, and no lock on the reading's job.
      await connection.set(sessionLock(), 'sampled.CP-1-7.5', 'PX', 60_000);
      const asked = Date.now();
      await (await add(ended)).waitUntilFinished(events);
      expect(Date.now() - asked).toBeLessThan(1_000);
      expect(ledger.applied).toEqual(['started.CP-1-7', 'ended.CP-1-7']);
    });

    it("is taken at once by the holder's own job when it runs again", async () => {
      worker.run();
      await (await add(started)).waitUntilFinished(events);
      await connection.set(sessionLock(), 'ended.CP-1-7', 'PX', 60_000);
      const asked = Date.now();
      await (await add(ended)).waitUntilFinished(events);
      expect(Date.now() - asked).toBeLessThan(1_000);
    });

    it('is waited for while the holding job is locked by a live bridge', async () => {
      worker.run();
      await (await add(started)).waitUntilFinished(events);
      await connection.set(sessionLock(), 'sampled.CP-1-7.5', 'PX', 60_000);
      await connection.set(`${prefix}:ledger-events:sampled.CP-1-7.5:lock`, 'a-live-worker:1', 'PX', 60_000);
      const end = await add(ended);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ledger.applied).toEqual(['started.CP-1-7']);
      await connection.del(`${prefix}:ledger-events:sampled.CP-1-7.5:lock`);
      await end.waitUntilFinished(events);
      expect(ledger.applied).toEqual(['started.CP-1-7', 'ended.CP-1-7']);
    });
  });
});

describe('LedgerWorker: what stays in Redis (ADR 0029)', () => {
  const config = loadConfig();
  let connection: Redis;
  let prefix: string;
  let queue: Queue<LedgerEvent>;
  let events: QueueEvents;
  let eventsConnection: Redis;
  let ledger: RecordingLedger;
  let worker: LedgerWorker;
  let office: DeadLetterOffice;
  const log = pino({ level: 'silent' });

  const start = (retention: QueueRetention): void => {
    worker = new LedgerWorker({ connection, prefix, queueName: 'ledger-events', deadLetterQueueName: 'ledger-dead-letters', outcomesQueueName: 'ledger-outcomes', ledger, log, concurrency: 4, orderingDelayMs: 20, settlementBatch: { maxPerTransaction: 10, transactionsInFlight: 1 }, progressAuditMs: 0, retention });
    office = new DeadLetterOffice({ connection, prefix, eventsQueueName: 'ledger-events', deadLetterQueueName: 'ledger-dead-letters', kept: retention.failed, log });
    worker.run();
  };
  const add = (event: LedgerEvent, attempts = 5) => queue.add(event.kind, event, { jobId: event.eventId, attempts, backoff: { type: 'fixed', delay: 20 } });
  const aStart = (n: number): LedgerEvent => ({ ...started, sessionId: `CP-1-${n}`, eventId: `started.CP-1-${n}`, idToken: `RFID-${n}` });
  const aReading = (minute: number, registerWh: number): LedgerEvent => ({ ...base, kind: 'MeterSampled', eventId: `sampled.CP-1-7.${minute}`, meterStartWh: 0, sampledAt: `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`, registerWh, evidence: [] });

  beforeEach(async () => {
    connection = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });
    prefix = `test-${randomBytes(6).toString('hex')}`;
    queue = new Queue('ledger-events', { connection, prefix });
    eventsConnection = connection.duplicate();
    events = new QueueEvents('ledger-events', { connection: eventsConnection, prefix });
    await events.waitUntilReady();
    ledger = new RecordingLedger();
  });

  afterEach(async () => {
    await worker.close();
    await office.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
    connection.disconnect();
    eventsConnection.disconnect();
  });

  it('removes completed events beyond the rule’s count, keeps the newest, and still tells a late retried reading from a new one', async () => {
    start({ completed: { age: 3600, count: 3 }, failed: { age: 3600, count: 10 } });
    await (await add(started)).waitUntilFinished(events);
    for (const [minute, wh] of [[5, 100], [10, 200], [15, 300], [20, 400]] as const) await (await add(aReading(minute, wh))).waitUntilFinished(events);
    await (await add(ended)).waitUntilFinished(events);

    expect(await queue.getCompletedCount()).toBe(3);
    expect((await queue.getCompleted()).map((job) => job.id).sort()).toEqual(['ended.CP-1-7', 'sampled.CP-1-7.15', 'sampled.CP-1-7.20']);
    expect(await queue.getJob('started.CP-1-7')).toBeUndefined();

    // The charger retries a reading whose job is gone: a new job, which the session's marks know to add nothing.
    const retried = await add(aReading(10, 200));
    expect(await retried.waitUntilFinished(events)).toEqual({ kind: 'progress-superseded', sessionId: 'CP-1-7' });
    expect(ledger.applied.filter((id) => id === 'sampled.CP-1-7.10')).toHaveLength(1);
  });

  it('removes completed events older than the rule’s age', async () => {
    start({ completed: { age: 1, count: 100 }, failed: { age: 3600, count: 10 } });
    await (await add(aStart(1))).waitUntilFinished(events);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await (await add(aStart(2))).waitUntilFinished(events);
    expect((await queue.getCompleted()).map((job) => job.id)).toEqual(['started.CP-1-2']);
  });

  it('keeps the newest dead letters within the rule, lists them with events whose retries ran out, and re-drives them on an operator’s word', async () => {
    start({ completed: { age: 3600, count: 100 }, failed: { age: 3600, count: 2 } });
    ledger.failures.push((name) => (name === 'Session:openSession' ? new LedgerRefusal({ code: 'NOT_FOUND', reason: 'station not registered', transactionId: 'tx-1' }) : undefined));
    for (const n of [1, 2, 3]) await expect((await add(aStart(n))).waitUntilFinished(events)).rejects.toThrow(/NOT_FOUND/);
    ledger.failures = [(name, request) => ((request as { sessionId?: string }).sessionId === 'CP-1-4' ? new LedgerUnavailable({ stage: 'endorse', code: 14, cause: new Error('peer down') }) : undefined)];
    await expect((await add(aStart(4), 1)).waitUntilFinished(events)).rejects.toThrow(/peer down/);

    // Three refusals, two kept: the oldest went. The event whose retries ran out is listed beside them.
    expect((await office.list()).map(({ eventId, kind, code }) => ({ eventId, kind, code }))).toEqual(
      expect.arrayContaining([
        { eventId: 'started.CP-1-3', kind: 'refused', code: 'NOT_FOUND' },
        { eventId: 'started.CP-1-2', kind: 'refused', code: 'NOT_FOUND' },
        { eventId: 'started.CP-1-4', kind: 'exhausted', code: 'RETRIES_EXHAUSTED' },
      ]),
    );
    expect(await office.list()).toHaveLength(3);

    // The station is registered and the peer is back: the operator re-drives each.
    ledger.failures = [];
    expect(await office.redrive('started.CP-1-3')).toBe('requeued');
    expect(await office.redrive('started.CP-1-4')).toBe('requeued');
    // A failed job the rule removed comes back from its dead letter.
    await (await queue.getJob('started.CP-1-2'))?.remove();
    expect(await office.redrive('started.CP-1-2')).toBe('re-added');
    for (const id of ['started.CP-1-2', 'started.CP-1-3', 'started.CP-1-4']) await expect((await queue.getJob(id))?.waitUntilFinished(events)).resolves.toMatchObject({ kind: 'session-opened' });
    expect(await office.list()).toEqual([]);
    expect(await office.redrive('started.CP-1-3')).toBe('already-applied');
    expect(ledger.applied.sort()).toEqual(['started.CP-1-2', 'started.CP-1-3', 'started.CP-1-4']);
  });
});
