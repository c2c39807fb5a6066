import { createHash } from 'node:crypto';
import { ClassicLevel } from 'classic-level';

type Snapshot = ReturnType<ClassicLevel<Buffer, Buffer>['snapshot']>;

/**
 * The on-disk layout, one LevelDB for the whole ledger so that a block and everything it changes are
 * written by one atomic batch. Keys are bytes, so public keys sort by their UTF-8 bytes as Fabric's do.
 *
 *   s/<key>                   public state: version (12 bytes) + value
 *   v/<key>                   the key's endorsement policy (key-level, set by the chaincode)
 *   h/<collection>/<key>      private data hash, seen by every organization: version + SHA-256(value)
 *   p/<collection>/<key>      private data, kept for the collection's members: version + value
 *   b/<number, 16 digits>     a block (JSON)
 *   t/<txId>                  where a transaction is: block number, index, validation code
 *   m/height                  the number of blocks
 *   m/organizations           the organizations' CA and peer identities
 *   c/<mspId>/<name>          client identities issued by an organization's CA
 */
export const PREFIX = { state: 's/', policy: 'v/', privateHash: 'h/', privateValue: 'p/', block: 'b/', tx: 't/', meta: 'm/', client: 'c/' } as const;

/** Fabric's height version: the block and the transaction in it that last wrote the key. */
export interface Version {
  readonly block: number;
  readonly tx: number;
}

export interface Versioned {
  readonly value: Buffer;
  readonly version: Version;
}

export type Operation = { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer } | { readonly type: 'del'; readonly key: Buffer };

export const key = (prefix: string, rest: string): Buffer => Buffer.from(prefix + rest, 'utf8');
export const privateKey = (prefix: string, collection: string, name: string): Buffer => key(prefix, `${collection}/${name}`);
export const blockKey = (number: number): Buffer => key(PREFIX.block, String(number).padStart(16, '0'));

export function versionTag(version: Version | undefined): string | null {
  return version === undefined ? null : `${version.block}:${version.tx}`;
}

export function encodeVersioned(version: Version, value: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64BE(BigInt(version.block), 0);
  header.writeUInt32BE(version.tx, 8);
  return Buffer.concat([header, value]);
}

export function decodeVersioned(bytes: Buffer): Versioned {
  return { version: { block: Number(bytes.readBigUInt64BE(0)), tx: bytes.readUInt32BE(8) }, value: bytes.subarray(12) };
}

export function sha256(bytes: Uint8Array | string): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** The byte after the last byte of a prefix: the exclusive end of a scan over the prefix. */
function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) + 1;
  return bytes;
}

/** Reads of committed state, all from one point in time when built over a snapshot. */
export class StateView {
  readonly #db: ClassicLevel<Buffer, Buffer>;
  readonly #snapshot: Snapshot | undefined;

  constructor(db: ClassicLevel<Buffer, Buffer>, snapshot: Snapshot | undefined) {
    this.#db = db;
    this.#snapshot = snapshot;
  }

  async state(name: string): Promise<Versioned | undefined> {
    const bytes = await this.#get(key(PREFIX.state, name));
    return bytes === undefined ? undefined : decodeVersioned(bytes);
  }

  /** Public keys in [start, end) in byte order; `end` undefined means to the end of the namespace. */
  async range(start: string, end: string | undefined): Promise<{ readonly key: string; readonly value: Buffer; readonly version: Version }[]> {
    const results = [];
    const options = { gte: key(PREFIX.state, start), lt: end === undefined ? prefixEnd(PREFIX.state) : key(PREFIX.state, end), ...this.#snapshotOption() };
    for await (const [name, bytes] of this.#db.iterator(options)) {
      const { value, version } = decodeVersioned(bytes);
      results.push({ key: name.subarray(PREFIX.state.length).toString('utf8'), value, version });
    }
    return results;
  }

  async policy(name: string): Promise<Buffer | undefined> {
    return this.#get(key(PREFIX.policy, name));
  }

  async privateHash(collection: string, name: string): Promise<Versioned | undefined> {
    const bytes = await this.#get(privateKey(PREFIX.privateHash, collection, name));
    return bytes === undefined ? undefined : decodeVersioned(bytes);
  }

  async privateValue(collection: string, name: string): Promise<Versioned | undefined> {
    const bytes = await this.#get(privateKey(PREFIX.privateValue, collection, name));
    return bytes === undefined ? undefined : decodeVersioned(bytes);
  }

  async close(): Promise<void> {
    await this.#snapshot?.close();
  }

  #snapshotOption(): { snapshot?: Snapshot } {
    return this.#snapshot === undefined ? {} : { snapshot: this.#snapshot };
  }

  async #get(name: Buffer): Promise<Buffer | undefined> {
    return this.#db.get(name, this.#snapshotOption());
  }
}

/** The LevelDB of one ledger. One process at a time may hold it: LevelDB locks the directory. */
export class LedgerStore {
  readonly #db: ClassicLevel<Buffer, Buffer>;

  private constructor(db: ClassicLevel<Buffer, Buffer>) {
    this.#db = db;
  }

  /** Opens the directory, or answers 'locked' when another process holds it. */
  static async open(directory: string): Promise<LedgerStore | { readonly locked: unknown }> {
    const db = new ClassicLevel<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (error) {
      if ((error as { cause?: { code?: unknown } }).cause?.code === 'LEVEL_LOCKED') return { locked: error };
      throw error;
    }
    return new LedgerStore(db);
  }

  /** State as of now, unchanged by later commits until closed. */
  snapshot(): StateView {
    return new StateView(this.#db, this.#db.snapshot());
  }

  /** The latest committed state; only the committer, which is the only writer, reads through it. */
  latest(): StateView {
    return new StateView(this.#db, undefined);
  }

  async get(name: Buffer): Promise<Buffer | undefined> {
    return this.#db.get(name);
  }

  /** Applies every operation or none, and returns only once LevelDB has synced its log to disk. */
  async write(operations: readonly Operation[]): Promise<void> {
    await this.#db.batch(operations.map((operation) => ({ ...operation })), { sync: true });
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
