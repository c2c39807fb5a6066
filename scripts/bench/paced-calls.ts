import { readFileSync } from 'node:fs';
import type { CsmsProcess } from '../../support/csms-process';

/** What the chargers saw in one step of a paced benchmark. */
export interface PacedResult {
  /** Latencies of the answered calls in ms, sorted ascending. */
  readonly latencies: readonly number[];
  /** Calls that failed, or whose answer `call` counted as wrong. */
  readonly errors: number;
  /** Turns a charger skipped because its previous call was still unanswered. */
  readonly skipped: number;
  readonly elapsedS: number;
}

/**
 * Has `chargers` chargers call at `ratePerS` in all for `seconds`, each at its share of the rate and spread
 * evenly over the interval. An OCPP-J charger has one call in flight at most, so a charger whose previous
 * call is unanswered skips its turn (counted). `call` resolves with whether the answer was the expected one.
 */
export async function pacedCalls(options: Readonly<{ chargers: number; ratePerS: number; seconds: number }>, call: (charger: number) => Promise<boolean>): Promise<PacedResult> {
  const { chargers, ratePerS, seconds } = options;
  const latencies: number[] = [];
  let errors = 0;
  let skipped = 0;
  const busy = Array.from({ length: chargers }, () => false);
  const intervalMs = (chargers / ratePerS) * 1000;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    busy.map(async (_, i) => {
      let next = started + (i / chargers) * intervalMs;
      while (next < deadline) {
        const wait = next - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        next += intervalMs;
        if (busy[i] === true) {
          skipped++;
          continue;
        }
        busy[i] = true;
        const sentAt = performance.now();
        void call(i)
          .then(
            (expected) => {
              latencies.push(performance.now() - sentAt);
              if (!expected) errors++;
            },
            () => errors++,
          )
          .finally(() => (busy[i] = false));
      }
    }),
  );
  while (busy.some((b) => b)) await new Promise((resolve) => setTimeout(resolve, 10));
  return { latencies: latencies.sort((a, b) => a - b), errors, skipped, elapsedS: (Date.now() - started) / 1000 };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** p50, p99 and max in ms, rounded to hundredths, and the answered rate. */
export function summary(result: PacedResult): { readonly achievedPerS: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number } {
  return {
    achievedPerS: Math.round(result.latencies.length / result.elapsedS),
    p50Ms: Number(percentile(result.latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(result.latencies, 99).toFixed(2)),
    maxMs: Number((result.latencies.at(-1) ?? Number.NaN).toFixed(2)),
  };
}

export function rssMb(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
}

/** An admin API call to a CSMS process with its admin key; throws unless the answer is 2xx. */
export async function adminCall(csms: CsmsProcess, method: string, route: string, body: object): Promise<void> {
  const response = await fetch(`${csms.url}${route}`, { method, headers: { authorization: `Bearer ${csms.options.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status}`);
}
