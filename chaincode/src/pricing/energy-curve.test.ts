import { buildEnergyCurve, energyAt, firstInstantReaching } from './energy-curve';
import { checkSession } from './session-input';

const HOUR = 3_600_000;

describe('energy curve', () => {
  const sampled = (registers: [number, number][], chargingEndMs?: number) => {
    const samples = registers.map(([timestampMs, registerWh]) => ({ timestampMs, registerWh }));
    const endMs = samples[samples.length - 1]!.timestampMs;
    return buildEnergyCurve(checkSession({ startMs: 0, endMs, samples, chargingEndMs }));
  };

  it('splits energy into parts that add up exactly, whatever the cuts', () => {
    // 1,000 Wh over 3 ms: at 1 ms floor(333.3) = 333, at 2 ms floor(666.7) = 666; parts 333 + 333 + 334.
    const curve = sampled([[0, 5000], [3, 6000]]);
    const cuts = [0, 1, 2, 3].map((t) => energyAt(curve, t));
    expect(cuts).toEqual([0n, 333n, 666n, 1000n]);
  });

  it('finds the first instant a threshold is reached, exactly', () => {
    // 20,000 Wh over an hour: 1,000 Wh at ceil(1,000 * 3,600,000 / 20,000) = 180,000 ms.
    const curve = sampled([[0, 0], [HOUR, 20_000]]);
    expect(firstInstantReaching(curve, 1000n)).toBe(180_000);
    expect(energyAt(curve, 179_999)).toBe(999n);
    expect(energyAt(curve, 180_000)).toBe(1000n);
    expect(firstInstantReaching(curve, 20_001n)).toBeUndefined();
  });

  it('delivers all energy of the interval around the end of charging before it, and none after', () => {
    // Samples at 0 and 1 h, charging ends at 30 min: 2,000 Wh over the first 30 min, flat after.
    const curve = sampled([[0, 0], [HOUR, 2000]], HOUR / 2);
    expect(curve.knots).toEqual([{ t: 0, wh: 0n }, { t: HOUR / 2, wh: 2000n }, { t: HOUR, wh: 2000n }]);
    expect(energyAt(curve, HOUR / 4)).toBe(1000n);
    expect(energyAt(curve, (3 * HOUR) / 4)).toBe(2000n);
  });
});
