import type { LedgerOutcome, SessionEnded } from '@chargeledger/ledger-queue';
import { type ChargePoint, createChargePoint, ManualClock } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';

/**
 * The CSMS's side of the bridge → CSMS contract: an outcome on the outcomes queue (here published by the test,
 * as the bridge would) makes the CSMS stop the session on the charger, over a real socket.
 */
describe.each(['1.6', '2.0.1'] as const)('a hold the ledger refused, OCPP %s', (protocol) => {
  let running: RunningCsms;
  let outcomes: Queue<LedgerOutcome>;
  let cp: ChargePoint;

  beforeEach(async () => {
    running = await startCsms();
    outcomes = new Queue('ledger-outcomes', { connection: running.redis, prefix: running.prefix });
    await provisionCharger(running, 'CP-R', PASSWORD);
    await issueIdToken(running, '04AABBCCDDEEFF', 'driver-bob');
    cp = createChargePoint({ protocol, identity: 'CP-R', endpoint: running.ocppEndpoint, password: PASSWORD, template: 'homebox-ac11', clock: new ManualClock(Date.parse('2026-11-24T08:00:00Z')) });
  });

  afterEach(async () => {
    await cp.close();
    await outcomes.close();
    await running.stop();
  });

  it('stops the session on the charger, which then ends it as usual', async () => {
    await cp.connect();
    await cp.plugIn(1, { batteryCapacityWh: 50_000, initialSocPercent: 30, maxPowerW: 11_000 });
    const start = await cp.authorizeAndStart('04AABBCCDDEEFF');
    if (!start.accepted) throw new Error('token refused');
    await cp.advance(5 * 60_000);
    const sessionId = `CP-R-${start.transactionId}`;
    const ended = cp.next('transactionEnded');

    await outcomes.add('HoldRefused', { kind: 'HoldRefused', eventId: `started.${sessionId}`, sessionId, chargerId: 'CP-R', reason: 'insufficient-funds' }, { jobId: `outcome.started.${sessionId}` });

    expect(await ended).toMatchObject({ reason: 'Remote' });
    await cp.settle();
    const job = await running.queue.getJob(`ended.${sessionId}`);
    expect((job?.data as SessionEnded | undefined)?.reason).toBe('Remote');
  });
});
