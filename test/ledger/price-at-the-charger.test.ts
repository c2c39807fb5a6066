import { setTimeout as sleep } from 'node:timers/promises';
import { priceSession, type Tariff } from '@chargeledger/chaincode/pricing';
import { loadConfig } from '@chargeledger/config';
import { SettlementListener } from '@chargeledger/ledger-bridge';
import { checkpointers } from '@hyperledger/fabric-gateway';
import pino from 'pino';
import { adminRequest } from '../support/csms';
import type { DisplayLine } from '@chargeledger/simulators';
import { aDriverWithCard } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * What a driver reads at the charger (ADR 0033): the tariff at Authorize, the running cost while charging and the
 * final cost, computed by the CSMS with the chaincode's pricing code under the tariff the ledger froze, and once
 * the ledger settled, the receipt's amount. OCPP 2.0.1 TariffAndCost and the OCA's California Pricing for 1.6.
 */

const LEDGER_AUTHORIZATION = { timeoutMs: 10_000, cacheTtlMs: 0, whenUnavailable: 'registry' } as const;
/** The messages a charger with a price display gets that one without must never get. */
const PRICE_ACTIONS = ['CostUpdated', 'SetDisplayMessage', 'DataTransfer'];
/** The outcomes queue test/support/csms.ts has the CSMS consume. */
const OUTCOMES_QUEUE = 'ledger-outcomes';

/** The bridge's settlement listener, as its main runs it: it tells the CSMS the ledger settled a session. */
async function aSettlementListener(pipeline: Pipeline): Promise<SettlementListener> {
  const listener = new SettlementListener({
    source: ledger.events,
    checkpointer: await checkpointers.inMemory(),
    connection: pipeline.csms.redis,
    prefix: pipeline.csms.prefix,
    outcomesQueueName: OUTCOMES_QUEUE,
    retention: loadConfig().queue.retention,
    log: pino({ level: 'silent' }),
  });
  listener.run();
  return listener;
}

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

/** Cents from the decimal amount the display shows: exact for the two digits OCPP carried. */
const cents = (line: DisplayLine): number => Math.round((line.cost ?? Number.NaN) * 100);

async function eventually<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}

/** The CSMS reads what a charger's display can show once its boot is answered; a session starts after that. */
async function capabilityRead(pipeline: Pipeline): Promise<void> {
  const key = `${pipeline.csms.prefix}:csms:price:capability:${pipeline.chargePoint.identity}`;
  const deadline = Date.now() + 30_000;
  while ((await pipeline.csms.redis.exists(key)) === 0) {
    if (Date.now() > deadline) throw new Error('the CSMS never read the charger capability');
    await sleep(25);
  }
}

/** The price of the samples so far under the tariff, as priceSession computes it from the session's start. */
function priceSoFar(tariff: Tariff, samples: readonly { timestampMs: number; registerWh: number }[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined) throw new Error('no samples');
  return priceSession(tariff, { startMs: first.timestampMs, endMs: last.timestampMs, samples: samples.map((s) => ({ timestampMs: s.timestampMs, registerWh: s.registerWh - first.registerWh })) }).total;
}

