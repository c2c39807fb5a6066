import type { ChaincodeErrorCode } from '../api';

/**
 * A refusal by the chaincode. Fabric hands clients only the message, so the message starts with `[CODE]`;
 * ledger clients parse the code back with `parseChaincodeErrorCode`.
 */
export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';
  constructor(
    readonly code: ChaincodeErrorCode,
    detail: string,
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
