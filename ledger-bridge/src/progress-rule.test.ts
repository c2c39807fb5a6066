import { decideProgress } from './progress-rule';

const HOLD = 2000;
const START = 1_000_000;
const MINUTE = 60_000;
const nothingRecorded = { level: 0 as const, atMs: START };

describe('the progress rule (ADR 0032)', () => {
  it('keeps a reading off the ledger while the estimate stays under 80 % of the hold', () => {
    expect(decideProgress(1599, HOLD, nothingRecorded, START + 30 * MINUTE, 0)).toEqual({ estimatedCost: 1599, level: 0, holdExhausted: false, record: false });
  });

  it('writes the first reading at 80 % of the hold, and not the next one at the same level', () => {
    expect(decideProgress(1600, HOLD, nothingRecorded, START + MINUTE, 0)).toMatchObject({ level: 1, record: true, holdExhausted: false });
    expect(decideProgress(1700, HOLD, { level: 1, atMs: START + MINUTE }, START + 2 * MINUTE, 0)).toMatchObject({ level: 1, record: false });
  });

  it('writes the reading that reaches the hold and says the hold is exhausted', () => {
    expect(decideProgress(2000, HOLD, { level: 1, atMs: START + MINUTE }, START + 2 * MINUTE, 0)).toEqual({ estimatedCost: 2000, level: 2, holdExhausted: true, record: true });
    // Later readings still stop the charger, without another record.
    expect(decideProgress(2100, HOLD, { level: 2, atMs: START + 2 * MINUTE }, START + 3 * MINUTE, 0)).toMatchObject({ holdExhausted: true, record: false });
  });

  it('writes an audit record once the interval has passed since the last record, when one is set', () => {
    const audit = 15 * MINUTE;
    expect(decideProgress(100, HOLD, nothingRecorded, START + 14 * MINUTE, audit)).toMatchObject({ record: false });
    expect(decideProgress(100, HOLD, nothingRecorded, START + 15 * MINUTE, audit)).toMatchObject({ record: true, level: 0 });
    expect(decideProgress(150, HOLD, { level: 0, atMs: START + 15 * MINUTE }, START + 20 * MINUTE, audit)).toMatchObject({ record: false });
  });
});
