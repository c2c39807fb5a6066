import type { Context } from 'fabric-contract-api';
import type { ChaincodeEventName, ChaincodeEvents } from '../api';
import { refuse } from './errors';
import { fromBytes, toBytes } from './json';
import type { KeyType, PrivateKeyType } from './keys';

export interface Listed<T> {
  readonly key: string;
  readonly attributes: readonly string[];
  readonly value: T;
}

type EventPayload<N extends ChaincodeEventName> = Omit<ChaincodeEvents[N], 'eventId' | 'txId'>;

/**
 * One transaction's view of the world state. Reads see the state committed before the transaction
 * (Fabric does not read a transaction's own writes), so code never reads back a key it wrote.
 */
export class Tx {
  readonly txId: string;
  /** The transaction timestamp chosen by the client: the only "now" all endorsers agree on. */
  readonly nowMs: number;
  readonly eventId: string;
  readonly #ctx: Context;
  #event: { readonly name: ChaincodeEventName; readonly payload: Uint8Array } | undefined;

  constructor(ctx: Context, eventId: string) {
    this.#ctx = ctx;
    this.txId = ctx.stub.getTxID();
    this.nowMs = ctx.stub.getDateTimestamp().getTime();
    this.eventId = eventId;
  }

  get ctx(): Context {
    return this.#ctx;
  }

  key(type: KeyType | PrivateKeyType, ...attributes: string[]): string {
    return this.#ctx.stub.createCompositeKey(type, attributes);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const bytes = await this.#ctx.stub.getState(key);
    return bytes.length === 0 ? undefined : fromBytes<T>(bytes);
  }

  async must<T>(key: string, what: string): Promise<T> {
    return (await this.get<T>(key)) ?? refuse('NOT_FOUND', `${what} does not exist`);
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.#ctx.stub.putState(key, toBytes(value));
  }

  async delete(key: string): Promise<void> {
    await this.#ctx.stub.deleteState(key);
  }

  /** Every key of `type` whose attributes start with `prefix`, in key order. */
  async list<T>(type: KeyType, ...prefix: string[]): Promise<Listed<T>[]> {
    const found: Listed<T>[] = [];
    for await (const kv of this.#ctx.stub.getStateByPartialCompositeKey(type, prefix)) {
      const { attributes } = this.#ctx.stub.splitCompositeKey(kv.key);
      found.push({ key: kv.key, attributes, value: fromBytes<T>(kv.value) });
    }
    return found;
  }

  async getPrivate<T>(collection: string, key: string): Promise<T | undefined> {
    const bytes = await this.#ctx.stub.getPrivateData(collection, key);
    return bytes.length === 0 ? undefined : fromBytes<T>(bytes);
  }

  /** The SHA-256 of a private value as committed; readable on every peer, members or not. */
  async privateHash(collection: string, key: string): Promise<string | undefined> {
    const bytes = await this.#ctx.stub.getPrivateDataHash(collection, key);
    return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('hex');
  }

  async putPrivate(collection: string, key: string, value: Uint8Array): Promise<void> {
    await this.#ctx.stub.putPrivateData(collection, key, value);
  }

  async deletePrivate(collection: string, key: string): Promise<void> {
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

  /** Hands the event to the stub; called once the transaction body succeeded. */
  flushEvent(): void {
    if (this.#event === undefined) throw new Error('a state-changing transaction must emit an event');
    this.#ctx.stub.setEvent(this.#event.name, this.#event.payload);
  }
}
