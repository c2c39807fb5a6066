import { classifyLedgerError, LedgerRefusal, LedgerUnavailable } from './errors';

/**
 * Whether a failed ledger call is tried again, and how: the one place that decides it (ADR 0044). Callers
 * only carry the decision out.
 *
 * - `final`: a refusal that no lagging peer explains, or one confirmed for `confirmRefusalMs` already. Never
 *   tried again: the bridge's worker keeps the event as a dead letter (BullMQ's UnrecoverableError), a
 *   participants' service answers the refusal.
 * - `confirm`: a refusal a peer one block behind the gateway's could give (STATE_DEPENDENT_REFUSALS), within
 *   `confirmRefusalMs` of the first try: the same request is endorsed again after confirmDelayMs
 *   (FabricLedger.submit for one transaction, the SessionBatcher for one part of a shared transaction).
 * - `resend`: the hand-over to the orderer, or the commit-status request, of a transaction already endorsed
 *   failed: the same signed transaction is sent again, or its status asked again, after resendDelayMs, up to
 *   `stageAttempts` times (FabricLedger). This never makes a second transaction. A commit status that missed
 *   its deadline is not asked again: the orderer may have lost the transaction, and it would never commit.
 * - `backoff`: anything else unavailable (a conflict at commit, an endorsing peer away, a deadline): passed up
 *   as LedgerUnavailable. The bridge's BullMQ job is tried again after ledgerEventRetryDelayMs
 *   (@chargeledger/ledger-queue), with a fresh endorsement; the event id makes that safe, and it is the only
 *   layer that waits for a ledger to come back.
 *
 * What the SessionBatcher does besides is scheduling, not retrying a failure: a part the chaincode deferred
 * (BATCH_KEY_SHARED) rides in a later transaction, and the parts of a batch the ledger refused as a whole are
 * each sent alone so that each gets its own answer.
 */
export type RetryDecision = 'final' | 'confirm' | 'resend' | 'backoff';

/** How long a refusal that depends on state is confirmed, by default: longer than a block's BatchTimeout. */
export const CONFIRM_REFUSAL_MS = 2_000;

/** Refusals a peer lagging by a block could give where an up-to-date peer would not. */
export const STATE_DEPENDENT_REFUSALS: ReadonlySet<string> = new Set(['NOT_FOUND', 'INVALID_STATE', 'ID_TOKEN_REJECTED', 'INSUFFICIENT_FUNDS']);

/** gRPC DEADLINE_EXCEEDED. */
const DEADLINE_EXCEEDED = 4;

export interface RetryContext {
  /** For a refusal: when the request was first tried and when it failed (ms since the epoch), and how long a refusal is confirmed. Without it a refusal is final. */
  readonly confirm?: Readonly<{ firstTriedAtMs: number; nowMs: number; confirmRefusalMs: number }>;
  /** For a failure after the endorsement: the attempts made at its stage, and how many are allowed. Without it, it is for the backoff. */
  readonly stage?: Readonly<{ attempt: number; attempts: number }>;
}

/** The decision for one failure; see RetryDecision. */
export function decideRetry(error: unknown, context: Readonly<RetryContext> = {}): RetryDecision {
  const sorted = classifyLedgerError(error);
  if (sorted instanceof LedgerRefusal) {
    const { confirm } = context;
    return confirm !== undefined && STATE_DEPENDENT_REFUSALS.has(sorted.code) && confirm.nowMs - confirm.firstTriedAtMs < confirm.confirmRefusalMs ? 'confirm' : 'final';
  }
  if (context.stage !== undefined && resendable(sorted) && context.stage.attempt < context.stage.attempts) return 'resend';
  return 'backoff';
}

/** Whether nothing another try does can change the answer: what the worker dead-letters. */
export function isFinal(error: unknown): error is LedgerRefusal {
  return classifyLedgerError(error) instanceof LedgerRefusal;
}

/** The wait before confirming a refusal again, attempt n (from 1). */
export function confirmDelayMs(attempt: number): number {
  return Math.min(1_000, 100 * attempt);
}

/** The wait before sending a transaction, or asking its status, again, attempt n (from 1). */
export function resendDelayMs(attempt: number): number {
  return Math.min(2_000, 100 * 2 ** attempt);
}

/** Everything after the endorsement, but a commit status that missed its deadline. */
function resendable(sorted: LedgerUnavailable): boolean {
  return sorted.stage !== 'endorse' && !(sorted.stage === 'commit-status' && sorted.code === DEADLINE_EXCEEDED);
}
