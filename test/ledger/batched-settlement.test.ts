import { loadConfig } from '@chargeledger/config';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEnvFile, repositoryRoot } from '@chargeledger/config';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import { applyEvent, SessionBatcher, SettlementListener, type Outcome } from '@chargeledger/ledger-bridge';
import { settlementOutcomeJobId, type LedgerEvent, type SessionEnded, type SettlementOutcome } from '@chargeledger/ledger-queue';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { Queue } from 'bullmq';
import pino from 'pino';
import { aDriverWithCard, type DriverOnLedger } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * Several settlements in one transaction (ADR 0022), through the bridge's SessionBatcher on the ledger
 * under test: the sessions of a two-EVSE charger, charged while no bridge ran, each with its own signed
 * evidence. The opens are applied one by one; the ends are handed over together.
 */

const OUTCOMES_QUEUE = 'ledger-outcomes';
const log = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});
afterEach(async () => {
  await pipeline.close();
});

/** A charger whose two EVSEs have registered meters, and a session on each, ended; no bridge ran. Returns the ends, opened on the ledger. */
async function twoEndedSessions(drivers: readonly [DriverOnLedger, DriverOnLedger]): Promise<SessionEnded[]> {
  pipeline = await aPipeline(ledger, '1.6', { bridgeHeld: true });
  await ledger.party('authority').submit('Registry:registerMeter', {
    eventId: `meter-${pipeline.station.stationId}-2`,
    meterSerial: `${pipeline.station.stationId}-M2`,
    binding: { kind: 'evse', stationId: pipeline.station.stationId, evseId: '2' },
    keyId: 'k1',
    publicKey: pipeline.chargePoint.meterPublicKey(2),
  });
  for (const driver of new Set(drivers)) await pipeline.issueCard(driver);
  const sessions = [await startCharging(pipeline, drivers[0].idToken, 1), await startCharging(pipeline, drivers[1].idToken, 2)];
  await chargeAndStop(pipeline, 6 * MINUTE_MS, 1);
  await chargeAndStop(pipeline, 2 * MINUTE_MS, 2);
  const ends: SessionEnded[] = [];
  for (const session of sessions) {
    const started = (await pipeline.csms.queue.getJob(jobIds(session.sessionId).started))?.data as LedgerEvent;
    expect(await applyEvent(ledger.bridge, started)).toMatchObject({ kind: 'session-opened' });
    ends.push((await pipeline.csms.queue.getJob(jobIds(session.sessionId).ended))?.data as SessionEnded);
  }
  return ends;
}

/**
 * How many requests of each kind the Wallets' peer has answered its chaincode service (its Prometheus counter
 * chaincode_shim_requests_completed, successful ones), on Fabric.
 */
