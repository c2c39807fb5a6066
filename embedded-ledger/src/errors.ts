import type { ChaincodeErrorCode } from '@chargeledger/chaincode/api';
import { LedgerRefusal, LedgerUnavailable, validationCodeName } from '@chargeledger/ledger-bridge';
import { VALIDATION_CODE, type ValidationCodeName } from './blocks';
import { ProposalFailure } from './endorse';

/** The ledger found its chain broken when it opened: it refuses to run on it. */
export class LedgerCorrupted extends Error {
  override readonly name = 'LedgerCorrupted';
  constructor(
    readonly dataDir: string,
    readonly blockNumber: number,
    readonly reason: string,
  ) {
    super(`the embedded ledger in ${dataDir} is broken at block ${blockNumber}: ${reason}`);
  }
}

/** Another process holds the ledger: LevelDB lets one process at a time open a directory. */
export class LedgerInUse extends Error {
  override readonly name = 'LedgerInUse';
  constructor(
    readonly dataDir: string,
    override readonly cause: unknown,
  ) {
    super(`the embedded ledger in ${dataDir} is open in another process`);
  }
}

/** A transaction ordered into a block but judged invalid there; it stays in the block, its writes and event do not count. */
export class TransactionInvalidated extends Error {
  override readonly name = 'TransactionInvalidated';
  readonly code: number;
  constructor(
    readonly transactionId: string,
    readonly blockNumber: number,
    readonly validationCode: Exclude<ValidationCodeName, 'VALID'>,
  ) {
    super(`transaction ${transactionId} in block ${blockNumber} is invalid: ${validationCode}`);
    this.code = VALIDATION_CODE[validationCode];
  }
}

// gRPC status codes the Fabric gateway answers with, so that both ledgers sort the same failure alike.
const GRPC_ABORTED = 10;
const GRPC_UNAVAILABLE = 14;
const CHAINCODE_REFUSAL = /\[([A-Z_]+)\]\s*([^\n]*)/;

/**
 * Sorts a failed proposal as the bridge sorts the gateway's answer: a chaincode `[CODE] text` is a final
 * refusal; at endorsement, anything else the peers answer is worth another try (the gateway reports it as
 * ABORTED), while an evaluation's uncoded chaincode error is final; an organization without a peer is
 * unavailable.
 */
export function proposalError(error: unknown, stage: 'endorse' | 'evaluate'): LedgerRefusal | LedgerUnavailable {
  if (!(error instanceof ProposalFailure)) return new LedgerUnavailable(stage, 'EMBEDDED', undefined, error);
  if (error.kind === 'no-peer') return new LedgerUnavailable(stage, GRPC_UNAVAILABLE, error.transactionId, error);
  if (error.kind === 'mismatch') return new LedgerUnavailable(stage, GRPC_ABORTED, error.transactionId, error);
  const refusal = CHAINCODE_REFUSAL.exec(error.message);
  if (refusal?.[1] !== undefined) return new LedgerRefusal(refusal[1] as ChaincodeErrorCode, refusal[2] ?? '', error.transactionId, error);
  return stage === 'endorse' ? new LedgerUnavailable(stage, GRPC_ABORTED, error.transactionId, error) : new LedgerRefusal('UNKNOWN', error.message, error.transactionId, error);
}

/** MVCC and phantom-read conflicts pass with a fresh endorsement; any other invalidation is final. */
export function invalidationError(invalidated: TransactionInvalidated): LedgerRefusal | LedgerUnavailable {
  if (invalidated.validationCode === 'MVCC_READ_CONFLICT' || invalidated.validationCode === 'PHANTOM_READ_CONFLICT') {
    return new LedgerUnavailable('commit', invalidated.code, invalidated.transactionId, invalidated);
  }
  return new LedgerRefusal(validationCodeName(invalidated.code), `transaction invalidated at commit: ${invalidated.validationCode} (validation code ${invalidated.code})`, invalidated.transactionId, invalidated);
}
