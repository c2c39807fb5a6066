import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import type { SessionEnded, SessionStarted } from '@chargeledger/ledger-queue';
import { type ChargePoint, createChargePoint, ManualClock } from '@chargeledger/simulators';
import { issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';
const EV = { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 };

async function sessionEvents(running: RunningCsms): Promise<{ started: SessionStarted[]; ended: SessionEnded[] }> {
  const jobs = await running.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  const data = jobs.map((job) => job.data as SessionStarted | SessionEnded);
  return { started: data.filter((e): e is SessionStarted => e.kind === 'SessionStarted'), ended: data.filter((e): e is SessionEnded => e.kind === 'SessionEnded') };
}

describe.each(['1.6', '2.0.1'] as const)('an OCPP %s charger simulator through the CSMS to the queue', (protocol) => {
  let running: RunningCsms;
  const chargePoints: ChargePoint[] = [];

  beforeEach(async () => {
    running = await startCsms();
    await provisionCharger(running, 'SIM-1', PASSWORD);
    await issueIdToken(running, '04A2B3C4D5E6F7', 'driver-alice');
  });

  afterEach(async () => {
    await Promise.all(chargePoints.splice(0).map((cp) => cp.close()));
    await running.stop();
  });

  const aChargePoint = (endpoint = running.ocppEndpoint): ChargePoint => {
    const cp = createChargePoint({
      protocol,
      identity: 'SIM-1',
      endpoint,
      password: PASSWORD,
      template: 'voltbridge-ac22-duo',
      clock: new ManualClock(Date.parse('2026-11-24T08:00:00Z')),
      backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 },
    });
    chargePoints.push(cp);
    return cp;
  };

  it('queues a session whose signed evidence the chaincode verifier accepts with the meter key', async () => {
    const cp = aChargePoint();
    expect(await cp.connect()).toBe('Accepted');
    await cp.plugIn(1, EV);
    const start = await cp.authorizeAndStart('04A2B3C4D5E6F7');
    if (!start.accepted) throw new Error(`the CSMS refused the token: ${start.status}`);
    await cp.advance(30 * 60_000);
    const stop = await cp.stop('Local');
    await cp.settle();

    const { started, ended } = await sessionEvents(running);
    expect(started).toHaveLength(1);
    expect(ended).toHaveLength(1);
    const end = ended[0]!;
    expect(end.meterStopWh - end.meterStartWh).toBe(stop.energyWh);
    const records = end.evidence.flatMap((evidence) => evidence.records);
    const verified = verifyTransactionEvidence(records, cp.meterPublicKey(start.evseId));
    expect(verified.energyWh).toBe(stop.energyWh);
    expect(stop.energyWh).toBeGreaterThan(4_000);
  });

  it('delivers the messages of a charger that was offline mid-session, and the session is queued once', async () => {
    const cp = aChargePoint();
    await cp.connect();
    await cp.plugIn(1, EV);
    const start = await cp.authorizeAndStart('04A2B3C4D5E6F7');
    if (!start.accepted) throw new Error(`the CSMS refused the token: ${start.status}`);
    const port = Number(new URL(running.ocppEndpoint).port);
    const prefix = running.prefix;

    // The CSMS goes away; the charger keeps charging and stops while offline.
    const offline = cp.next('connection', (event) => !event.online);
    await running.csms.close();
    await offline;
    await cp.advance(20 * 60_000);
    const stop = await cp.stop('Local');
    expect(cp.queuedMessages).toBeGreaterThan(0);

    // A CSMS comes back on the same address with the same Redis state; the charger reconnects and drains its queue.
    const restarted = await startCsms({ prefix, port, nodeId: 'node-b' });
    try {
      await cp.next('connection', (event) => event.online);
      await cp.settle();
      expect(cp.queuedMessages).toBe(0);
      const { started, ended } = await sessionEvents(restarted);
      expect(started).toHaveLength(1);
      expect(ended).toHaveLength(1);
      const records = ended[0]!.evidence.flatMap((evidence) => evidence.records);
      expect(verifyTransactionEvidence(records, cp.meterPublicKey(start.evseId)).energyWh).toBe(stop.energyWh);
    } finally {
      await Promise.all(chargePoints.splice(0).map((c) => c.close()));
      await restarted.stop();
      await running.stop().catch(() => undefined);
      running = await startCsms();
    }
  });
});
