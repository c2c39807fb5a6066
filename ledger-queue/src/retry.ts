/**
 * How an event is retried while the ledger cannot take it (a node away, a conflict, a deadline): the CSMS
 * adds every event with these job options, and the bridge's worker computes each delay. BullMQ's own
 * exponential backoff doubles without a limit, so an outage of seconds left events waiting minutes after
 * the ledger was back (docs/faults.md); this one doubles from 0.5 s up to 5 s and keeps trying for more
 * than an hour of outage before an event fails where an operator sees it.
 */
export const LEDGER_EVENT_BACKOFF = 'ledger-event-backoff';

const FIRST_DELAY_MS = 500;
const LONGEST_DELAY_MS = 5_000;

export const LEDGER_EVENT_RETRY = { attempts: 1_000, backoff: { type: LEDGER_EVENT_BACKOFF, delay: FIRST_DELAY_MS } } as const;

/** The wait before retry number `attemptsMade` (from 1). */
export function ledgerEventRetryDelayMs(attemptsMade: number): number {
  return Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attemptsMade - 1));
}
