import { loadConfig } from '@chargeledger/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestMeter } from '@chargeledger/chaincode/testing';
import { SettlementListener } from '@chargeledger/ledger-bridge';
import { statementOf } from '@chargeledger/participants';
import { ledgerSettlementOf, renderRefusal } from '@chargeledger/verifier';
import { checkpointers } from '@hyperledger/fabric-gateway';
import pino from 'pino';
import { adminRequest } from '../support/csms';
import { aDriverWithCard, type DriverOnLedger } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, jobIds, MINUTE_MS, type Pipeline, readLedger } from './support/pipeline';
import { ScriptedCharger, type ScriptedSession, type ScriptedStop } from './support/scripted-charger';

/**
 * A settlement the ledger refuses for a reason that cannot change ends the session refused (ADR 0025): the
 * hold is released in the same transaction, nothing is charged, and the refusal's code and reason are on the
 * ledger, in the driver's statement, at the CSMS (its admin API and /metrics) and in verify's answer. From a
 * charger that says what the test chooses, through the real CSMS, Redis/BullMQ, the bridge and its settlement
 * listener, to the ledger under test.
 */

const OUTCOMES_QUEUE = 'ledger-outcomes';
const REGISTER_START_WH = 100_000;
const HOLD = 2000;

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
let listener: SettlementListener;
let charger: ScriptedCharger;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
  pipeline = await aPipeline(ledger, '1.6');
  listener = new SettlementListener({ source: ledger.events, checkpointer: checkpointers.inMemory(), connection: pipeline.csms.redis, prefix: pipeline.csms.prefix, outcomesQueueName: OUTCOMES_QUEUE, retention: loadConfig().queue.retention, log: pino({ level: 'silent' }) });
  listener.run();
  charger = await ScriptedCharger.connect(ledger, pipeline.csms);
});
afterAll(async () => {
  await charger?.close();
  await listener?.close();
  await pipeline?.close();
  await ledger?.close();
});

interface CsmsSessionBody {
  readonly energyWh: number;
  readonly billedEnergyWh?: number;
  readonly flags: readonly string[];
  readonly settlement?: { readonly status: string; readonly code?: string; readonly reason?: string; readonly charged?: number; readonly energyWh?: number };
}

async function csmsSession(sessionId: string): Promise<CsmsSessionBody> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await adminRequest(pipeline.csms, 'GET', `/api/sessions/${sessionId}`);
    const body = JSON.parse(response.body) as CsmsSessionBody;
    if (body.settlement !== undefined) return body;
    if (Date.now() > deadline) throw new Error(`the CSMS never learnt how session ${sessionId} ended`);
    await sleep(50);
  }
}

async function refusedCount(code: string): Promise<number> {
  const metrics = (await adminRequest(pipeline.csms, 'GET', '/metrics')).body;
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`csms_settlements_refused_total{code="${code}"}`));
  return Number(line?.split(' ').at(-1));
}

/**
 * A session of five minutes by the charger's clock, starting now (after the station's tariff was published;
 * the ledger allows a meter's clock 15 minutes ahead), ended with what `stop` says; resolves once the bridge
 * applied its end.
 */
async function aSession(driver: DriverOnLedger, stop: (startMs: number, endMs: number) => ScriptedStop, startMs = Date.now()): Promise<ScriptedSession> {
  const endMs = startMs + 5 * MINUTE_MS;
  const session = await charger.start(driver.idToken, startMs, REGISTER_START_WH);
  await pipeline.bridge.completed(jobIds(session.sessionId).started);
  await charger.stop(session, endMs, stop(startMs, endMs));
  await pipeline.bridge.finished(jobIds(session.sessionId).ended);
  return session;
}

const signedBy = (meter: TestMeter, energyWh = 2000, startWh = REGISTER_START_WH) => (startMs: number, endMs: number): string[] =>
  meter.session({ timeMs: startMs, registerWh: startWh }, { timeMs: endMs, registerWh: startWh + energyWh });

async function aDriver(): Promise<DriverOnLedger> {
  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: HOLD });
  await pipeline.issueCard(driver);
  return driver;
}

