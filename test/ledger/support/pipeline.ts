import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountView, Receipt, SessionView } from '@chargeledger/chaincode/api';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { loadConfig } from '@chargeledger/config';
import { type DeadLetter, type Outcome, type RunningBridge, startBridge } from '@chargeledger/ledger-bridge';
import { type LedgerEvent, ledgerQueueNames } from '@chargeledger/ledger-queue';
import { type ChargePoint, type ConnectorRef, createChargePoint, type EvModel, loadTemplate, ManualClock, type OcppVersion, type StopResult } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { issueIdToken, LEDGER_QUERIES, provisionCharger, type RunningCsms, startCsms, type StartCsmsOptions } from '../../support/csms';
import { aDeployedStation, type DeployedStation, type DriverOnLedger } from '../../../support/ledger/deployment';
import type { LedgerUnderTest } from '../../../support/ledger/ledgers';

/** The password of every pipeline's charger, for a test that speaks for the charger itself. */
export const CHARGER_PASSWORD = 'a-long-charger-password';
export const AN_EV: EvModel = { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 };
export const MINUTE_MS = 60_000;
const WAIT_LIMIT_MS = 60_000;
const POLL_MS = 25;
/** The outcomes queue test/support/csms.ts has the CSMS's LedgerReactions consume, to stop chargers. */
const OUTCOMES_QUEUE = 'ledger-outcomes';

export type FinishedJob =
  | { readonly state: 'completed'; readonly event: LedgerEvent; readonly outcome: Outcome }
  | { readonly state: 'failed'; readonly event: LedgerEvent; readonly reason: string };

export interface Pipeline {
  readonly protocol: OcppVersion;
  readonly ledger: LedgerUnderTest;
  readonly chargePoint: ChargePoint;
  /**
   * The charger's clock. It starts at the wall clock's now, because the ledger stamps transactions with real
   * time (a Fabric client cannot choose its proposal's timestamp), and the chaincode allows 15 minutes of
   * meter clock skew: scenarios charge for less than that.
   */
  readonly clock: ManualClock;
  readonly csms: RunningCsms;
  readonly bridge: BridgeProbe;
  readonly station: DeployedStation;
  issueCard(driver: DriverOnLedger): Promise<void>;
  close(): Promise<void>;
}

export interface BridgeProbe {
  run(): void;
  finished(jobId: string): Promise<FinishedJob>;
  completed(jobId: string): Promise<{ readonly event: LedgerEvent; readonly outcome: Outcome }>;
  idle(): Promise<void>;
  redeliver(event: LedgerEvent, jobId: string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  readonly template?: string;
  readonly bridgeHeld?: boolean;
  readonly ledgerAuthorization?: StartCsmsOptions['ledgerAuthorization'];
  readonly tariff?: Tariff;
  /** The charger has a price display (2.0.1 TariffCostCtrlr, 1.6 California Pricing). */
  readonly priceDisplay?: boolean;
}

/**
 * Everything real: a CSMS on a random port and queue prefix, the stack's Redis, the bridge as `startBridge`
 * wires it for the bridge's main, an OCPP charge point simulator, and the ledger under test, deployed as a
 * real deployment would be before the first session.
 */
export async function aPipeline(ledger: LedgerUnderTest, protocol: OcppVersion, options: PipelineOptions = {}): Promise<Pipeline> {
  const template = loadTemplate(options.template ?? 'voltbridge-ac22-duo');
  const clock = new ManualClock(Date.now());
  const identity = `SIM-${randomBytes(4).toString('hex')}`;
  const opened: { close(): Promise<void> }[] = [];
  const close = async (): Promise<void> => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  };
  try {
    const csms = await startCsms({ ledgerAuthorization: options.ledgerAuthorization });
    opened.push({ close: () => csms.stop() });
    const bridge = aBridge(csms, ledger, options.bridgeHeld === true);
    opened.push({ close: () => bridge.stop() });
    await provisionCharger(csms, identity, CHARGER_PASSWORD);
    const chargePoint = createChargePoint({
      protocol,
      identity,
      serialNumber: identity,
      endpoint: csms.ocppEndpoint,
      password: CHARGER_PASSWORD,
      template,
      clock,
      ...(options.priceDisplay === true ? { settings: { priceDisplay: true } } : {}),
      backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 },
    });
    opened.push(chargePoint);
    // The simulator names each EVSE's meter `<serial number>-M<evse>` (simulators/src/chargepoint/create.ts).
    const station = await aDeployedStation(ledger, { stationId: identity, template, meter: { serial: `${identity}-M1`, publicKey: chargePoint.meterPublicKey(1) } }, { tariff: options.tariff });
    // The charger's sessions start after the deployment: the tariff in force is the one just published.
    await clock.advance(Math.max(0, Date.now() - clock.now()) + 1_000);
    const status = await chargePoint.connect();
    if (status !== 'Accepted') throw new Error(`the CSMS did not accept ${identity}: ${status}`);
    return { protocol, ledger, chargePoint, clock, csms, bridge, station, issueCard: (driver) => issueIdToken(csms, driver.idToken, driver.accountId), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The bridge's own wiring (startBridge) on the CSMS's queue, prefix and question list, with probes for the tests. */
function aBridge(running: RunningCsms, ledger: LedgerUnderTest, held: boolean): BridgeProbe {
  const { redis } = loadConfig();
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const queue: Queue = running.queue;
  const names = ledgerQueueNames({ ledgerEvents: queue.name, ledgerOutcomes: OUTCOMES_QUEUE, ledgerQueries: LEDGER_QUERIES });
  const bridge: RunningBridge = startBridge({
    connection,
    prefix: running.prefix,
    names,
    ledger: ledger.bridge,
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    concurrency: 4,
    queryConcurrency: 2,
    orderingDelayMs: 50,
    settlementBatch: loadConfig().bridge.settlementBatch,
    progressAuditMs: loadConfig().bridge.progressAuditMs,
    retention: loadConfig().queue.retention,
    held,
  });
  const outcomes = new Queue(OUTCOMES_QUEUE, { connection, prefix: running.prefix });

  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await sleep(POLL_MS);
    }
  };
  const finished = (jobId: string): Promise<FinishedJob> =>
    until(`job ${jobId}`, async () => {
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = await queue.getJob(jobId);
      if (job === undefined) return undefined;
      const event = job.data as LedgerEvent;
      return state === 'completed' ? { state, event, outcome: job.returnvalue as Outcome } : { state, event, reason: job.failedReason };
    });
  const drained = (of: Queue) => async (): Promise<true | undefined> => {
    const counts = await of.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).every((count) => count === 0) ? true : undefined;
  };
  return {
    run: () => bridge.run(),
    finished,
    completed: async (jobId) => {
      const job = await finished(jobId);
      if (job.state === 'failed') throw new Error(`job ${jobId} failed: ${job.reason}`);
      return { event: job.event, outcome: job.outcome };
    },
    idle: async () => {
      await until('the events applied', drained(queue));
      await until('the outcomes acted on', drained(outcomes));
    },
    redeliver: async (event, jobId) => {
      await queue.add(event.kind, event, { jobId, attempts: 5, backoff: { type: 'fixed', delay: 100 } });
    },
    deadLetters: () => bridge.worker.deadLetters(),
    stop: async () => {
      await bridge.close();
      await outcomes.close();
      connection.disconnect();
    },
  };
}

