import type { KeyObject } from 'node:crypto';
import { ManualClock } from '../clock';
import type { ChargePoint, OcppVersion } from '../chargepoint/api';
import { createChargePoint } from '../chargepoint/create';
import type { EvModel } from '../meter/ev';
import type { MeterStateStore } from '../meter/meter-state';
import type { OcppSecurity } from '../ocpp/link';
import { LatencyRecorder, type LatencySummary } from './latency-recorder';
import { between, pick, type Random } from './random';

const MINUTE = 60_000;

export interface LoadOptions {
  readonly protocol: OcppVersion;
  readonly endpoint: string;
  readonly chargers: number;
  readonly sessions: number;
  readonly template: string;
  /** Identities are `<prefix>-0001`, `<prefix>-0002`, … */
  readonly identityPrefix: string;
  readonly security: OcppSecurity;
  /** The cards the sessions present, in turn; undefined: a random card each (which a CSMS must accept unseen). */
  readonly idTokens?: readonly string[];
  readonly random: Random;
  /** Simulated session length, uniform between the bounds. */
  readonly sessionMinutes: { readonly min: number; readonly max: number };
  /** Simulated time per step; the meter values of a step go out before the next step starts. */
  readonly stepMinutes: number;
  /** Simulated time a charger stands idle between two sessions, uniform between the bounds (1-10 when absent). */
  readonly idleMinutes?: { readonly min: number; readonly max: number };
  /**
   * The most a charger's clock may run ahead of `now()`: a charger that would go further waits for the wall
   * clock first. Undefined: unbounded (a ledger refuses meter readings more than its clock skew in the future).
   */
  readonly maxAheadMs?: number;
  /** The signing keys of charger number `index`'s meters, one per EVSE; undefined: fresh keys each run. */
  readonly meterKeys?: (index: number) => readonly KeyObject[];
  /** Where the meters keep pagination and register across runs (createChargePoint's meterStates); none: T1 and 0 each run. */
  readonly meterStates?: MeterStateStore;
  /** Real time to wait between steps; 0 runs as fast as the CSMS answers. */
  readonly paceMs: number;
  /** How many chargers connect at once. */
  readonly connectConcurrency: number;
  /** Simulated time at which every charger's clock starts. */
  readonly startMs: number;
  readonly now: () => number;
  /** Real, monotonic milliseconds (performance.now) that call latencies are measured with. */
  readonly stopwatch: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface LoadReport {
  readonly chargersConnected: number;
  readonly sessionsCompleted: number;
  /** The CSMS's ids of the completed sessions (`<identity>-<transactionId>`). */
  readonly sessionIds: readonly string[];
  readonly sessionsFailed: number;
  /** Sessions left over because no charger could run them (none registered). */
  readonly sessionsNotRun: number;
  readonly energyWh: number;
  readonly messagesRejected: number;
  readonly failures: readonly { readonly identity: string; readonly error: string }[];
  readonly elapsedMs: number;
  /** Every call a charger made that the CSMS answered, BootNotification included, from send to answer. */
  readonly latency: LatencySummary;
  /** The same latencies as HdrHistogram's percentile distribution table (milliseconds), for printing. */
  readonly latencyDistribution: string;
}

function aVehicle(random: Random): EvModel {
  return {
    batteryCapacityWh: Math.round(between(random, 40_000, 100_000)),
    initialSocPercent: Math.round(between(random, 10, 60)),
    maxPowerW: pick(random, [7_400, 11_000, 22_000, 50_000, 150_000]),
  };
}

/** The identity of the load generator's charger number `index` (from 0): `<prefix>-0001`, … */
export function loadIdentity(prefix: string, index: number): string {
  return `${prefix}-${String(index + 1).padStart(4, '0')}`;
}

/** Eight random bytes as hex: shaped like an RFID UID and within 1.6's 20-character idTag. */
export function aToken(random: Random): string {
  return Array.from({ length: 8 }, () => Math.floor(random() * 256).toString(16).padStart(2, '0')).join('').toUpperCase();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Many simulated chargers running sessions against one CSMS. Each charger has its own simulated clock and runs
 * its sessions one after another on EVSE 1; the sessions are shared out as chargers become free. Call latencies
 * of all chargers go into one HdrHistogram, so the report's memory does not grow with the number of calls.
 */
export async function runLoad(options: Readonly<LoadOptions>): Promise<LoadReport> {
  const startedAt = options.now();
  const failures: { identity: string; error: string }[] = [];
  let remaining = options.sessions;
  let completed = 0;
  let failed = 0;
  let energyWh = 0;
  let rejected = 0;
  let waitedMs = 0;
  const sessionIds: string[] = [];
  const latencies = new LatencyRecorder();
  const clocks = new Map<ChargePoint, ManualClock>();
  const idle = options.idleMinutes ?? { min: 1, max: 10 };

  /** Lets `ms` of simulated time pass on the charger, first waiting for the wall clock if it would run too far ahead. */
  const advance = async (cp: ChargePoint, ms: number): Promise<void> => {
    const clock = clocks.get(cp);
    if (options.maxAheadMs !== undefined && clock !== undefined) {
      const tooFar = clock.now() + ms - options.now() - options.maxAheadMs;
      if (tooFar > 0) {
        waitedMs += tooFar;
        await options.sleep(tooFar);
      }
    }
    await cp.advance(ms);
  };

  const chargePoints = Array.from({ length: options.chargers }, (_, i) => {
    const clock = new ManualClock(options.startMs);
    const meterKeys = options.meterKeys?.(i);
    const cp = createChargePoint({
      protocol: options.protocol,
      identity: loadIdentity(options.identityPrefix, i),
      endpoint: options.endpoint,
      security: options.security,
      template: options.template,
      clock,
      stopwatch: options.stopwatch,
      ...(meterKeys === undefined ? {} : { meterKeys }),
      ...(options.meterStates === undefined ? {} : { meterStates: options.meterStates }),
    });
    clocks.set(cp, clock);
    cp.on('messageRejected', () => void rejected++);
    cp.on('callAnswered', ({ latencyMs }) => latencies.record(latencyMs));
    return cp;
  });

  const connected: ChargePoint[] = [];
  for (let i = 0; i < chargePoints.length; i += options.connectConcurrency) {
    const batch = chargePoints.slice(i, i + options.connectConcurrency);
    const results = await Promise.allSettled(batch.map((cp) => cp.connect()));
    results.forEach((result, j) => {
      const cp = batch[j];
      if (cp === undefined) return;
      if (result.status === 'fulfilled' && result.value === 'Accepted') connected.push(cp);
      else failures.push({ identity: cp.identity, error: result.status === 'rejected' ? describe(result.reason) : `boot ${result.value}` });
    });
  }
  options.log(`${connected.length}/${chargePoints.length} chargers registered`);

  const runSessions = async (cp: ChargePoint): Promise<void> => {
    while (remaining > 0) {
      const session = options.sessions - remaining;
      remaining--;
      try {
        await cp.plugIn(1, aVehicle(options.random));
        const card = options.idTokens === undefined || options.idTokens.length === 0 ? aToken(options.random) : (options.idTokens[session % options.idTokens.length] as string);
        const started = await cp.authorizeAndStart(card);
        if (!started.accepted) throw new Error(`token not accepted: ${started.status}`);
        const minutes = between(options.random, options.sessionMinutes.min, options.sessionMinutes.max);
        for (let elapsed = 0; elapsed < minutes; elapsed += options.stepMinutes) {
          await advance(cp, Math.min(options.stepMinutes, minutes - elapsed) * MINUTE);
          if (options.paceMs > 0) await options.sleep(options.paceMs);
        }
        // Await before adding: `total += await x` would read the total before other chargers' additions land.
        const stopped = await cp.stop('Local');
        energyWh += stopped.energyWh;
        await cp.unplug(1);
        completed++;
        if (started.transactionId !== undefined) sessionIds.push(`${cp.identity}-${started.transactionId}`);
        if (completed % Math.max(1, Math.floor(options.sessions / 10)) === 0) options.log(`${completed}/${options.sessions} sessions completed`);
        if (remaining > 0) await advance(cp, Math.round(between(options.random, idle.min, idle.max) * MINUTE));
      } catch (error) {
        failed++;
        failures.push({ identity: cp.identity, error: describe(error) });
        await cp.unplug(1).catch(() => undefined);
      }
    }
  };
  await Promise.all(connected.map(runSessions));
  if (waitedMs > 0) options.log(`chargers waited ${Math.round(waitedMs / 1000)} s in all for the wall clock, to stay within ${Math.round((options.maxAheadMs ?? 0) / MINUTE)} min of it`);
  await Promise.all(chargePoints.map((cp) => cp.settle().then(() => cp.close()).catch(() => undefined)));

  return {
    chargersConnected: connected.length,
    sessionsCompleted: completed,
    sessionIds,
    sessionsFailed: failed,
    sessionsNotRun: remaining,
    energyWh,
    messagesRejected: rejected,
    failures,
    elapsedMs: options.now() - startedAt,
    latency: latencies.summary(),
    latencyDistribution: latencies.distribution(),
  };
}
