import type { ChaincodeProposal, ChaincodeResponse, ChaincodeStub, Iterators, SerializedIdentity, SplitCompositekey, StateQueryResponse, Timestamp } from 'fabric-shim-api';
import Long from 'long';
import { collectionMembers, sha256, type CollectionConfig, type WorldState } from './world-state';

const COMPOSITE_NS = '\x00';
const MIN_RUNE = '\x00';
const MAX_RUNE = '\u{10ffff}';

/** What one execution read and wrote; the network compares these across endorsers and validates them at commit. */
export interface ReadWriteSet {
  readonly reads: Map<string, number | null>;
  readonly ranges: { readonly start: string; readonly end: string | undefined; readonly keys: readonly [string, number][] }[];
  readonly privateReads: Map<string, number | null>;
  readonly writes: Map<string, Buffer | null>;
  readonly validation: Map<string, Buffer>;
  readonly privateWrites: Map<string, Map<string, Buffer | null>>;
}

export interface StubOptions {
  readonly world: WorldState;
  readonly collections: readonly CollectionConfig[];
  readonly chaincodeName: string;
  readonly channelId: string;
  readonly txId: string;
  readonly timestampMs: number;
  readonly creator: SerializedIdentity;
  /** The MSP of the peer executing the chaincode (what getMspID returns). */
  readonly peerMspId: string;
  readonly args: readonly Buffer[];
  readonly transient: ReadonlyMap<string, Uint8Array>;
}

class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

function unsupported(what: string): never {
  throw new UnsupportedError(`${what} is not supported by the in-memory stub`);
}

function checkAttribute(value: string): void {
  if (value.includes(MIN_RUNE) || value.includes(MAX_RUNE)) throw new Error(`input contains an invalid character: ${JSON.stringify(value)}`);
}

function asyncIterator(kvs: Iterators.KV[]): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
  let index = 0;
  const iterator: Iterators.StateQueryIterator = {
    next: async () => {
      const value = kvs[index++];
      return value === undefined ? { value: undefined as unknown as Iterators.KV, done: true } : { value, done: false };
    },
    close: async () => undefined,
  };
  return Object.assign(Promise.resolve(iterator), {
    async *[Symbol.asyncIterator](): AsyncGenerator<Iterators.KV> {
      yield* kvs;
    },
  });
}

/**
 * A ChaincodeStub over committed in-memory state, with Fabric's transaction semantics: reads see only
 * committed state (never the transaction's own writes), range results are in UTF-8 key order and are
 * recorded for phantom-read validation, a transaction keeps only its last event, private data follows the
 * collection configuration (non-member peers see hashes only), and nothing reaches the world state unless
 * the network commits the recorded write set.
 */
export class InMemoryStub implements ChaincodeStub {
  readonly rwset: ReadWriteSet = { reads: new Map(), ranges: [], privateReads: new Map(), writes: new Map(), validation: new Map(), privateWrites: new Map() };
  event: { readonly name: string; readonly payload: Buffer } | undefined;
  readonly #options: StubOptions;

  constructor(options: StubOptions) {
    this.#options = options;
  }

