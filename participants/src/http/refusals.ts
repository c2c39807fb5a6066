import { LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-client';

/** What a client is told when the ledger refused or could not be reached; `code` and `reason` are the chaincode's. */
export interface LedgerErrorReply {
  readonly status: 404 | 403 | 409 | 422 | 503;
  readonly body: { readonly error: 'LedgerRefusal' | 'LedgerUnavailable'; readonly code: string; readonly reason: string };
}

const STATUS_OF_CODE: Readonly<Record<string, 404 | 403 | 409>> = { NOT_FOUND: 404, ACCESS_DENIED: 403, ALREADY_EXISTS: 409 };

/**
 * A chaincode refusal is the client's to fix (4xx, with the chaincode's code and reason); an unreachable
 * ledger is 503. Anything else is not a ledger error and is left to the caller (undefined).
 */
export function ledgerErrorReply(error: unknown): LedgerErrorReply | undefined {
  if (error instanceof LedgerRefusal) {
    return { status: STATUS_OF_CODE[error.code] ?? 422, body: { error: 'LedgerRefusal', code: error.code, reason: error.reason } };
  }
  if (error instanceof LedgerUnavailable) {
    return { status: 503, body: { error: 'LedgerUnavailable', code: String(error.code), reason: 'the ledger cannot be reached at the moment; try again' } };
  }
  return undefined;
}