describe.each([
  {
    case: 'records signed with a key the Authority never registered',
    code: 'EVIDENCE_REJECTED',
    stop: () => (startMs: number, endMs: number): ScriptedStop => ({ meterStopWh: REGISTER_START_WH + 2000, records: signedBy(new TestMeter(charger.meter.serial))(startMs, endMs) }),
  },
  {
    case: 'records altered after the meter signed them',
    code: 'EVIDENCE_REJECTED',
    stop: () => (startMs: number, endMs: number): ScriptedStop => {
      const [begin = '', end = ''] = signedBy(charger.meter)(startMs, endMs);
      return { meterStopWh: REGISTER_START_WH + 9000, records: [begin, end.replace('"RV":102.000', '"RV":109.000')] };
    },
  },
  {
    case: 'no signed data where the Authority permits none',
    code: 'UNSIGNED_NOT_ALLOWED',
    stop: () => (): ScriptedStop => ({ meterStopWh: REGISTER_START_WH + 2000, records: [] }),
  },
])('a session ended with $case', ({ code, stop }) => {
  it(`ends refused (${code}): the hold released, nothing charged, and why shown on the ledger, in the statement, at the CSMS and by verify`, async () => {
    const driver = await aDriver();
    const before = await refusedCount(code);
    const session = await aSession(driver, stop());

    // The bridge's job completes: the ledger answered, and the session is over.
    expect(await pipeline.bridge.finished(jobIds(session.sessionId).ended)).toMatchObject({ state: 'completed', outcome: { kind: 'session-refused', code, released: HOLD } });
    const read = readLedger(ledger);
    const onLedger = await read.session(session.sessionId);
    expect(onLedger).toMatchObject({ status: 'refused', holdAmount: HOLD, refusal: { code, reason: expect.any(String) } });
    expect(await read.account(driver.accountId)).toMatchObject({ balance: 5000, held: 0, available: 5000 });
    expect(await read.account(charger.station.payeeAccountId)).toMatchObject({ balance: 0 });
    await expect(read.receipt(session.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The driver's statement says why, with no amount.
    const statement = await statementOf(ledger.party('wallets'), driver.accountId);
    expect(statement).toContainEqual(expect.objectContaining({ reason: 'session-refused', ref: session.sessionId, amount: 0, refusal: expect.objectContaining({ code, reason: onLedger.refusal?.reason }) }));

    // verify answers from the ledger that there is no bill to check, and why.
    const settlement = await ledgerSettlementOf(ledger.party('wallets'), session.sessionId);
    expect(settlement).toMatchObject({ kind: 'refused', refusal: { code } });
    if (settlement.kind === 'refused') expect(renderRefusal(session.sessionId, settlement.refusal)).toContain(`refused by the ledger: ${code}`);

    // The CSMS learns it from the ledger's event, shows it, and counts it.
    expect(await csmsSession(session.sessionId)).toMatchObject({ settlement: { status: 'refused', code, reason: onLedger.refusal?.reason } });
    expect(await refusedCount(code)).toBe(before + 1);
  });
});

describe('a session ended with records that already settled another session', () => {
  it('ends refused (EVIDENCE_REUSED), its hold released, and the first session stays settled', async () => {
    const driver = await aDriver();
    const startMs = Date.now();
    const records = signedBy(charger.meter)(startMs, startMs + 5 * MINUTE_MS);
    const first = await aSession(driver, () => ({ meterStopWh: REGISTER_START_WH + 2000, records }), startMs);
    expect(await csmsSession(first.sessionId)).toMatchObject({ settlement: { status: 'settled' } });
    const charged = (await readLedger(ledger).receipt(first.sessionId)).charged;
    const before = await refusedCount('EVIDENCE_REUSED');

    // A second session, a second later, ended with the same records.
    const second = await aSession(driver, () => ({ meterStopWh: REGISTER_START_WH + 2000, records }), startMs + 1_000);
    expect(await readLedger(ledger).session(second.sessionId)).toMatchObject({ status: 'refused', refusal: { code: 'EVIDENCE_REUSED' } });
    expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 5000 - charged, held: 0 });
    expect(await ledgerSettlementOf(ledger.party('wallets'), second.sessionId)).toMatchObject({ kind: 'refused', refusal: { code: 'EVIDENCE_REUSED' } });
    expect(await csmsSession(second.sessionId)).toMatchObject({ settlement: { status: 'refused', code: 'EVIDENCE_REUSED' } });
    expect(await refusedCount('EVIDENCE_REUSED')).toBe(before + 1);
  });
});

describe('a charger that claims more energy than its meter signed', () => {
  it('is billed the signed energy; the CSMS shows both figures and flags the session', async () => {
    const driver = await aDriver();
    // The meter's register moved on since the sessions above settled: a meter's register never goes back.
    const session = await aSession(driver, (startMs, endMs) => ({ meterStopWh: REGISTER_START_WH + 9000, records: signedBy(charger.meter, 2000, REGISTER_START_WH + 10_000)(startMs, endMs) }));

    expect(await readLedger(ledger).receipt(session.sessionId)).toMatchObject({ energyWh: 2000, verification: 'verified' });
    const shown = await csmsSession(session.sessionId);
    expect(shown).toMatchObject({ energyWh: 9000, billedEnergyWh: 2000, settlement: { status: 'settled', energyWh: 2000 }, flags: ['claimed-differs-from-signed'] });
    const metrics = (await adminRequest(pipeline.csms, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/csms_session_flags_total\{flag="claimed-differs-from-signed"\} [1-9]/);
  });
});

describe('a meter that starts its pagination again under the same key, as a simulated meter did on every run', () => {
  it('settles its first session, then ends the next refused (METER_READING_BACKWARDS) though its register moved on', async () => {
    const driver = await aDriver();
    const startMs = Date.now();
    const first = await aSession(driver, () => ({ meterStopWh: REGISTER_START_WH + 22_000, records: signedBy(charger.meter, 2000, REGISTER_START_WH + 20_000)(startMs, startMs + 5 * MINUTE_MS) }), startMs);
    expect(await csmsSession(first.sessionId)).toMatchObject({ settlement: { status: 'settled' } });
    const charged = (await readLedger(ledger).receipt(first.sessionId)).charged;
    const before = await refusedCount('METER_READING_BACKWARDS');

    charger.meter.restartAt(1);
    const second = await aSession(driver, () => ({ meterStopWh: REGISTER_START_WH + 24_000, records: signedBy(charger.meter, 2000, REGISTER_START_WH + 22_000)(startMs + 6 * MINUTE_MS, startMs + 8 * MINUTE_MS) }), startMs + 6 * MINUTE_MS);
    expect(await readLedger(ledger).session(second.sessionId)).toMatchObject({ status: 'refused', refusal: { code: 'METER_READING_BACKWARDS', reason: expect.stringContaining('T1') } });
    expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 5000 - charged, held: 0 });
    expect(await csmsSession(second.sessionId)).toMatchObject({ settlement: { status: 'refused', code: 'METER_READING_BACKWARDS' } });
    expect(await refusedCount('METER_READING_BACKWARDS')).toBe(before + 1);
  });
});
