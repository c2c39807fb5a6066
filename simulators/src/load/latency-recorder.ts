import { build, type Histogram } from 'hdr-histogram-js';

/** Call latencies in milliseconds (to the microsecond); NaN while nothing has been recorded. */
export interface LatencySummary {
  readonly calls: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** 60 s in microseconds: twice the default call timeout, so every answered call fits. */
const HIGHEST_TRACKABLE_US = 60_000_000;
const US_PER_MS = 1_000;

/**
 * Call latencies in an HdrHistogram (hdr-histogram-js, the pure-JS packed implementation), recorded as whole
 * microseconds. Memory is bounded whatever the number of calls: the histogram keeps a count per value bucket, and
 * the buckets are fixed by the range (1 µs to 60 s) and the precision (3 significant digits), so a run of a
 * million calls takes no more room than a run of a thousand. The price is that a percentile is exact only to
 * 3 significant digits (0.1 %), which is far finer than a network latency is repeatable.
 */
export class LatencyRecorder {
  readonly #histogram: Histogram = build({
    bitBucketSize: 'packed',
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Latencies below 1 µs count as 1 µs and above 60 s as 60 s, so recording never throws mid-run. */
  record(latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`a latency must be a finite number of milliseconds ≥ 0, got ${latencyMs}`);
    this.#histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(latencyMs * US_PER_MS))));
  }

  /**
   * A percentile is the top of its bucket, which can lie just above the largest value recorded; it is capped at
   * that value so that p50 ≤ p90 ≤ p99 ≤ p99.9 ≤ max always holds.
   */
  summary(): LatencySummary {
    const h = this.#histogram;
    const empty = h.totalCount === 0;
    const ms = (us: number): number => (empty ? Number.NaN : us / US_PER_MS);
    const percentile = (p: number): number => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
    return {
      calls: h.totalCount,
      meanMs: ms(Math.round(h.mean)),
      p50Ms: percentile(50),
      p90Ms: percentile(90),
      p99Ms: percentile(99),
      p999Ms: percentile(99.9),
      maxMs: ms(h.maxValue),
    };
  }

  /** HdrHistogram's percentile distribution table, values in milliseconds, for a benchmark to print as is. */
  distribution(): string {
    return this.#histogram.outputPercentileDistribution(5, US_PER_MS);
  }
}
