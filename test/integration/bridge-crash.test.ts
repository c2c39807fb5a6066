import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MspId } from '@chargeledger/chaincode/api';
import { type ChargePoint, createChargePoint, loadTemplate, ManualClock } from '@chargeledger/simulators';
import { aDeployedStation, aDriverWithCard, type DriverOnLedger } from '../../support/ledger/deployment';
import { PARTY_ATTRIBUTES } from '../../support/ledger/embedded';
import { type LedgerUnderTest, PARTY_MSP } from '../../support/ledger/ledgers';
import { BridgeProcess } from '../support/bridge-process';
import { adminRequest, issueIdToken, LEDGER_QUERIES, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { freePort } from '../../support/csms-process';

/**
 * The ledger bridge on the embedded ledger as its own process, killed with SIGKILL while a session's
 * settlement is in its hands (its job active under the dead bridge's lock), then started again as its
 * supervisor would. The session settles within seconds of the new bridge serving (ADR 0026), and once.
 */

const PASSWORD = 'a-long-charger-password';
const TEMPLATE = 'voltbridge-ac22-duo';
const AN_EV = { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 };
/** A kill can land after the settlement finished: then the next session is tried, at most this many. */
const ATTEMPTS = 8;

describe('a ledger bridge killed while it settles a session', () => {
  let dataDir: string;
  let csms: RunningCsms;
  let bridge: BridgeProcess;
  let ledger: Pick<LedgerUnderTest, 'party'>;
  const chargePoints: ChargePoint[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-bridge-crash-'));
    csms = await startCsms();
    bridge = new BridgeProcess({ dataDir, gatewayPort: await freePort(), prefix: csms.prefix, names: { events: csms.queue.name, outcomes: 'ledger-outcomes', queries: LEDGER_QUERIES } });
    await bridge.start();
    ledger = { party: (party) => bridge.gateway({ mspId: PARTY_MSP[party] as MspId, attributes: PARTY_ATTRIBUTES[party] }) };
  });

  afterAll(async () => {
    await Promise.all(chargePoints.map((chargePoint) => chargePoint.close()));
    await bridge.stop();
    await csms.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A charger that is a station on the ledger, and a session of a driver with funds charging on it, opened on the ledger. */
  async function aChargingSession(): Promise<{ readonly chargePoint: ChargePoint; readonly sessionId: string; readonly driver: DriverOnLedger }> {
    const identity = `SIM-${randomBytes(4).toString('hex')}`;
    await provisionCharger(csms, identity, PASSWORD);
    const clock = new ManualClock(Date.now());
    const template = loadTemplate(TEMPLATE);
    const chargePoint = createChargePoint({ protocol: '1.6', identity, serialNumber: identity, endpoint: csms.ocppEndpoint, password: PASSWORD, template, clock, backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 } });
    chargePoints.push(chargePoint);
    await aDeployedStation(ledger, { stationId: identity, template, meter: { serial: `${identity}-M1`, publicKey: chargePoint.meterPublicKey(1) } });
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await issueIdToken(csms, driver.idToken, driver.accountId);
    await clock.advance(Math.max(0, Date.now() - clock.now()) + 1_000);
    if ((await chargePoint.connect()) !== 'Accepted') throw new Error(`the CSMS did not accept ${identity}`);
    await chargePoint.plugIn(1, AN_EV);
    const start = await chargePoint.authorizeAndStart(driver.idToken, 1);
    if (!start.accepted) throw new Error(`the card was refused: ${start.status}`);
    if (start.transactionId === undefined) throw new Error('the charger started without a CSMS transaction id');
    const sessionId = `${identity}-${start.transactionId}`;
    await until(`the open of ${sessionId}`, async () => ((await csms.queue.getJobState(`started.${sessionId}`)) === 'completed' ? true : undefined));
    await chargePoint.advance(10 * 60_000);
    return { chargePoint, sessionId, driver };
  }

  /** Stops the session and kills the bridge as soon as it has taken the settlement; whether the kill found it still active. */
  async function stopAndKillInFlight(chargePoint: ChargePoint, sessionId: string): Promise<boolean> {
    const jobId = `ended.${sessionId}`;
    const stopping = chargePoint.stop('Local', 1);
    for (;;) {
      const state = await csms.queue.getJobState(jobId);
      if (state === 'active') break;
      if (state === 'completed' || state === 'failed') {
        await stopping;
        return false;
      }
    }
    await bridge.kill();
    await stopping;
    return (await csms.queue.getJobState(jobId)) === 'active';
  }

  it('settles the session within 5 s of the restarted bridge serving, exactly once', async () => {
    let inFlight: { readonly sessionId: string; readonly driver: DriverOnLedger } | undefined;
    for (let attempt = 1; inFlight === undefined; attempt++) {
      if (attempt > ATTEMPTS) throw new Error(`in ${ATTEMPTS} sessions the bridge finished each settlement before the kill`);
      const { chargePoint, sessionId, driver } = await aChargingSession();
      if (await stopAndKillInFlight(chargePoint, sessionId)) inFlight = { sessionId, driver };
      else await bridge.start();
    }

    const servingAt = await bridge.start();
    const receipt = await until('the receipt', () => ledger.party('operator').evaluate('Session:getReceipt', { sessionId: inFlight.sessionId }).catch(() => undefined));
    const settledAfterServingMs = Date.now() - servingAt;
    expect(settledAfterServingMs).toBeLessThan(5_000);

    // Exactly once: one debit of the driver for the receipt's amount, and the CSMS shows that settlement.
    const { entries } = await ledger.party('wallets').evaluate('Wallet:getHistory', { accountId: inFlight.driver.accountId });
    expect(entries.filter((entry) => entry.reason === 'session-debit').map((entry) => entry.amount)).toEqual([-receipt.charged]);
    const shown = await until('the settlement at the CSMS', async () => {
      const body = JSON.parse((await adminRequest(csms, 'GET', `/api/sessions/${inFlight.sessionId}`)).body) as { settlement?: { charged: number; ledgerTxId: string } };
      return body.settlement;
    });
    expect(shown).toMatchObject({ charged: receipt.charged, ledgerTxId: receipt.txId });
    expect(await csms.queue.getJobState(`ended.${inFlight.sessionId}`)).toBe('completed');
  });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}
