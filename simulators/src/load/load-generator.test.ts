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
});
