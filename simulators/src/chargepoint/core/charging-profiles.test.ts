import { ChargingProfileStore, type ChargingLimitProfile } from './charging-profiles';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const threePhase = { phases: 3, voltageV: 230 };
const tx = { id: 'tx-1', startedAtMs: T0 };

function aProfile(overrides: Partial<ChargingLimitProfile> = {}): ChargingLimitProfile {
  return { id: 1, stackLevel: 0, purpose: 'TxDefault', evseId: 0, kind: 'Absolute', startScheduleMs: T0, unit: 'W', periods: [{ startS: 0, limit: 7_000 }], ...overrides };
}

describe('ChargingProfileStore', () => {
  it('applies no limit without a profile or without a transaction', () => {
    const store = new ChargingProfileStore();
    expect(store.evseLimitW(1, threePhase, tx, T0)).toBeUndefined();
    store.install(aProfile(), T0);
    expect(store.evseLimitW(1, threePhase, undefined, T0)).toBeUndefined();
  });

  it('follows the periods of a schedule and turns amperes into watts', () => {
    const store = new ChargingProfileStore();
    store.install(aProfile({ unit: 'A', periods: [{ startS: 0, limit: 16 }, { startS: 600, limit: 6, phases: 1 }] }), T0);
    expect(store.evseLimitW(1, threePhase, tx, T0 + 599_000)).toBe(16 * 3 * 230);
    expect(store.evseLimitW(1, threePhase, tx, T0 + 600_000)).toBe(6 * 230);
  });

  it('prefers a Tx profile to TxDefault and the higher stack level within a purpose', () => {
    const store = new ChargingProfileStore();
    store.install(aProfile({ id: 1, stackLevel: 5 }), T0);
    store.install(aProfile({ id: 2, stackLevel: 1, purpose: 'Tx', evseId: 1, transactionId: 'tx-1', periods: [{ startS: 0, limit: 3_000 }] }), T0);
    store.install(aProfile({ id: 3, stackLevel: 2, purpose: 'Tx', evseId: 1, transactionId: 'tx-1', periods: [{ startS: 0, limit: 4_000 }] }), T0);
    expect(store.evseLimitW(1, threePhase, tx, T0)).toBe(4_000);
    store.clearTransaction('tx-1');
    expect(store.evseLimitW(1, threePhase, tx, T0)).toBe(7_000);
  });

  it('starts a relative schedule with the transaction and ends it after its duration', () => {
    const store = new ChargingProfileStore();
    store.install(aProfile({ kind: 'Relative', startScheduleMs: undefined, durationS: 3_600 }), T0);
    const later = { id: 'tx-2', startedAtMs: T0 + 7_200_000 };
    expect(store.evseLimitW(1, threePhase, later, T0 + 7_200_000)).toBe(7_000);
    expect(store.evseLimitW(1, threePhase, later, T0 + 10_800_000)).toBeUndefined();
  });

  it('repeats a daily schedule', () => {
    const store = new ChargingProfileStore();
    store.install(aProfile({ kind: 'Recurring', recurrency: 'Daily', periods: [{ startS: 0, limit: 2_000 }, { startS: 43_200, limit: 9_000 }] }), T0);
    expect(store.evseLimitW(1, threePhase, tx, T0 + 2 * 86_400_000 + 1_000)).toBe(2_000);
    expect(store.evseLimitW(1, threePhase, tx, T0 + 2 * 86_400_000 + 43_200_000)).toBe(9_000);
  });

  it('replaces a profile with the same purpose, stack level and EVSE, and clears by criteria', () => {
    const store = new ChargingProfileStore();
    store.install(aProfile({ id: 1 }), T0);
    store.install(aProfile({ id: 2, periods: [{ startS: 0, limit: 1_000 }] }), T0);
    store.install(aProfile({ id: 3, purpose: 'StationMax', periods: [{ startS: 0, limit: 30_000 }] }), T0);
    expect(store.list().map((p) => p.id)).toEqual([2, 3]);
    expect(store.stationLimitW(threePhase, T0)).toBe(30_000);
    expect(store.clear({ purpose: 'StationMax' })).toBe(1);
    expect(store.clear({ id: 99 })).toBe(0);
  });
});
