import type { Receipt } from '@chargeledger/chaincode/api';
import { type ChargingLedger, LedgerRefusal } from '@chargeledger/ledger-client';

/** A session's receipt, or undefined while the ledger has not settled it. */
export async function receiptOf(ledger: ChargingLedger, sessionId: string): Promise<Receipt | undefined> {
  try {
    return await ledger.evaluate('Session:getReceipt', { sessionId });
  } catch (error) {
    if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