export interface StartedSession {
  readonly sessionId: string;
  readonly evseId: number;
  readonly startedAtMs: number;
}

/** Plugs an EV in and presents the card; resolves once the CSMS has the transaction. */
export async function startCharging(pipeline: Pipeline, idToken: string, connector: ConnectorRef = 1, ev: EvModel = AN_EV): Promise<StartedSession> {
  const { chargePoint, clock } = pipeline;
  await chargePoint.plugIn(connector, ev);
  const startedAtMs = clock.now();
  const start = await chargePoint.authorizeAndStart(idToken, connector);
  if (!start.accepted) throw new Error(`the CSMS refused the card: ${start.status}`);
  if (start.transactionId === undefined) throw new Error('the charger started without a CSMS transaction id');
  return { sessionId: `${chargePoint.identity}-${start.transactionId}`, evseId: start.evseId, startedAtMs };
}

export interface EndedSession {
  readonly stop: StopResult;
  readonly endedAtMs: number;
}

/** Lets `durationMs` of simulated charging pass, stops, and waits until the charger's messages are answered. */
export async function chargeAndStop(pipeline: Pipeline, durationMs: number, connector: ConnectorRef = 1): Promise<EndedSession> {
  const { chargePoint, clock } = pipeline;
  await chargePoint.advance(durationMs);
  const stop = await chargePoint.stop('Local', connector);
  const endedAtMs = clock.now();
  await chargePoint.settle();
  return { stop, endedAtMs };
}

/** The CSMS's deterministic job ids, which are also the chaincode's event ids (ledger-queue/src/events.ts). */
export const jobIds = (sessionId: string): { readonly started: string; readonly ended: string } => ({ started: `started.${sessionId}`, ended: `ended.${sessionId}` });

/** Reads back through the chaincode's queries, as each organization may. */
export const readLedger = (ledger: LedgerUnderTest): {
  account(accountId: string): Promise<AccountView>;
  receipt(sessionId: string): Promise<Receipt>;
  session(sessionId: string): Promise<SessionView>;
} => ({
  account: (accountId) => ledger.party('wallets').evaluate('Wallet:getAccount', { accountId }),
  receipt: (sessionId) => ledger.party('operator').evaluate('Session:getReceipt', { sessionId }),
  session: (sessionId) => ledger.party('operator').evaluate('Session:getSession', { sessionId }),
});
