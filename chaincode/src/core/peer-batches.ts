import type { ChaincodeStub } from 'fabric-shim';
import { fromShim } from './from-shim';

/**
 * Fabric 3.1 peers take several reads in one message (GET_STATE_MULTIPLE) and several writes in one
 * (WRITE_BATCH_STATE), and offer both when a chaincode connects: the READY message carries
 * ChaincodeAdditionalParams with the largest batch each takes. The Go shim uses them; the Node shim
 * (fabric-shim 2.5) neither reads the offer nor sends the messages, so every key costs a round trip between
 * the chaincode service and its peer, which under load was the larger part of both sides' work for a
 * settlement. This module reads the offer on each connection the shim opens and sends the two messages
 * through the shim's own queue of the transaction, which answers them in order like any other call.
 * A peer that offers nothing (older, or `chaincode.runtimeParams` off) is asked key by key, as before.
 */

/** The batches a peer takes, from its READY message; absent if it takes none. */
export interface BatchOffer {
  /** Most writes in one WRITE_BATCH_STATE; 0 if the peer takes no write batches. */
  readonly maxWrites: number;
  /** Most keys in one GET_STATE_MULTIPLE; 0 if the peer takes no read batches. */
  readonly maxReads: number;
}

/** A write as the peer takes it: a value, or undefined to delete the key. */
export type StateWrite = readonly [key: string, value: Uint8Array | undefined];

const TYPE = { READY: 4, PUT_STATE: 9, DEL_STATE: 10, WRITE_BATCH_STATE: 24, GET_STATE_MULTIPLE: 25 } as const;
const OFFER = Symbol.for('chargeledger.peerBatchOffer');

interface ShimMessage {
  getType(): number;
  getPayload_asU8(): Uint8Array;
}

interface ShimMessageClass {
  new (): ShimMessage & { setType(type: number): void; setPayload(payload: Uint8Array): void; setTxid(txId: string): void; setChannelId(channelId: string): void };
}

interface ShimHandler {
  readonly _stream?: { on(event: 'data', listener: (message: ShimMessage) => void): void };
  _askPeerAndListen(message: unknown, method: string): Promise<Buffer>;
  [OFFER]?: BatchOffer;
}

let installed = false;
let ChaincodeMessage: ShimMessageClass | undefined;

/**
 * Reads the peer's offer on every connection the shim opens from now on. Idempotent. A shim without the
 * internals this needs gets no offer, and the chaincode asks key by key.
 */
export function readPeerBatchOffers(): void {
  if (installed) return;
  installed = true;
  let handlerClass: { prototype: { chat?: (start: unknown) => unknown } } | undefined;
  try {
    ChaincodeMessage = (fromShim('@hyperledger/fabric-protos') as { peer: { ChaincodeMessage: ShimMessageClass } }).peer.ChaincodeMessage;
    handlerClass = (fromShim('./lib/handler') as { ChaincodeMessageHandler?: typeof handlerClass }).ChaincodeMessageHandler;
  } catch {
    return;
  }
  const chat = handlerClass?.prototype.chat;
  if (handlerClass === undefined || chat === undefined) return;
  handlerClass.prototype.chat = function (this: ShimHandler, start: unknown): unknown {
    this._stream?.on('data', (message) => {
      if (message.getType() === TYPE.READY) this[OFFER] = readOffer(message.getPayload_asU8());
    });
    return chat.call(this, start);
  };
}

/** The batches the transaction's peer offered, or undefined where it offered none (or no shim connection carries the stub). */
export function peerBatches(stub: ChaincodeStub): PeerBatches | undefined {
  const handler = (stub as unknown as { handler?: ShimHandler }).handler;
  const offer = handler?.[OFFER];
  if (handler === undefined || offer === undefined || ChaincodeMessage === undefined || typeof handler._askPeerAndListen !== 'function') return undefined;
  return new PeerBatches(handler, stub, offer, ChaincodeMessage);
}

export class PeerBatches {
  readonly #handler: ShimHandler;
  readonly #stub: ChaincodeStub;
  readonly #message: ShimMessageClass;
  readonly offer: BatchOffer;

  constructor(handler: ShimHandler, stub: ChaincodeStub, offer: BatchOffer, message: ShimMessageClass) {
    this.#handler = handler;
    this.#stub = stub;
    this.offer = offer;
    this.#message = message;
  }

