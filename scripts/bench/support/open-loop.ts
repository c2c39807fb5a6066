import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Open-loop load, as Hyperledger Caliper's fixed-rate controller sends it: one call every 1/rate seconds
 * whether or not earlier ones have returned, for a fixed time. Latency is from sending to the commit
 * (the call resolving); throughput is what committed, over the time from the first send to the last commit.
 */
export interface RateStep {
  readonly sendRate: number;
  readonly sent: number;
  readonly committed: number;
  readonly failed: number;
  readonly throughput: number;
  readonly latencyMsMean: number;
  readonly latencyMsP50: number;
  readonly latencyMsP99: number;
  /** A few of the failures' messages. */
  readonly failures: readonly string[];
}

export async function sendAtRate(sendRate: number, seconds: number, call: (index: number) => Promise<unknown>): Promise<RateStep> {
  const total = Math.round(sendRate * seconds);
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  let lastCommit = started;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / sendRate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sentAt = performance.now();
    inFlight.push(
      call(i).then(
        () => {
          const now = performance.now();
          latencies.push(now - sentAt);
          lastCommit = Math.max(lastCommit, now);
        },
        (error: unknown) => {
          failures.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    sendRate,
    sent: total,
    committed: latencies.length,
    failed: failures.length,
    throughput: round(latencies.length / ((lastCommit - started) / 1000)),
    latencyMsMean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    latencyMsP50: round(at(0.5)),
    latencyMsP99: round(at(0.99)),
    failures: [...new Set(failures)].slice(0, 5),
  };
}
