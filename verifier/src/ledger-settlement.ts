import type { Receipt, RecordedRefusal } from '@chargeledger/chaincode/api';
import { type ChargingLedger, LedgerRefusal } from '@chargeledger/ledger-client';

/**
 * What the ledger says of a session's settlement: its receipt, the refusal it recorded instead (ADR 0025),
 * or neither yet (still open, abandoned, or refused at the open).
 */
export type LedgerSettlement =
  | { readonly kind: 'settled'; readonly receipt: Receipt }
  | { readonly kind: 'refused'; readonly refusal: RecordedRefusal }
  | { readonly kind: 'not-settled'; readonly status?: string };

/** Asks the ledger for the session's receipt and, where there is none, for its session. */
export async function ledgerSettlementOf(ledger: ChargingLedger, sessionId: string): Promise<LedgerSettlement> {
  try {
    return { kind: 'settled', receipt: await ledger.evaluate('Session:getReceipt', { sessionId }) };
  } catch (error) {
    if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND')) throw error;
  }
  try {
    const session = await ledger.evaluate('Session:getSession', { sessionId });
    return session.refusal === undefined ? { kind: 'not-settled', status: session.status } : { kind: 'refused', refusal: session.refusal };
  } catch (error) {
    if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return { kind: 'not-settled' };
    throw error;
  }
}

/** The verdict on a session the ledger refused to settle: nothing was charged, so there is no bill to verify. */
export function renderRefusal(sessionId: string, refusal: RecordedRefusal): string {
  return [
    `session ${sessionId}: refused by the ledger: ${refusal.code}`,
    `  ${refusal.reason}`,
    `  the hold was released and nothing charged (transaction ${refusal.txId}, ${new Date(refusal.refusedAtMs).toISOString()})`,
  ].join('\n');
}
