import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import type { ChaincodeErrorCode } from '@chargeledger/chaincode/api';

/**
 * Why a transaction that was ordered was invalidated at commit, by Fabric's name of its validation code
 * (TxValidationCode): e.g. ENDORSEMENT_POLICY_FAILURE when an organization the policies name did not endorse.
 */
export type InvalidationCode = `${Exclude<keyof typeof StatusCode, 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT'>}`;

/** The name Fabric gives a validation code, or `INVALID_<n>` for one this client does not know. */
export function validationCodeName(code: number): InvalidationCode {
  const name = Object.entries(StatusCode).find(([, value]) => value === code)?.[0];
  return (name ?? `INVALID_${code}`) as InvalidationCode;
}

/**
 * The ledger refused the transaction for good: the chaincode refused it for a business reason (its `[CODE]`),
 * or it was invalidated at commit (Fabric's validation code name). Retrying cannot change the answer.
 */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';
  constructor(
    readonly code: ChaincodeErrorCode | InvalidationCode | 'UNKNOWN',
    readonly reason: string,
    readonly transactionId: string | undefined,
    override readonly cause?: unknown,
  ) {
    super(`[${code}] ${reason}`);
  }
}

/** A failure that may pass: a conflict with a concurrent transaction, a node that is away, a deadline. */
export class LedgerUnavailable extends Error {
  override readonly name = 'LedgerUnavailable';
  constructor(
    readonly stage: 'evaluate' | 'endorse' | 'submit' | 'commit-status' | 'commit',
    readonly code: number | string,
    readonly transactionId: string | undefined,
    override readonly cause?: unknown,
  ) {
    super(`${stage} failed (${String(code)}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

// gRPC status codes (https://grpc.io/docs/guides/status-codes/) that say "try again".
// FAILED_PRECONDITION without a chaincode refusal in its details is the gateway finding no peer to ask (e.g.
// "no peers available to evaluate" while the only peer of a required organization is down): it passes.
const RETRYABLE_GRPC = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 9 /* FAILED_PRECONDITION */, 10 /* ABORTED */, 14 /* UNAVAILABLE */]);
const RETRYABLE_COMMIT: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);
const CHAINCODE_REFUSAL = /\[([A-Z_]+)\]\s*([^\n]*)/;
// A peer over its limit of concurrent gateway requests (core.yaml peer.limits.concurrency) answers with gRPC
// UNKNOWN and this text: the request never reached the chaincode.
const OVERLOADED = /too many requests for \/gateway\./;

/**
 * Sorts a Fabric Gateway failure. A chaincode refusal reaches the client as an EndorseError whose peer
 * details carry the chaincode's `[CODE] text` message; it is final. MVCC and phantom-read conflicts,
 * unavailable nodes and deadlines are worth another try.
 */
export function classifyLedgerError(error: unknown): LedgerRefusal | LedgerUnavailable {
  if (error instanceof LedgerRefusal || error instanceof LedgerUnavailable) return error;
  if (error instanceof CommitError) {
    return RETRYABLE_COMMIT.has(error.code)
      ? new LedgerUnavailable('commit', error.code, error.transactionId, error)
      : new LedgerRefusal(validationCodeName(error.code), `transaction invalidated at commit: ${validationCodeName(error.code)} (validation code ${error.code})`, error.transactionId, error);
  }
  if (error instanceof GatewayError) {
    const transactionId = (error as GatewayError & { transactionId?: string }).transactionId;
    const stage = gatewayStage(error);
    const texts = [error.message, ...error.details.map((detail) => detail.message)];
    const refusal = texts.map((text) => CHAINCODE_REFUSAL.exec(text)).find((match) => match !== null);
    // Only a proposal (endorse, or evaluate) runs the chaincode, so only there can the chaincode refuse.
    const ranChaincode = stage === 'endorse' || stage === 'evaluate';
    if (ranChaincode && refusal?.[1] !== undefined) {
      return new LedgerRefusal(refusal[1] as ChaincodeErrorCode, refusal[2] ?? '', transactionId, error);
    }
    if (RETRYABLE_GRPC.has(error.code) || !ranChaincode || texts.some((text) => OVERLOADED.test(text))) return new LedgerUnavailable(stage, error.code, transactionId, error);
    return new LedgerRefusal('UNKNOWN', texts.join('; '), transactionId, error);
  }
  return new LedgerUnavailable('endorse', 'client', undefined, error);
}

/**
 * The client raises EndorseError, SubmitError and CommitStatusError for the stages of a submit, and a plain
 * GatewayError for an evaluate. SubmitError is exported only as a type, so it is told by its name.
 */
function gatewayStage(error: GatewayError): LedgerUnavailable['stage'] {
  if (error instanceof EndorseError) return 'endorse';
  if (error instanceof CommitStatusError) return 'commit-status';
  return error.name === 'SubmitError' ? 'submit' : 'evaluate';
}
