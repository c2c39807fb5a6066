import { LatencyRecorder } from './latency-recorder';

/** HdrHistogram keeps 3 significant digits: a reported value is within 0.1 % of the recorded one. */
function expectWithinPrecision(actualMs: number, expectedMs: number): void {
  expect(Math.abs(actualMs - expectedMs)).toBeLessThanOrEqual(expectedMs * 0.001);
}

describe('LatencyRecorder', () => {
  it('reports the percentiles of a known distribution within HdrHistogram precision', () => {
    const recorder = new LatencyRecorder();
    // 0.1 ms, 0.2 ms, … 1000 ms: the p-th percentile is p * 10 ms.
    for (let i = 1; i <= 10_000; i++) recorder.record(i / 10);

    const summary = recorder.summary();
    expect(summary.calls).toBe(10_000);
    expectWithinPrecision(summary.p50Ms, 500);
    expectWithinPrecision(summary.p90Ms, 900);
    expectWithinPrecision(summary.p99Ms, 990);
    expectWithinPrecision(summary.p999Ms, 999);
    expectWithinPrecision(summary.maxMs, 1000);
    expectWithinPrecision(summary.meanMs, 500.05);
  });

  it('puts a rare slow call into the tail, not the median', () => {
    const recorder = new LatencyRecorder();
    for (let i = 0; i < 990; i++) recorder.record(2);
    for (let i = 0; i < 10; i++) recorder.record(250);

    const summary = recorder.summary();
    expectWithinPrecision(summary.p50Ms, 2);
    expectWithinPrecision(summary.p99Ms, 2);
    expectWithinPrecision(summary.p999Ms, 250);
    expectWithinPrecision(summary.maxMs, 250);
  });

  it('keeps microseconds, counts sub-microsecond calls as 1 µs and caps at 60 s instead of throwing', () => {
    const recorder = new LatencyRecorder();
    recorder.record(0);
    recorder.record(0.25);
    recorder.record(120_000);

    expect(recorder.summary()).toMatchObject({ calls: 3, p50Ms: 0.25 });
    expectWithinPrecision(recorder.summary().maxMs, 60_000);
    expect(() => recorder.record(Number.NaN)).toThrow(RangeError);
  });

  it('reports NaN rather than a zero latency while nothing has been recorded', () => {
    expect(new LatencyRecorder().summary()).toEqual({ calls: 0, meanMs: Number.NaN, p50Ms: Number.NaN, p90Ms: Number.NaN, p99Ms: Number.NaN, p999Ms: Number.NaN, maxMs: Number.NaN });
  });

  it('prints the percentile distribution in milliseconds', () => {
    const recorder = new LatencyRecorder();
    for (let i = 1; i <= 100; i++) recorder.record(i);

    const table = recorder.distribution();
    expect(table).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
    expect(table).toMatch(/#\[Max\s+=\s+100\.000, Total count\s+=\s+100\]/);
  });
});