  getBufferArgs(): Buffer[] {
    return [...this.#options.args];
  }
  getArgs(): string[] {
    return this.#options.args.map((arg) => arg.toString('utf8'));
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getFunctionAndParameters(): { params: string[]; fcn: string } {
    const [fcn = '', ...params] = this.getArgs();
    return { fcn, params };
  }
  getTxID(): string {
    return this.#options.txId;
  }
  getChannelID(): string {
    return this.#options.channelId;
  }
  getCreator(): SerializedIdentity {
    return this.#options.creator;
  }
  getMspID(): string {
    return this.#options.peerMspId;
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map(this.#options.transient);
  }
  getSignedProposal(): ChaincodeProposal.SignedProposal {
    return unsupported('getSignedProposal');
  }
  getTxTimestamp(): Timestamp {
    const ms = this.#options.timestampMs;
    return { seconds: Long.fromNumber(Math.floor(ms / 1000), true), nanos: (ms % 1000) * 1_000_000 };
  }
  getDateTimestamp(): Date {
    return new Date(this.#options.timestampMs);
  }
  getBinding(): string {
    return unsupported('getBinding');
  }

  async getState(key: string): Promise<Uint8Array> {
    const committed = this.#options.world.get(key);
    this.rwset.reads.set(key, committed?.version ?? null);
    return committed?.value ?? Buffer.alloc(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') throw new Error('key must not be an empty string');
    if (value.length === 0) throw new Error(`putState of ${JSON.stringify(key)} with an empty value`);
    this.rwset.writes.set(key, Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    if (key === '') throw new Error('key must not be an empty string');
    this.rwset.writes.set(key, null);
  }
  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.rwset.validation.set(key, Buffer.from(ep));
  }
  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    return this.#options.world.validationParameter(key) ?? Buffer.alloc(0);
  }

  getStateByRange(startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    for (const key of [startKey, endKey]) {
      if (key.startsWith(COMPOSITE_NS)) throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
    return this.#range(startKey === '' ? '\x01' : startKey, endKey === '' ? undefined : endKey);
  }
  getStateByRangeWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getStateByRangeWithPagination');
  }
  getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const partial = this.createCompositeKey(objectType, attributes);
    return this.#range(partial, partial + MAX_RUNE);
  }
  getStateByPartialCompositeKeyWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getStateByPartialCompositeKeyWithPagination');
  }
  getQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getQueryResult (rich queries need CouchDB)');
  }
  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return unsupported('getQueryResultWithPagination');
  }
  getHistoryForKey(): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    return unsupported('getHistoryForKey');
  }
  async invokeChaincode(): Promise<ChaincodeResponse> {
    return unsupported('invokeChaincode');
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (name === '') throw new Error('event name must be a non-empty string');
    // Fabric keeps one event per transaction: a later setEvent replaces an earlier one.
    this.event = { name, payload: Buffer.from(payload) };
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    checkAttribute(objectType);
    attributes.forEach(checkAttribute);
    return COMPOSITE_NS + objectType + MIN_RUNE + attributes.map((attribute) => attribute + MIN_RUNE).join('');
  }
  splitCompositeKey(compositeKey: string): SplitCompositekey {
    if (!compositeKey.startsWith(COMPOSITE_NS)) return { objectType: null as unknown as string, attributes: [] };
    const [objectType = '', ...attributes] = compositeKey.slice(1).split(MIN_RUNE);
    attributes.pop();
    return { objectType, attributes };
  }

  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    const config = this.#collection(collection);
    if (config.memberOnlyRead && !collectionMembers(config).includes(this.#options.creator.mspid)) {
      throw new Error(`tx creator does not have read access permission on privatedata in chaincodeName:${this.#options.chaincodeName} collectionName: ${collection}`);
    }
    const committed = this.#options.world.getPrivate(collection, key);
    this.rwset.privateReads.set(`${collection}/${key}`, committed?.version ?? null);
    if (committed === undefined) return Buffer.alloc(0);
    if (!collectionMembers(config).includes(this.#options.peerMspId)) {
      throw new Error(`private data matching public hash version is not available. Public hash version = ${committed.version}, Private data version = nil`);
    }
    return committed.value;
  }
  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    this.#collection(collection);
    const committed = this.#options.world.getPrivate(collection, key);
    this.rwset.privateReads.set(`${collection}/${key}`, committed?.version ?? null);
    return committed === undefined ? Buffer.alloc(0) : sha256(committed.value);
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.#checkPrivateWrite(collection, key);
    if (value.length === 0) throw new Error('value must not be empty');
    this.#privateWrites(collection).set(key, Buffer.from(value));
  }
  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.#checkPrivateWrite(collection, key);
    this.#privateWrites(collection).set(key, null);
  }
  async purgePrivateData(): Promise<void> {
    return unsupported('purgePrivateData');
  }
  async setPrivateDataValidationParameter(): Promise<void> {
    return unsupported('setPrivateDataValidationParameter');
  }
  async getPrivateDataValidationParameter(): Promise<Uint8Array> {
    return unsupported('getPrivateDataValidationParameter');
  }
  getPrivateDataByRange(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getPrivateDataByRange');
  }
  getPrivateDataByPartialCompositeKey(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getPrivateDataByPartialCompositeKey');
  }
  getPrivateDataQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return unsupported('getPrivateDataQueryResult');
  }

  #range(start: string, end: string | undefined): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const world = this.#options.world;
    const keys = world.range(start, end);
    this.rwset.ranges.push({ start, end, keys: keys.map((key) => [key, world.get(key)?.version ?? 0] as [string, number]) });
    return asyncIterator(keys.map((key) => ({ namespace: this.#options.chaincodeName, key, value: world.get(key)?.value ?? Buffer.alloc(0) })));
  }

  #collection(name: string): CollectionConfig {
    const config = this.#options.collections.find((candidate) => candidate.name === name);
    if (config === undefined) throw new Error(`collection ${name} not defined`);
    return config;
  }

  #checkPrivateWrite(collection: string, key: string): void {
    const config = this.#collection(collection);
    if (key === '') throw new Error('key must not be an empty string');
    if (config.memberOnlyWrite && !collectionMembers(config).includes(this.#options.creator.mspid)) {
      throw new Error(`tx creator does not have write access permission on privatedata in chaincodeName:${this.#options.chaincodeName} collectionName: ${collection}`);
    }
  }

  #privateWrites(collection: string): Map<string, Buffer | null> {
    const writes = this.rwset.privateWrites.get(collection) ?? new Map<string, Buffer | null>();
    this.rwset.privateWrites.set(collection, writes);
    return writes;
  }
}
