/** What the receipt checks need of a transaction, whichever ledger committed it, once its own signatures are checked. */

export interface LedgerIdentity {
  readonly mspId: string;
  /** PEM. */
  readonly certificate: string;
}

/** Fabric's height version: the block and the transaction in it that last wrote a key. */
export interface KeyVersion {
  readonly block: number;
  readonly tx: number;
}

export interface CommittedTransaction {
  readonly transactionId: string;
  readonly blockNumber: number;
  /** Position in its block. */
  readonly index: number;
  /** The committing peers' verdict, e.g. VALID or MVCC_READ_CONFLICT. */
  readonly validation: string;
  readonly timestampMs: number;
  /** The contract function, e.g. Session:closeSession. */
  readonly function: string;
  readonly creator: LedgerIdentity;
  readonly endorsers: readonly LedgerIdentity[];
  /** Reads of the chaincode's public state: key → version read (null: the key did not exist). */
  readonly reads: ReadonlyMap<string, KeyVersion | null>;
  /** Writes of the chaincode's public state: key → value (null: deleted). */
  readonly writes: ReadonlyMap<string, Buffer | null>;
}

/** Fabric's composite key, as the chaincode builds its keys: U+0000, the type, then each attribute followed by U+0000. */
export function compositeKey(type: string, ...attributes: string[]): string {
  return `\u0000${type}\u0000${attributes.map((attribute) => `${attribute}\u0000`).join('')}`;
}

export function describeKey(key: string): string {
  return key.split('\u0000').filter((part) => part !== '').join('/');
}

/** The serial of the one meter record a settlement read. */
export function sessionMeterSerial(reads: ReadonlyMap<string, unknown>): string | undefined {
  const prefix = compositeKey('cl.meter');
  const key = [...reads.keys()].find((candidate) => candidate.startsWith(prefix));
  return key?.slice(prefix.length).split('\u0000')[0];
}
