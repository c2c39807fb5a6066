import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import { loadConfig } from '@chargeledger/config';
import type { LedgerEvent, SessionEnded } from '@chargeledger/ledger-queue';
import { type ChargePoint, createChargePoint, ManualClock, type StopResult } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, type CsmsProcess, freePort } from '../../support/csms-process';

const PASSWORD = 'a-long-charger-password';
const TOKEN = '04A2B3C4D5E6F7';
const CHARGERS = 8;
const EV = { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 };

async function api(csms: CsmsProcess, method: string, path: string, body: object): Promise<void> {
  const response = await fetch(`${csms.url}${path}`, { method, headers: { authorization: `Bearer ${csms.options.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

async function started(cp: ChargePoint): Promise<number> {
  const start = await cp.authorizeAndStart(TOKEN);
  if (!start.accepted) throw new Error(`token refused: ${start.status}`);
  return start.evseId;
}

describe('a CSMS killed with SIGKILL in the middle of sessions', () => {
  const config = loadConfig();
  let csms: CsmsProcess;
  let redis: Redis;
  let queue: Queue<LedgerEvent>;
  const chargePoints: ChargePoint[] = [];

  beforeAll(async () => {
    csms = aCsmsProcess(await freePort());
    redis = new Redis({ host: config.redis.host, port: config.redis.port });
    queue = new Queue('ledger-events', { connection: redis, prefix: csms.options.prefix });
    await csms.start();
  });

  afterAll(async () => {
    await Promise.all(chargePoints.map((cp) => cp.close()));
    await csms.stop();
    await queue.close();
    await removeKeys(redis, csms.options.prefix);
    redis.disconnect();
  });

  it('completes every session after a restart, with nothing lost or doubled', async () => {
    await api(csms, 'PUT', `/api/id-tokens/${TOKEN}`, { accountId: 'driver-alice' });
    for (let i = 0; i < CHARGERS; i++) {
      const identity = `CRASH-${i}`;
      await api(csms, 'POST', '/api/chargers', { identity, password: PASSWORD });
      chargePoints.push(
        createChargePoint({
          protocol: i % 2 === 0 ? '1.6' : '2.0.1',
          identity,
          endpoint: csms.ocppEndpoint,
          password: PASSWORD,
          template: 'voltbridge-ac22-duo',
          clock: new ManualClock(Date.parse('2026-11-24T08:00:00Z')),
          backoff: { initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 0 },
        }),
      );
    }
    await Promise.all(chargePoints.map((cp) => cp.connect()));
    await Promise.all(chargePoints.map((cp) => cp.plugIn(1, EV)));
    const evses = await Promise.all(chargePoints.map(started));

    // Meter values are in flight when the process dies: some calls are answered, some never.
    const inFlight = Promise.all(chargePoints.map((cp) => cp.advance(10 * 60_000)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await csms.kill();
    await inFlight;
    await Promise.all(chargePoints.map((cp) => (cp.online ? cp.next('connection', (e) => !e.online) : undefined)));

    // Offline, the chargers keep charging and end their sessions; the messages wait in their outboxes.
    await Promise.all(chargePoints.map((cp) => cp.advance(10 * 60_000)));
    const firstStops: StopResult[] = await Promise.all(chargePoints.map((cp) => cp.stop('Local')));

    await csms.start();
    await Promise.all(chargePoints.map((cp) => (cp.online ? undefined : cp.next('connection', (e) => e.online))));
    await Promise.all(chargePoints.map((cp) => cp.settle()));

    // A second session on each charger, all online.
    await Promise.all(chargePoints.map((cp) => cp.unplug(1)));
    await Promise.all(chargePoints.map((cp) => cp.plugIn(1, EV)));
    await Promise.all(chargePoints.map(started));
    await Promise.all(chargePoints.map((cp) => cp.advance(15 * 60_000)));
    const secondStops = await Promise.all(chargePoints.map((cp) => cp.stop('Local')));
    await Promise.all(chargePoints.map((cp) => cp.settle()));

    const events = (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((job) => job.data);
    const startedIds = events.filter((e) => e.kind === 'SessionStarted').map((e) => e.sessionId).sort();
    const ended = events.filter((e): e is SessionEnded => e.kind === 'SessionEnded');
    expect(startedIds).toHaveLength(2 * CHARGERS);
    expect(new Set(startedIds).size).toBe(2 * CHARGERS);
    expect(ended.map((e) => e.sessionId).sort()).toEqual(startedIds);

    // Every session's evidence verifies against its meter, and the energies are the chargers' own.
    chargePoints.forEach((cp, i) => {
      const mine = ended.filter((e) => e.chargerId === cp.identity).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
      expect(mine.map((e) => e.meterStopWh - e.meterStartWh)).toEqual([firstStops[i]!.energyWh, secondStops[i]!.energyWh]);
      for (const session of mine) {
        const records = session.evidence.flatMap((evidence) => evidence.records);
        expect(verifyTransactionEvidence(records, cp.meterPublicKey(evses[i]!)).energyWh).toBe(session.meterStopWh - session.meterStartWh);
      }
    });
  }, 120_000);
});
