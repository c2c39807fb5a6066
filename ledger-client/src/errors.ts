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

export type LedgerRefusalCode = ChaincodeErrorCode | InvalidationCode | 'UNKNOWN';

export interface LedgerRefusalOptions {
  readonly code: LedgerRefusalCode;
  readonly reason: string;
  /** The Fabric transaction the refusal came from, when one was made. */
  readonly transactionId?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The ledger refused the transaction for good: the chaincode refused it for a business reason (its `[CODE]`),
 * or it was invalidated at commit (Fabric's validation code name). Retrying cannot change the answer.
 */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';
  readonly code: LedgerRefusalCode;
  readonly reason: string;
  readonly transactionId: string | undefined;

  constructor(options: Readonly<LedgerRefusalOptions>) {
    super(`[${options.code}] ${options.reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.reason = options.reason;
    this.transactionId = options.transactionId;
  }
}

/** The step of a call that failed: a proposal (evaluate, endorse), the hand-over to the orderer, or the commit. */
export type LedgerStage = 'evaluate' | 'endorse' | 'submit' | 'commit-status' | 'commit';

export interface LedgerUnavailableOptions {
  readonly stage: LedgerStage;
  /** The gRPC status code, Fabric validation code, or the embedded ledger's name for what failed. */
  readonly code: number | string;
  readonly transactionId?: string | undefined;
  readonly cause: unknown;
}

/** A failure that may pass: a conflict with a concurrent transaction, a node that is away, a deadline. */
export class LedgerUnavailable extends Error {
  override readonly name = 'LedgerUnavailable';
  readonly stage: LedgerStage;
  readonly code: number | string;
  readonly transactionId: string | undefined;

  constructor(options: Readonly<LedgerUnavailableOptions>) {
    const { stage, code, cause } = options;
    super(`${stage} failed (${String(code)}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.stage = stage;
    this.code = code;
    this.transactionId = options.transactionId;
  }
}

// gRPC status codes (https://grpc.io/docs/guides/status-codes/) that say "try again".
// FAILED_PRECONDITION without a chaincode refusal in its details is the gateway finding no peer to ask (e.g.
// "no peers available to evaluate" while the only peer of a required organization is down): it passes.
const RETRYABLE_GRPC = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 9 /* FAILED_PRECONDITION */, 10 /* ABORTED */, 14 /* UNAVAILABLE */]);
const RETRYABLE_COMMIT: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);
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
      ? new LedgerUnavailable({ stage: 'commit', code: error.code, transactionId: error.transactionId, cause: error })
      : invalidatedAtCommit(error.code, error.transactionId, error);
  }
  if (error instanceof GatewayError) {
    const transactionId = (error as GatewayError & { transactionId?: string }).transactionId;
    const stage = gatewayStage(error);
    const texts = [error.message, ...error.details.map((detail) => detail.message)];
    const refusal = texts.map(readChaincodeRefusal).find((match) => match !== null);
    // Only a proposal (endorse, or evaluate) runs the chaincode, so only there can the chaincode refuse.
    const ranChaincode = stage === 'endorse' || stage === 'evaluate';
    if (ranChaincode && refusal?.[1] !== undefined) {
      return chaincodeRefusal(refusal, transactionId, error);
    }
    if (RETRYABLE_GRPC.has(error.code) || !ranChaincode || texts.some((text) => OVERLOADED.test(text))) return new LedgerUnavailable({ stage, code: error.code, transactionId, cause: error });
    return new LedgerRefusal({ code: 'UNKNOWN', reason: texts.join('; '), transactionId, cause: error });
  }
  return new LedgerUnavailable({ stage: 'endorse', code: 'client', cause: error });
}

/**
 * The client raises EndorseError, SubmitError and CommitStatusError for the stages of a submit, and a plain
 * GatewayError for an evaluate. SubmitError is exported only as a type, so it is told by its name.
 */
function gatewayStage(error: GatewayError): LedgerStage {
  if (error instanceof EndorseError) return 'endorse';
  if (error instanceof CommitStatusError) return 'commit-status';
  return error.name === 'SubmitError' ? 'submit' : 'evaluate';
}

const CHAINCODE_REFUSAL = /\[([A-Z_]+)\]\s*([^\n]*)/;

/** The chaincode's `[CODE] text` in a peer's message, as both ledgers carry it; null when there is none. */
export function readChaincodeRefusal(text: string): RegExpExecArray | null {
  return CHAINCODE_REFUSAL.exec(text);
}

/** The final refusal a chaincode's `[CODE] text` message states. */
export function chaincodeRefusal(match: RegExpExecArray, transactionId: string | undefined, cause: unknown): LedgerRefusal {
  return new LedgerRefusal({ code: match[1] as ChaincodeErrorCode, reason: match[2] ?? '', transactionId, cause });
}

/** A transaction ordered and then invalidated at commit for a reason another try cannot change. */
export function invalidatedAtCommit(code: number, transactionId: string | undefined, cause: unknown): LedgerRefusal {
  const name = validationCodeName(code);
  return new LedgerRefusal({ code: name, reason: `transaction invalidated at commit: ${name} (validation code ${code})`, transactionId, cause });
}
