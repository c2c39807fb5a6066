import type { Context } from 'fabric-contract-api';
import type { ChaincodeEventName, ChaincodeEvents } from '../api';
import { refuse } from './errors';
import { fromBytes, toBytes } from './json';
import type { KeyType, PrivateKeyType } from './keys';
import { peerBatches, type StateWrite } from './peer-batches';

export interface Listed<T> {
  readonly key: string;
  readonly attributes: readonly string[];
  readonly value: T;
}

type EventPayload<N extends ChaincodeEventName> = Omit<ChaincodeEvents[N], 'eventId' | 'txId'>;

/**
 * The writes of one part of a transaction (a settlement of a batch), held back until the part succeeded, and
 * the keys it read. A refused part's writes are dropped; an applied part's go to the stub. Since no part reads
 * another's writes (Fabric reads the state committed before the transaction), a part that reads or writes a
 * key an earlier applied part wrote would be computed on stale state, and is not applied (ADR 0022).
 */
export class StagedWrites {
  readonly #reads = new Set<string>();
  readonly #ranges = new Set<string>();
  readonly #writes = new Map<string, Uint8Array | undefined>();

  read(key: string): void {
    this.#reads.add(key);
  }

  /** A range read: every key that starts with `prefix` (a partial composite key). */
  readRange(prefix: string): void {
    this.#ranges.add(prefix);
  }

