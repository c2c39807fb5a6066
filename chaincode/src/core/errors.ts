import type { ChaincodeErrorCode } from '../api';

/**
 * A refusal by the chaincode. Fabric hands clients only the message, so the message starts with `[CODE]`;
 * ledger clients parse the code back with `parseChaincodeErrorCode`.
 */
export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';
  constructor(
    readonly code: ChaincodeErrorCode,
    /** The message without its `[CODE]`. */
    readonly detail: string,
    /** The same request may succeed later, as the ledger's time moves on (a reading ahead of it). */
    readonly forNow = false,
  ) {
    super(`[${code}] ${detail}`);
  }
}

const CODE_PREFIX = /^\[([A-Z_]+)\] /;

/** The code of a message produced by ChaincodeError, or undefined for anything else. */
export function parseChaincodeErrorCode(message: string): ChaincodeErrorCode | undefined {
  const match = CODE_PREFIX.exec(message);
  return match?.[1] as ChaincodeErrorCode | undefined;
}

export function refuse(code: ChaincodeErrorCode, detail: string): never {
  throw new ChaincodeError(code, detail);
}

/** A refusal that time alone may lift: the same request, later, may succeed. */
export function refuseForNow(code: ChaincodeErrorCode, detail: string): never {
  throw new ChaincodeError(code, detail, true);
}
