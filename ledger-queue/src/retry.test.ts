import { ledgerEventRetryDelayMs, LEDGER_EVENT_RETRY } from './retry';

describe('the retry of a ledger event', () => {
  it('doubles from half a second and never waits more than five seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 20, 999].map(ledgerEventRetryDelayMs)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('keeps trying for more than an hour of outage', () => {
    const total = Array.from({ length: LEDGER_EVENT_RETRY.attempts - 1 }, (_, i) => ledgerEventRetryDelayMs(i + 1)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(3_600_000);
  });
});
