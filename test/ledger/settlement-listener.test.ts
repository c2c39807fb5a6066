import { loadConfig } from '@chargeledger/config';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SettlementListener } from '@chargeledger/ledger-bridge';
import { settlementOutcomeJobId, type SettlementOutcome } from '@chargeledger/ledger-queue';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { Queue } from 'bullmq';
import pino from 'pino';
import { adminRequest } from '../support/csms';
import { aDriverWithCard } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * The bridge's settlement listener tells the CSMS of every settlement the ledger commits, from the ledger's
 * own events, exactly once however often it restarts: it checkpoints each event after reporting it, and the
 * report's job id is the session's.
 */

const OUTCOMES_QUEUE = 'ledger-outcomes';

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
let dir: string;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
  dir = await mkdtemp(path.join(tmpdir(), 'chargeledger-checkpoint-'));
});
afterAll(async () => {
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await pipeline.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

it('reports a settlement to the CSMS once, from the committed event, and again after a restart only as the same job', async () => {
  pipeline = await aPipeline(ledger, '2.0.1');
  const file = path.join(dir, 'settlements.json');
  const listen = async (): Promise<SettlementListener> => {
    const listener = new SettlementListener({ source: ledger.events, checkpointer: await checkpointers.file(file), connection: pipeline.csms.redis, prefix: pipeline.csms.prefix, outcomesQueueName: OUTCOMES_QUEUE, retention: loadConfig().queue.retention, log: pino({ level: 'silent' }) });
    listener.run();
    return listener;
  };
  // First start: no checkpoint yet, so the listener begins at the ledger's present.
  const first = await listen();
  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
  await pipeline.issueCard(driver);
  const session = await startCharging(pipeline, driver.idToken);
  await chargeAndStop(pipeline, 8 * MINUTE_MS);
  const receipt = await until('the receipt', () => readLedger(ledger).receipt(session.sessionId).catch(() => undefined));

  const outcomes = new Queue<SettlementOutcome>(OUTCOMES_QUEUE, { connection: pipeline.csms.redis, prefix: pipeline.csms.prefix });
  const jobId = settlementOutcomeJobId(session.sessionId);
  const job = await until('the settlement outcome', async () => (await outcomes.getJob(jobId)) ?? undefined);
  expect(job.data).toMatchObject({ kind: 'SessionSettled', sessionId: session.sessionId, chargerId: pipeline.station.stationId, charged: receipt.charged, energyWh: receipt.energyWh, ledgerTxId: receipt.txId });
  const block = BigInt(job.data.blockNumber);
  expect(block).toBeGreaterThan(0n);
  expect(block).toBeLessThan(await ledger.height());

  // The CSMS records what the ledger settled on the session, where the admin API shows it.
  const shown = await until('the session settled at the CSMS', async () => {
    const response = await adminRequest(pipeline.csms, 'GET', `/api/sessions/${session.sessionId}`);
    const body = JSON.parse(response.body) as { settlement?: unknown };
    return body.settlement === undefined ? undefined : body;
  });
  expect(shown).toMatchObject({ settlement: { charged: receipt.charged, ledgerTxId: receipt.txId, blockNumber: job.data.blockNumber, verification: 'verified' } });
  await first.close();

  // A restart from a checkpoint before the settlement's block replays its event: the CSMS still has one job.
  const replay = await checkpointers.file(file);
  await replay.checkpointBlock(block - 1n);
  const second = await listen();
  await until('the replay to pass the settlement', async () => {
    // Read as a bystander: the listener's checkpointer may be rewriting the file at this moment.
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { blockNumber?: number; transactionId?: string };
      return saved.blockNumber !== undefined && BigInt(saved.blockNumber) >= block && saved.transactionId !== undefined ? true : undefined;
    } catch {
      return undefined;
    }
  });
  await second.close();
  const settled = (await outcomes.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).filter((candidate) => candidate.data.kind === 'SessionSettled' && candidate.data.sessionId === session.sessionId);
  expect(settled).toHaveLength(1);
  expect(settled[0]?.id).toBe(jobId);
  await outcomes.close();
});