describe.each(['1.6', '2.0.1'] as const)('the price at the charger over OCPP %s', (protocol) => {
  let pipeline: Pipeline;

  afterEach(async () => {
    await pipeline.close();
  });

  it('shows the tariff at Authorize, a running cost that grows with priceSession on the samples so far, and the receipt amount to the cent', async () => {
    pipeline = await aPipeline(ledger, protocol, { priceDisplay: true, ledgerAuthorization: LEDGER_AUTHORIZATION });
    const { chargePoint } = pipeline;
    await capabilityRead(pipeline);
    const listener = await aSettlementListener(pipeline);
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    // The operator issues the card with the driver's language: the tariff is shown in German.
    expect((await adminRequest(pipeline.csms, 'PUT', `/api/id-tokens/${driver.idToken}`, { accountId: driver.accountId, language: 'de' })).status).toBe(204);

    const session = await startCharging(pipeline, driver.idToken);
    const tariffLine = await eventually('the tariff on the display', () => chargePoint.display().find((line) => line.kind === 'tariff'));
    expect(tariffLine.text).toBe('0.35 EUR je Vorgang, 0.39 EUR/kWh, 0.60 EUR/h Laden (zzgl. MwSt.)');
    const begin = chargePoint.meterReading(session.evseId);
    await pipeline.bridge.completed(jobIds(session.sessionId).started);
    await pipeline.bridge.idle();

    const samples = [{ timestampMs: begin.timestampMs, registerWh: begin.registerWh }];
    for (let minute = 1; minute <= 4; minute++) {
      const shownBefore = chargePoint.display().length;
      await chargePoint.advance(MINUTE_MS);
      const reading = chargePoint.meterReading(session.evseId);
      samples.push({ timestampMs: reading.timestampMs, registerWh: reading.registerWh });
      const running = await eventually(`the running cost after minute ${minute}`, () => chargePoint.display().slice(shownBefore).filter((line) => line.kind === 'running-cost').pop());
      expect(cents(running)).toBe(priceSoFar(pipeline.station.tariff, samples));
      // The CSMS's view of the running session carries the same figure: what a driver's phone shows (ADR 0034).
      const atCsms = await adminRequest(pipeline.csms, 'GET', `/api/sessions/${encodeURIComponent(session.sessionId)}`);
      expect({ status: atCsms.status, runningCost: (JSON.parse(atCsms.body) as { runningCost?: unknown }).runningCost }).toEqual({ status: 200, runningCost: { amount: cents(running), currency: 'EUR' } });
    }
    const runningCosts = chargePoint.display().filter((line) => line.kind === 'running-cost').map(cents);
    expect(runningCosts.length).toBeGreaterThanOrEqual(4);
    expect(runningCosts).toEqual([...runningCosts].sort((a, b) => a - b));
    expect(new Set(runningCosts).size).toBeGreaterThan(1);

    await chargeAndStop(pipeline, MINUTE_MS);
    await pipeline.bridge.completed(jobIds(session.sessionId).ended);
    const receipt = await readLedger(ledger).receipt(session.sessionId);
    // The estimate at the stop, then the receipt's amount once the bridge's listener reported the settlement.
    const finals = await eventually('the receipt on the display', () => {
      const shown = chargePoint.display().filter((line) => line.kind === 'final-cost');
      return shown.length >= 2 ? shown : undefined;
    });
    expect(finals.map(cents)).toEqual([receipt.charged, receipt.charged]);
    expect(receipt.charged).toBeGreaterThan(runningCosts[runningCosts.length - 1] ?? 0);
    // 2.0.1: SetDisplayMessage follows CostUpdated; 1.6: FinalCost carries it as its text.
    const receiptText = protocol === '2.0.1' ? (await eventually('the receipt message', () => chargePoint.display().find((line) => line.kind === 'message'))).text : finals[1]?.text;
    expect(receiptText).toContain(receipt.txId.slice(0, 8));
    await listener.close();
  });

  it('sends a charger without a price display nothing new', async () => {
    pipeline = await aPipeline(ledger, protocol, { ledgerAuthorization: LEDGER_AUTHORIZATION });
    const { chargePoint } = pipeline;
    await capabilityRead(pipeline);
    const listener = await aSettlementListener(pipeline);
    const received: string[] = [];
    chargePoint.on('csmsRequest', ({ action }) => received.push(action));
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    const session = await startCharging(pipeline, driver.idToken);
    await pipeline.bridge.completed(jobIds(session.sessionId).started);
    await pipeline.bridge.idle();
    await chargePoint.advance(2 * MINUTE_MS);
    await chargeAndStop(pipeline, MINUTE_MS);
    await pipeline.bridge.completed(jobIds(session.sessionId).ended);
    await pipeline.bridge.idle();
    await sleep(300);

    expect(chargePoint.display()).toEqual([]);
    expect(received.filter((action) => PRICE_ACTIONS.includes(action))).toEqual([]);
    await listener.close();
  });
});