  /** The committed values of `keys`, in order, an empty array for a key that has none; undefined if the peer takes no read batches. */
  async getStates(keys: readonly string[]): Promise<Uint8Array[] | undefined> {
    if (this.offer.maxReads < 1) return undefined;
    const values: Uint8Array[] = [];
    for (let from = 0; from < keys.length; from += this.offer.maxReads) {
      const chunk = keys.slice(from, from + this.offer.maxReads);
      const payload = await this.#ask(TYPE.GET_STATE_MULTIPLE, encodeGetStateMultiple(chunk), 'GetStateMultiple');
      const answered = decodeGetStateMultipleResult(payload);
      if (answered.length !== chunk.length) throw new Error(`the peer answered ${chunk.length} keys with ${answered.length} values`);
      values.push(...answered);
    }
    return values;
  }

  /** Hands the writes to the peer in order; false (nothing sent) if the peer takes no write batches. */
  async writeStates(writes: readonly StateWrite[]): Promise<boolean> {
    if (this.offer.maxWrites < 1) return false;
    for (let from = 0; from < writes.length; from += this.offer.maxWrites) {
      await this.#ask(TYPE.WRITE_BATCH_STATE, encodeWriteBatchState(writes.slice(from, from + this.offer.maxWrites)), 'WriteBatchState');
    }
    return true;
  }

  async #ask(type: number, payload: Uint8Array, method: string): Promise<Uint8Array> {
    const message = new this.#message();
    message.setType(type);
    message.setPayload(payload);
    message.setTxid(this.#stub.getTxID());
    message.setChannelId(this.#stub.getChannelID());
    return this.#handler._askPeerAndListen(message, method);
  }
}

// ------------------------------------------------------------------------------------------------- protobuf
// The four messages field by field, as Fabric 3.1 defines them (peer/chaincode.proto, peer/chaincode_shim.proto);
// the protobuf package the shim bundles predates them.

/** ChaincodeAdditionalParams: 1 use_write_batch, 2 max_size_write_batch, 3 use_get_multiple_keys, 4 max_size_get_multiple_keys. */
export function readOffer(payload: Uint8Array): BatchOffer | undefined {
  const fields = new Map<number, number>();
  for (const field of readFields(payload)) if (field.varint !== undefined) fields.set(field.number, field.varint);
  const maxWrites = fields.get(1) === 1 ? (fields.get(2) ?? 0) : 0;
  const maxReads = fields.get(3) === 1 ? (fields.get(4) ?? 0) : 0;
  return maxWrites > 0 || maxReads > 0 ? { maxWrites, maxReads } : undefined;
}

/** GetStateMultiple: 1 repeated string keys, 2 collection (empty: public state). */
export function encodeGetStateMultiple(keys: readonly string[]): Uint8Array {
  return Buffer.concat(keys.map((key) => lengthDelimited(1, Buffer.from(key, 'utf8'))));
}

/** GetStateMultipleResult: 1 repeated bytes values, one per key asked, empty where a key has no value. */
export function decodeGetStateMultipleResult(payload: Uint8Array): Uint8Array[] {
  return readFields(payload).flatMap((field) => (field.number === 1 && field.bytes !== undefined ? [field.bytes] : []));
}

/** WriteBatchState: 1 repeated WriteRecord {1 key, 2 value, 3 collection, 5 type: PUT_STATE 9 or DEL_STATE 10}. */
export function encodeWriteBatchState(writes: readonly StateWrite[]): Uint8Array {
  return Buffer.concat(
    writes.map(([key, value]) => {
      const record = [lengthDelimited(1, Buffer.from(key, 'utf8'))];
      if (value !== undefined) record.push(lengthDelimited(2, value));
      record.push(varintField(5, value === undefined ? TYPE.DEL_STATE : TYPE.PUT_STATE));
      return lengthDelimited(1, Buffer.concat(record));
    }),
  );
}

interface Field {
  readonly number: number;
  readonly varint?: number;
  readonly bytes?: Uint8Array;
}

function readFields(payload: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= payload.length || shift > 49) throw new Error('a truncated or overlong varint in a message from the peer');
      const byte = payload[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < payload.length) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        fields.push({ number, varint: varint() });
        break;
      case 2: {
        const length = varint();
        if (at + length > payload.length) throw new Error('a truncated field in a message from the peer');
        fields.push({ number, bytes: payload.subarray(at, at + length) });
        at += length;
        break;
      }
      case 1:
        at += 8;
        break;
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`wire type ${tag % 8} in a message from the peer`);
    }
  }
  return fields;
}

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(bytes.length)]), bytes]);
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varintBytes(field * 8), ...varintBytes(value)]);
}