  /** The first of `written` this part read or wrote, a key in a range it read included. */
  sharedWith(written: ReadonlySet<string>): string | undefined {
    for (const key of [...this.#reads, ...this.#writes.keys()]) if (written.has(key)) return key;
    for (const prefix of this.#ranges) for (const key of written) if (key.startsWith(prefix)) return key;
    return undefined;
  }

  write(key: string, bytes: Uint8Array | undefined): void {
    this.#writes.set(key, bytes);
  }

  /** The writes, in the order they were made. */
  writes(): StateWrite[] {
    return [...this.#writes.entries()];
  }
}

/**
 * Writes held until the end of a transaction and handed to the peer together: in one message where the peer
 * takes write batches (core/peer-batches.ts), key by key where not. Fabric's write set is the same either way,
 * since chaincode never reads its own writes.
 */
export class PendingWrites {
  readonly #writes: StateWrite[] = [];

  add(writes: readonly StateWrite[]): void {
    this.#writes.push(...writes);
  }

  async flush(ctx: Context): Promise<void> {
    const writes = this.#writes.splice(0);
    if (writes.length === 0 || (await peerBatches(ctx.stub)?.writeStates(writes))) return;
    for (const [key, bytes] of writes) {
      if (bytes === undefined) await ctx.stub.deleteState(key);
      else await ctx.stub.putState(key, bytes);
    }
  }
}

/** Committed values read ahead by `prefetch`, for the transaction they were read in. */
const readAhead = new WeakMap<Context, { readonly txId: string; readonly values: Map<string, Uint8Array> }>();

function readAheadOf(ctx: Context): Map<string, Uint8Array> {
  const txId = ctx.stub.getTxID();
  const known = readAhead.get(ctx);
  if (known?.txId === txId) return known.values;
  const values = new Map<string, Uint8Array>();
  readAhead.set(ctx, { txId, values });
  return values;
}

/**
 * Reads `keys` ahead, in one message where the peer takes read batches, so that a later `Tx.get` of one finds
 * it without a round trip. A transaction reads the state committed before it whatever it wrote, so a value
 * read ahead stays right for the whole transaction. Every key is read here, batches or not, so every endorser
 * reports the same read set whatever its peer offers.
 */
export async function prefetch(ctx: Context, keys: Iterable<string>): Promise<void> {
  const values = readAheadOf(ctx);
  const missing = [...new Set(keys)].filter((key) => !values.has(key));
  if (missing.length === 0) return;
  const batch = await peerBatches(ctx.stub)?.getStates(missing);
  for (const [i, key] of missing.entries()) values.set(key, batch?.[i] ?? (await ctx.stub.getState(key)));
}

/**
 * One transaction's view of the world state. Reads see the state committed before the transaction
 * (Fabric does not read a transaction's own writes), so code never reads back a key it wrote. A view with
 * `staged` writes holds them there (public state only) and keeps its event for the caller to collect.
 */
export class Tx {
  readonly txId: string;
  /** The transaction timestamp chosen by the client: the only "now" all endorsers agree on. */
  readonly nowMs: number;
  readonly eventId: string;
  readonly #ctx: Context;
  readonly #staged: StagedWrites | undefined;
  #event: { readonly name: ChaincodeEventName; readonly payload: Uint8Array } | undefined;

  constructor(ctx: Context, eventId: string, staged?: StagedWrites) {
    this.#ctx = ctx;
    this.txId = ctx.stub.getTxID();
    this.nowMs = ctx.stub.getDateTimestamp().getTime();
    this.eventId = eventId;
    this.#staged = staged;
  }

  get ctx(): Context {
    return this.#ctx;
  }

  key(type: KeyType | PrivateKeyType, ...attributes: string[]): string {
    return this.#ctx.stub.createCompositeKey(type, attributes);
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.#staged?.read(key);
    const bytes = readAheadOf(this.#ctx).get(key) ?? (await this.#ctx.stub.getState(key));
    return bytes.length === 0 ? undefined : fromBytes<T>(bytes);
  }

  async must<T>(key: string, what: string): Promise<T> {
    return (await this.get<T>(key)) ?? refuse('NOT_FOUND', `${what} does not exist`);
  }

  async put(key: string, value: unknown): Promise<void> {
    if (this.#staged !== undefined) this.#staged.write(key, toBytes(value));
    else await this.#ctx.stub.putState(key, toBytes(value));
  }

  async delete(key: string): Promise<void> {
    if (this.#staged !== undefined) this.#staged.write(key, undefined);
    else await this.#ctx.stub.deleteState(key);
  }

  /** Every key of `type` whose attributes start with `prefix`, in key order. */
  async list<T>(type: KeyType, ...prefix: string[]): Promise<Listed<T>[]> {
    // A range is checked against the other parts' writes by its prefix (StagedWrites.sharedWith).
    this.#staged?.readRange(this.#ctx.stub.createCompositeKey(type, prefix));
    const found: Listed<T>[] = [];
    for await (const kv of this.#ctx.stub.getStateByPartialCompositeKey(type, prefix)) {
      const { attributes } = this.#ctx.stub.splitCompositeKey(kv.key);
      found.push({ key: kv.key, attributes, value: fromBytes<T>(kv.value) });
    }
    return found;
  }

  async getPrivate<T>(collection: string, key: string): Promise<T | undefined> {
    this.#staged?.read(`${collection}/${key}`);
    const bytes = await this.#ctx.stub.getPrivateData(collection, key);
    return bytes.length === 0 ? undefined : fromBytes<T>(bytes);
  }

  /** The SHA-256 of a private value as committed; readable on every peer, members or not. */
  async privateHash(collection: string, key: string): Promise<string | undefined> {
    this.#staged?.read(`${collection}/${key}`);
    const bytes = await this.#ctx.stub.getPrivateDataHash(collection, key);
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('hex');
  }

  async putPrivate(collection: string, key: string, value: Uint8Array): Promise<void> {
    if (this.#staged !== undefined) throw new Error('a staged part of a transaction writes no private data');
    await this.#ctx.stub.putPrivateData(collection, key, value);
  }

  async deletePrivate(collection: string, key: string): Promise<void> {
    if (this.#staged !== undefined) throw new Error('a staged part of a transaction writes no private data');
    await this.#ctx.stub.deletePrivateData(collection, key);
  }

  transient(name: string): Uint8Array | undefined {
    return this.#ctx.stub.getTransient().get(name);
  }

  /** Records the transaction's one chaincode event; a second call is a programming error. */
  emit<N extends ChaincodeEventName>(name: N, payload: EventPayload<N>): void {
    if (this.#event !== undefined) throw new Error(`a transaction emits one event; ${this.#event.name} was already set`);
    this.#event = { name, payload: toBytes({ ...payload, eventId: this.eventId, txId: this.txId }) };
  }

  /** The event set by `emit`, decoded: a staged part's event, which its caller gathers into the transaction's one event. */
  emitted(): { readonly name: ChaincodeEventName; readonly payload: unknown } | undefined {
    return this.#event === undefined ? undefined : { name: this.#event.name, payload: fromBytes<unknown>(this.#event.payload) };
  }

  /** Hands the event to the stub; called once the transaction body succeeded. */
  flushEvent(): void {
    if (this.#event === undefined) throw new Error('a state-changing transaction must emit an event');
    this.#ctx.stub.setEvent(this.#event.name, this.#event.payload);
  }
}
