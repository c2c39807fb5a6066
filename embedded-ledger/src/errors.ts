import { chaincodeRefusal, invalidatedAtCommit, LedgerRefusal, LedgerUnavailable, readChaincodeRefusal } from '@chargeledger/ledger-client';
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

/**
 * Sorts a failed proposal as the bridge sorts the gateway's answer: a chaincode `[CODE] text` is a final
 * refusal; at endorsement, anything else the peers answer is worth another try (the gateway reports it as
 * ABORTED), while an evaluation's uncoded chaincode error is final; an organization without a peer is
 * unavailable.
 */
export function proposalError(error: unknown, stage: 'endorse' | 'evaluate'): LedgerRefusal | LedgerUnavailable {
  if (!(error instanceof ProposalFailure)) return new LedgerUnavailable({ stage, code: 'EMBEDDED', cause: error });
  const { transactionId } = error;
  if (error.kind === 'no-peer') return new LedgerUnavailable({ stage, code: GRPC_UNAVAILABLE, transactionId, cause: error });
  if (error.kind === 'mismatch') return new LedgerUnavailable({ stage, code: GRPC_ABORTED, transactionId, cause: error });
  const refusal = readChaincodeRefusal(error.message);
  if (refusal?.[1] !== undefined) return chaincodeRefusal(refusal, transactionId, error);
  return stage === 'endorse' ? new LedgerUnavailable({ stage, code: GRPC_ABORTED, transactionId, cause: error }) : new LedgerRefusal({ code: 'UNKNOWN', reason: error.message, transactionId, cause: error });
}

/** MVCC and phantom-read conflicts pass with a fresh endorsement; any other invalidation is final. */
export function invalidationError(invalidated: TransactionInvalidated): LedgerRefusal | LedgerUnavailable {
  if (invalidated.validationCode === 'MVCC_READ_CONFLICT' || invalidated.validationCode === 'PHANTOM_READ_CONFLICT') {
    return new LedgerUnavailable({ stage: 'commit', code: invalidated.code, transactionId: invalidated.transactionId, cause: invalidated });
  }
  return invalidatedAtCommit(invalidated.code, invalidated.transactionId, invalidated);
}
