import { EventEmitter } from 'node:events';
import type { Context } from 'fabric-contract-api';
import type { ChaincodeStub } from 'fabric-shim';
import { fromShim } from './from-shim';
import { decodeGetStateMultipleResult, encodeGetStateMultiple, encodeWriteBatchState, peerBatches, readOffer, readPeerBatchOffers } from './peer-batches';
import { PendingWrites, prefetch, Tx } from './transaction-view';

const { peer } = fromShim('@hyperledger/fabric-protos') as { peer: { ChaincodeMessage: new () => ChaincodeMessage } };
const { ChaincodeMessageHandler } = fromShim('./lib/handler') as { ChaincodeMessageHandler: { prototype: { chat(start: unknown): void } } };

interface ChaincodeMessage {
  getType(): number;
  getPayload_asU8(): Uint8Array;
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
}

/** A peer's READY payload offering batches of 1000 writes and 1000 reads, as Fabric 3.1's core.yaml sets them. */
const OFFER_1000 = Uint8Array.from([0x08, 0x01, 0x10, 0xe8, 0x07, 0x18, 0x01, 0x20, 0xe8, 0x07]);

/** A connection the shim would hold, with the state a peer would answer from; it records what the chaincode sent. */
function aConnection(state: Map<string, string>, readyPayload?: Uint8Array): { stub: ChaincodeStub; sent: { type: number; payload: Uint8Array }[] } {
  readPeerBatchOffers();
  const stream = Object.assign(new EventEmitter(), { write: () => true, end: () => undefined });
  const sent: { type: number; payload: Uint8Array }[] = [];
  const handler = Object.assign(Object.create(ChaincodeMessageHandler.prototype) as object, {
    _stream: stream,
    _askPeerAndListen: async (message: ChaincodeMessage): Promise<Buffer> => {
      sent.push({ type: message.getType(), payload: message.getPayload_asU8() });
      if (message.getType() !== 25) return Buffer.alloc(0);
      const keys = decodeGetStateMultipleResult(message.getPayload_asU8()).map((key) => Buffer.from(key).toString('utf8'));
      return Buffer.concat(keys.map((key) => Buffer.from(encodeGetStateMultiple([state.get(key) ?? '']))));
    },
  }) as unknown as { chat(start: unknown): void };
  handler.chat({});
  if (readyPayload !== undefined) {
    const ready = new peer.ChaincodeMessage();
    ready.setType(4);
    ready.setPayload(readyPayload);
    stream.emit('data', ready);
  }
  const stub = {
    handler,
    getTxID: () => 'tx-1',
    getDateTimestamp: () => new Date(0),
    getChannelID: () => 'chargeledger',
    getState: async (key: string) => {
      sent.push({ type: 8, payload: Buffer.from(key) });
      return Buffer.from(state.get(key) ?? '');
    },
    putState: async (key: string) => void sent.push({ type: 9, payload: Buffer.from(key) }),
    deleteState: async (key: string) => void sent.push({ type: 10, payload: Buffer.from(key) }),
  } as unknown as ChaincodeStub;
  return { stub, sent };
}

describe('batches of reads and writes the peer offers (GET_STATE_MULTIPLE, WRITE_BATCH_STATE)', () => {
  it('reads the offer of a READY message, and no offer where the peer makes none', () => {
    expect(readOffer(OFFER_1000)).toEqual({ maxWrites: 1000, maxReads: 1000 });
    expect(readOffer(Uint8Array.from([0x10, 0xe8, 0x07, 0x18, 0x01, 0x20, 0x05]))).toEqual({ maxWrites: 0, maxReads: 5 });
    expect(readOffer(new Uint8Array())).toBeUndefined();
  });

  it('encodes the messages as the peer decodes them', () => {
    // WriteRecord {key "a", value 0x01, type PUT_STATE 9} and {key "b", type DEL_STATE 10}.
    expect(Buffer.from(encodeWriteBatchState([['a', Uint8Array.from([1])], ['b', undefined]])).toString('hex')).toBe('0a080a01611201012809' + '0a050a0162280a');
    expect(Buffer.from(encodeGetStateMultiple(['k1', 'k2'])).toString('hex')).toBe('0a026b310a026b32');
    expect(decodeGetStateMultipleResult(Uint8Array.from([0x0a, 0x01, 0x41, 0x0a, 0x00])).map((value) => Buffer.from(value).toString())).toEqual(['A', '']);
  });

  it('reads ahead in one message and writes in one, where the peer offered batches', async () => {
    const { stub, sent } = aConnection(new Map([['k1', '"one"'], ['k2', '"two"']]), OFFER_1000);
    const ctx = { stub } as Context;
    await prefetch(ctx, ['k1', 'k2', 'k3', 'k1']);
    const tx = new Tx(ctx, 'e-1');

    expect([await tx.get('k1'), await tx.get('k2'), await tx.get('k3')]).toEqual(['one', 'two', undefined]);
    const pending = new PendingWrites();
    pending.add([['k1', Buffer.from('"1"')], ['k3', undefined]]);
    await pending.flush(ctx);
    expect(sent.map((message) => message.type)).toEqual([25, 24]);
  });

  it('asks key by key where the peer offered nothing, reading the same keys', async () => {
    const { stub, sent } = aConnection(new Map([['k1', '"one"']]));
    const ctx = { stub } as Context;
    expect(peerBatches(stub)).toBeUndefined();
    await prefetch(ctx, ['k1', 'k2']);
    expect(await new Tx(ctx, 'e-1').get('k1')).toBe('one');
    const pending = new PendingWrites();
    pending.add([['k1', Buffer.from('"1"')], ['k2', undefined]]);
    await pending.flush(ctx);
    expect(sent.map((message) => [message.type, Buffer.from(message.payload).toString()])).toEqual([[8, 'k1'], [8, 'k2'], [9, 'k1'], [10, 'k2']]);
  });
});
