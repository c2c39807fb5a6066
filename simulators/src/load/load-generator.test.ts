import type { V201, V201Actions } from '@chargeledger/ocpp-types';
import { CsmsDouble } from '../chargepoint/testing/csms-double';
import { T0 } from '../chargepoint/testing/builders';
import { runLoad } from './load-generator';
import { seededRandom } from './random';

type TransactionEventRequest = V201.TransactionEventRequest;

describe('runLoad', () => {
  it('shares the sessions out among the chargers and completes every one', async () => {
    const csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' });
    try {
      const report = await runLoad({
        protocol: '2.0.1',
        endpoint: csms.endpoint,
        chargers: 3,
        sessions: 7,
        template: 'homebox-ac11',
        identityPrefix: `LOAD-${process.pid}`,
        security: { profile: 0 },
        random: seededRandom(7),
        sessionMinutes: { min: 10, max: 30 },
        stepMinutes: 5,
        paceMs: 0,
        connectConcurrency: 2,
        startMs: T0,
        now: () => 0,
        stopwatch: () => performance.now(),
        sleep: () => Promise.resolve(),
        log: () => undefined,
      });

      expect(report).toMatchObject({ chargersConnected: 3, sessionsCompleted: 7, sessionsFailed: 0, sessionsNotRun: 0, messagesRejected: 0, failures: [] });
      const events = csms.payloads('TransactionEvent');
      const ended = events.filter((e: TransactionEventRequest) => e.eventType === 'Ended');
      expect(events.filter((e) => e.eventType === 'Started')).toHaveLength(7);
      expect(ended).toHaveLength(7);
      expect(new Set(csms.calls.map((c) => c.identity)).size).toBe(3);
      const deliveredWh = ended.reduce((sum, e) => sum + Number(e.meterValue?.[0]?.sampledValue[0]?.value), 0) - events.filter((e) => e.eventType === 'Started').reduce((sum, e) => sum + Number(e.meterValue?.[0]?.sampledValue[0]?.value), 0);
      expect(deliveredWh).toBe(report.energyWh);
      expect(csms.validationFailures).toEqual([]);

      // Every call the CSMS answered is in the histogram once, BootNotification included.
      expect(report.latency.calls).toBe(csms.calls.length);
      const { p50Ms, p90Ms, p99Ms, p999Ms, maxMs } = report.latency;
      expect([p50Ms, p90Ms, p99Ms, p999Ms, maxMs]).toEqual([p50Ms, p90Ms, p99Ms, p999Ms, maxMs].sort((a, b) => a - b));
      expect(p50Ms).toBeGreaterThan(0);
      expect(report.latencyDistribution).toMatch(new RegExp(`#\\[Max\\s+=\\s+${maxMs.toFixed(3).replace('.', '\\.')}, Total count\\s+=\\s+${csms.calls.length}\\]`));
    } finally {
      await csms.close();
    }
  });

  it('keeps each charger’s clock within maxAheadMs of the wall clock, waiting for it rather than running further ahead', async () => {
    const csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' });
    try {
      // A wall clock that moves only when the load generator waits for it.
      let wallMs = T0;
      const waits: number[] = [];
      const report = await runLoad({
        protocol: '2.0.1',
        endpoint: csms.endpoint,
        chargers: 1,
        sessions: 3,
        template: 'homebox-ac11',
        identityPrefix: `PACE-${process.pid}`,
        security: { profile: 0 },
        random: seededRandom(3),
        sessionMinutes: { min: 8, max: 8 },
        stepMinutes: 4,
        idleMinutes: { min: 1, max: 1 },
        maxAheadMs: 12 * 60_000,
        paceMs: 0,
        connectConcurrency: 1,
        startMs: T0,
        now: () => wallMs,
        stopwatch: () => performance.now(),
        sleep: async (ms) => {
          waits.push(ms);
          wallMs += ms;
        },
        log: () => undefined,
      });

      expect(report).toMatchObject({ sessionsCompleted: 3, sessionsFailed: 0 });
      expect(report.sessionIds).toHaveLength(3);
      expect(report.sessionIds.every((id) => id.startsWith(`PACE-${process.pid}-0001-`))).toBe(true);
      // 3 × 8 + 2 × 1 = 26 simulated minutes, at most 12 ahead: the charger waited 14 minutes for the wall clock.
      expect(waits.reduce((sum, ms) => sum + ms, 0)).toBe(14 * 60_000);
    } finally {
      await csms.close();
    }
  });
});
