import type { ChaincodeProposal, ChaincodeResponse, ChaincodeStub, Iterators, SerializedIdentity, SplitCompositekey, StateQueryResponse, Timestamp } from 'fabric-shim-api';
import Long from 'long';
import type { CollectionConfig } from './blocks';
import { collectionMembers } from './policies';
import { versionTag, type StateView } from './store';

const COMPOSITE_NS = '\x00';
const MIN_RUNE = '\x00';
const MAX_RUNE = '\u{10ffff}';

/** What one execution read and wrote, in memory; the private values never leave the endorsement. */
export interface Simulation {
  readonly reads: Map<string, string | null>;
  readonly ranges: { readonly start: string; readonly end: string | null; readonly results: [string, string][] }[];
  readonly privateReads: Map<string, Map<string, string | null>>;
  readonly writes: Map<string, Buffer | null>;
  readonly policies: Map<string, Buffer>;
  readonly privateWrites: Map<string, Map<string, Buffer | null>>;
}

export interface StubOptions {
  readonly state: StateView;
  readonly collections: readonly CollectionConfig[];
  readonly chaincode: string;
  readonly channel: string;
  readonly txId: string;
  readonly timestampMs: number;
  readonly creator: SerializedIdentity;
  /** The organization whose peer runs the chaincode: what getMspID answers, as CORE_PEER_LOCALMSPID does. */
  readonly peerMspId: string;
  readonly args: readonly Buffer[];
  readonly transient: ReadonlyMap<string, Uint8Array>;
}

class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

function unsupported(what: string): never {
  throw new UnsupportedError(`${what} is not supported by the embedded ledger`);
}

function checkAttribute(value: string): void {
  if (value.includes(MIN_RUNE) || value.includes(MAX_RUNE)) throw new Error(`input contains an invalid character: ${JSON.stringify(value)}`);
}

function iteratorOver(pending: Promise<Iterators.KV[]>): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
  const iterator = pending.then((kvs): Iterators.StateQueryIterator => {
    let index = 0;
    return {
      next: async () => {
        const value = kvs[index++];
        return value === undefined ? { value: undefined as unknown as Iterators.KV, done: true } : { value, done: false };
      },
      close: async () => undefined,
    };
  });
  return Object.assign(iterator, {
    async *[Symbol.asyncIterator](): AsyncGenerator<Iterators.KV> {
      yield* await pending;
    },
  });
}

/**
 * The chaincode stub of one execution on one organization's peer, over committed state as of one snapshot.
 * It keeps Fabric's transaction semantics: reads see committed state only (never the transaction's own
 * writes) and record the version they saw, range results come in key-byte order and are recorded for the
 * phantom check, one event per transaction (the last one set), and private data follows the collection
 * configuration: the hash is visible to every peer, the value only on a member's peer.
 */
export class EmbeddedStub implements ChaincodeStub {
  readonly simulation: Simulation = { reads: new Map(), ranges: [], privateReads: new Map(), writes: new Map(), policies: new Map(), privateWrites: new Map() };
  event: { readonly name: string; readonly payload: Buffer } | undefined;
  readonly #options: StubOptions;

  constructor(options: Readonly<StubOptions>) {
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
    return this.#options.channel;
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
    const committed = await this.#options.state.state(key);
    this.simulation.reads.set(key, versionTag(committed?.version));
    return committed?.value ?? Buffer.alloc(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') throw new Error('key must not be an empty string');
    if (value.length === 0) throw new Error(`putState of ${JSON.stringify(key)} with an empty value`);
    this.simulation.writes.set(key, Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    if (key === '') throw new Error('key must not be an empty string');
    this.simulation.writes.set(key, null);
  }
  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.simulation.policies.set(key, Buffer.from(ep));
  }
  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    return (await this.#options.state.policy(key)) ?? Buffer.alloc(0);
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
    const members = collectionMembers(config);
    if (config.memberOnlyRead && !members.includes(this.#options.creator.mspid)) {
      throw new Error(`tx creator does not have read access permission on privatedata in chaincodeName:${this.#options.chaincode} collectionName: ${collection}`);
    }
    const hashed = await this.#options.state.privateHash(collection, key);
    this.#privateReads(collection).set(key, versionTag(hashed?.version));
    if (hashed === undefined) return Buffer.alloc(0);
    if (!members.includes(this.#options.peerMspId)) {
      // A non-member peer holds the hash only, as on a Fabric channel.
      throw new Error(`private data matching public hash version is not available. Public hash version = ${versionTag(hashed.version)}, Private data version = nil`);
    }
    const stored = await this.#options.state.privateValue(collection, key);
    if (stored === undefined) throw new Error(`private data of ${collection} is missing on ${this.#options.peerMspId}'s peer`);
    return stored.value;
  }
  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    this.#collection(collection);
    const hashed = await this.#options.state.privateHash(collection, key);
    this.#privateReads(collection).set(key, versionTag(hashed?.version));
    return hashed?.value ?? Buffer.alloc(0);
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
    const pending = this.#options.state.range(start, end).then((entries) => {
      this.simulation.ranges.push({ start, end: end ?? null, results: entries.map((entry) => [entry.key, versionTag(entry.version) ?? '']) });
      return entries.map((entry) => ({ namespace: this.#options.chaincode, key: entry.key, value: entry.value }));
    });
    return iteratorOver(pending);
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
      throw new Error(`tx creator does not have write access permission on privatedata in chaincodeName:${this.#options.chaincode} collectionName: ${collection}`);
    }
  }

  #privateReads(collection: string): Map<string, string | null> {
    const reads = this.simulation.privateReads.get(collection) ?? new Map<string, string | null>();
    this.simulation.privateReads.set(collection, reads);
    return reads;
  }

  #privateWrites(collection: string): Map<string, Buffer | null> {
    const writes = this.simulation.privateWrites.get(collection) ?? new Map<string, Buffer | null>();
    this.simulation.privateWrites.set(collection, writes);
    return writes;
  }
}