async function walletsPeerShimRequests(): Promise<Map<string, number>> {
  const settings: Record<string, string | undefined> = { ...parseEnvFile(readFileSync(path.join(repositoryRoot, 'config', 'defaults.env'), 'utf8')), ...process.env };
  const metrics = await (await fetch(`http://${settings['FABRIC_WALLETS_HOST']}:${settings['FABRIC_WALLETS_PEER_OPERATIONS_PORT']}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const [, labels, value] of metrics.matchAll(/^chaincode_shim_requests_completed\{([^}]*)\} (\S+)$/gm)) {
    if (!labels?.includes('success="true"')) continue;
    const type = /type="([A-Z_]+)"/.exec(labels)?.[1] ?? '?';
    counts.set(type, (counts.get(type) ?? 0) + Number(value));
  }
  return counts;
}

const aBatcher = (): SessionBatcher => new SessionBatcher({ ledger: ledger.bridge, maxPerTransaction: 10, transactionsInFlight: 1, confirmRefusalMs: 0, log });

it('settles sessions handed over together in one transaction, each at its own price, reported to the CSMS once each', async () => {
  const drivers = [await aDriverWithCard(ledger, { topUp: 5000 }), await aDriverWithCard(ledger, { topUp: 5000 })] as const;
  const ends = await twoEndedSessions(drivers);
  const checkpointDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-checkpoint-'));
  const listener = new SettlementListener({ source: ledger.events, checkpointer: await checkpointers.file(path.join(checkpointDir, 'c.json')), connection: pipeline.csms.redis, prefix: pipeline.csms.prefix, outcomesQueueName: OUTCOMES_QUEUE, retention: loadConfig().queue.retention, log });
  listener.run();
  const outcomes = new Queue<SettlementOutcome>(OUTCOMES_QUEUE, { connection: pipeline.csms.redis, prefix: pipeline.csms.prefix });
  try {
    const batcher = aBatcher();
    const before = ledger.kind === 'fabric' ? await walletsPeerShimRequests() : undefined;
    const settled = await Promise.all(ends.map((end, i) => batcher.settle(end, drivers[i]?.accountId)));
    expect(settled.map((o) => o.kind)).toEqual(['session-settled', 'session-settled']);
    if (before !== undefined) {
      // On Fabric the settlements' reads and writes went in the peer's batches (ADR 0024): the Wallets' peer
      // endorses every settlement, and answered batches, not a message per key. The one key read alone is the
      // caller's operator binding (ADR 0038): once a transaction, however many sessions it settles.
      const after = await walletsPeerShimRequests();
      const more = (type: string): number => (after.get(type) ?? 0) - (before.get(type) ?? 0);
      expect({ reads: more('GET_STATE_MULTIPLE'), writes: more('WRITE_BATCH_STATE'), keyByKey: more('GET_STATE') + more('PUT_STATE') + more('DEL_STATE') }).toEqual({ reads: 2, writes: 1, keyByKey: 1 });
    }
    const receipts = await Promise.all(ends.map((end) => readLedger(ledger).receipt(end.sessionId)));
    expect(receipts.map((r) => r.verification)).toEqual(['verified', 'verified']);
    expect(receipts[0]?.txId).toBe(receipts[1]?.txId);
    expect(receipts[0]?.charged).not.toBe(receipts[1]?.charged);
    for (const [i, receipt] of receipts.entries()) {
      expect(await readLedger(ledger).account(drivers[i]?.accountId ?? '')).toMatchObject({ balance: 5000 - receipt.charged, held: 0 });
    }

    // Handed over again (a redelivered job): the same results, nothing written twice.
    expect(await Promise.all(ends.map((end) => aBatcher().settle(end, undefined)))).toEqual(settled);
    for (const [i, receipt] of receipts.entries()) {
      expect(await readLedger(ledger).account(drivers[i]?.accountId ?? '')).toMatchObject({ balance: 5000 - receipt.charged });
    }

    // The transaction's one event tells the CSMS of both settlements, each once under its session's job id.
    const reported = async (): Promise<SettlementOutcome[]> => (await outcomes.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).map((job) => job.data);
    const deadline = Date.now() + 60_000;
    while ((await reported()).length < 2 && Date.now() < deadline) await sleep(50);
    await sleep(500);
    expect((await reported()).map((o) => o.sessionId).sort()).toEqual(ends.map((e) => e.sessionId).sort());
    for (const receipt of receipts) {
      expect(await outcomes.getJob(settlementOutcomeJobId(receipt.sessionId))).toMatchObject({ data: { kind: 'SessionSettled', ledgerTxId: receipt.txId, charged: receipt.charged, energyWh: receipt.energyWh } });
    }
  } finally {
    await outcomes.close();
    await listener.close();
    await rm(checkpointDir, { recursive: true, force: true });
  }
});

it('shares one transaction between the ends handed over at once, and ends refused only the session whose evidence is wrong', async () => {
  const drivers = [await aDriverWithCard(ledger, { topUp: 5000 }), await aDriverWithCard(ledger, { topUp: 5000 })] as const;
  const [good, bad] = await twoEndedSessions(drivers) as [SessionEnded, SessionEnded];
  // The second session's end carries the first's signed records: another meter's.
  const forged: SessionEnded = { ...bad, evidence: good.evidence };
  const batcher = aBatcher();
  const [settled, refused] = await Promise.all([batcher.settle(good, drivers[0].accountId), batcher.settle(forged, drivers[1].accountId)]);

  expect(settled).toMatchObject({ kind: 'session-settled', sessionId: good.sessionId, verification: 'verified' });
  // Records that can never settle the session end it (decision 25): its hold is released, nothing charged.
  expect(refused).toMatchObject({ kind: 'session-refused', sessionId: bad.sessionId, code: 'EVIDENCE_REJECTED', released: 2000 });
  const receipt = await readLedger(ledger).receipt(good.sessionId);
  // Refused in the same transaction that settled the other.
  expect(await readLedger(ledger).session(bad.sessionId)).toMatchObject({ status: 'refused', refusal: { code: 'EVIDENCE_REJECTED', txId: receipt.txId } });
  expect(await readLedger(ledger).account(drivers[1].accountId)).toMatchObject({ balance: 5000, held: 0 });
  // The session is over: its end delivered again, with its own records, gets the first answer (the records are
  // not in the event id's request), and a settlement under another event id finds the session refused.
  expect(await aBatcher().settle(bad, drivers[1].accountId)).toEqual(refused);
  await expect(aBatcher().settle({ ...bad, eventId: `again.${bad.eventId}` }, drivers[1].accountId)).rejects.toEqual(expect.any(LedgerRefusal));
  await expect(aBatcher().settle({ ...bad, eventId: `again.${bad.eventId}` }, drivers[1].accountId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
});

it("settles one driver's two sessions in two transactions when the bridge does not know they share the account", async () => {
  const driver = await aDriverWithCard(ledger, { topUp: 10_000, sessionLimit: 2000 });
  const ends = await twoEndedSessions([driver, driver]);
  const batcher = aBatcher();
  // Without the account the batcher puts both in one transaction; the chaincode defers the second, and the batcher sends it again.
  const settled: Outcome[] = await Promise.all(ends.map((end) => batcher.settle(end, undefined)));
  expect(settled.map((o) => o.kind)).toEqual(['session-settled', 'session-settled']);
  const receipts = await Promise.all(ends.map((end) => readLedger(ledger).receipt(end.sessionId)));
  expect(receipts[0]?.txId).not.toBe(receipts[1]?.txId);
  expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 10_000 - (receipts[0]?.charged ?? 0) - (receipts[1]?.charged ?? 0), held: 0 });
});
