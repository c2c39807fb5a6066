import { randomBytes } from 'node:crypto';
import type { AccountView, Receipt, SessionView } from '@chargeledger/chaincode/src/api';
import { aNetwork, type Cast } from '@chargeledger/chaincode/src/testing/fixtures';
import { type ChargePoint, type ConnectorRef, createChargePoint, type EvModel, loadTemplate, ManualClock, type OcppVersion, type StopResult } from '@chargeledger/simulators';
import { issueIdToken, provisionCharger, type RunningCsms, startCsms, type StartCsmsOptions } from '../../support/csms';
import { type RunningBridge, startBridge } from './bridge';
import { aDeployedStation, type DeployedStation, type DriverOnLedger } from './deployment';
import { InMemoryLedger } from './in-memory-ledger';

/** When the simulated charger's clock starts: Monday 2025-03-03, 09:00 UTC. */
export const SIM_START_MS = Date.UTC(2025, 2, 3, 9, 0, 0);
/** The deployment was set up on the ledger an hour before the first session. */
const LEDGER_SETUP_MS = SIM_START_MS - 60 * 60_000;

const PASSWORD = 'a-long-charger-password';
export const AN_EV: EvModel = { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 };

export interface Pipeline {
  readonly protocol: OcppVersion;
  /** The ledger's organizations, identities and channel. */
  readonly cast: Cast;
  readonly chargePoint: ChargePoint;
  /** The charger's simulated time; also the bridge's clock, so meter readings and ledger timestamps agree. */
  readonly clock: ManualClock;
  readonly csms: RunningCsms;
  readonly bridge: RunningBridge;
  readonly station: DeployedStation;
  /** Issues the driver's card at the CSMS, as the operator does when Wallets has linked it on the ledger. */
  issueCard(driver: DriverOnLedger): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything real but the ledger: a CSMS on a random port and queue prefix, the stack's Redis, a
 * LedgerWorker on the CSMS's queue, an OCPP charge point simulator with a manual clock, and the
 * chaincode on the in-memory channel, deployed as a real deployment would be before the first session.
 */
export interface PipelineOptions {
  readonly template?: string;
  readonly bridgeHeld?: boolean;
  /** Undefined: Authorize asks the operator's registry only, as in a CSMS with CSMS_LEDGER_AUTHORIZATION=off. */
  readonly ledgerAuthorization?: StartCsmsOptions['ledgerAuthorization'];
}

export async function aPipeline(protocol: OcppVersion, options: PipelineOptions = {}): Promise<Pipeline> {
  const template = loadTemplate(options.template ?? 'voltbridge-ac22-duo');
  const cast = aNetwork(LEDGER_SETUP_MS);
  const clock = new ManualClock(SIM_START_MS);
  const identity = `SIM-${randomBytes(4).toString('hex')}`;
  // Closed in reverse: the charge point (no more messages), the worker, then the CSMS, which removes the prefix's keys.
  const opened: { close(): Promise<void> }[] = [];
  const close = async (): Promise<void> => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  };
  try {
    const csms = await startCsms({ ledgerAuthorization: options.ledgerAuthorization });
    opened.push({ close: () => csms.stop() });
    const bridge = startBridge(csms, new InMemoryLedger({ network: cast.network, identity: cast.operator, clock }), { held: options.bridgeHeld === true });
    opened.push({ close: () => bridge.stop() });
    await provisionCharger(csms, identity, PASSWORD);
    const chargePoint = createChargePoint({
      protocol,
      identity,
      serialNumber: identity,
      endpoint: csms.ocppEndpoint,
      password: PASSWORD,
      template,
      clock,
      backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 },
    });
    opened.push(chargePoint);
    // The simulator names each EVSE's meter `<serial number>-M<evse>` (simulators/src/chargepoint/create.ts).
    const station = await aDeployedStation(cast, { stationId: identity, template, meter: { serial: `${identity}-M1`, publicKey: chargePoint.meterPublicKey(1) } });
    const status = await chargePoint.connect();
    if (status !== 'Accepted') throw new Error(`the CSMS did not accept ${identity}: ${status}`);
    return { protocol, cast, chargePoint, clock, csms, bridge, station, issueCard: (driver) => issueIdToken(csms, driver.idToken, driver.accountId), close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface StartedSession {
  readonly sessionId: string;
  readonly evseId: number;
  readonly startedAtMs: number;
}

/** Plugs an EV in and presents the card; resolves once the CSMS has the transaction. */
export async function startCharging(pipeline: Pipeline, idToken: string, connector: ConnectorRef = 1): Promise<StartedSession> {
  const { chargePoint, clock } = pipeline;
  await chargePoint.plugIn(connector, AN_EV);
  const startedAtMs = clock.now();
  const start = await chargePoint.authorizeAndStart(idToken, connector);
  if (!start.accepted) throw new Error(`the CSMS refused the card: ${start.status}`);
  if (start.transactionId === undefined) throw new Error('the charger started without a CSMS transaction id');
  // The CSMS's session id (csms/src/domain/transactions.ts); the bridge opens the ledger session under it.
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

/** The CSMS's deterministic job ids, which are also the chaincode's event ids (csms/src/queue/contract.ts). */
export const jobIds = (sessionId: string): { readonly started: string; readonly ended: string } => ({ started: `started.${sessionId}`, ended: `ended.${sessionId}` });

/** Reads back through the chaincode's queries, as each organization may. */
export const readLedger = (cast: Cast): {
  account(accountId: string): Promise<AccountView>;
  receipt(sessionId: string): Promise<Receipt>;
  session(sessionId: string): Promise<SessionView>;
} => ({
  account: (accountId) => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId }),
  receipt: (sessionId) => cast.network.evaluate(cast.operator, 'Session:getReceipt', { sessionId }),
  session: (sessionId) => cast.network.evaluate(cast.operator, 'Session:getSession', { sessionId }),
});
