import { parseEnvelope, type Block } from './blocks';

/** One chaincode event of a valid transaction, shaped as fabric-gateway's ChaincodeEvent. */
export interface ChaincodeEvent {
  readonly blockNumber: bigint;
  readonly transactionId: string;
  readonly chaincodeName: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

/** An event stream the reader stops with close(), or by leaving a for-await loop. */
export interface CloseableAsyncIterable<T> extends AsyncIterable<T> {
  close(): void;
}

/** Events of a block: at most one per transaction, and only from transactions judged valid. */
export function blockEvents(block: Block): ChaincodeEvent[] {
  const events: ChaincodeEvent[] = [];
  for (const [index, entry] of block.data.entries()) {
    if (block.metadata.validationCodes[index] !== 'VALID') continue;
    const envelope = parseEnvelope(entry);
    if (envelope.type !== 'transaction' || envelope.response.event === null) continue;
    events.push({
      blockNumber: BigInt(block.header.number),
      transactionId: envelope.proposal.txId,
      chaincodeName: envelope.proposal.chaincode,
      eventName: envelope.response.event.name,
      payload: Buffer.from(envelope.response.event.payloadBase64, 'base64'),
    });
  }
  return events;
}

export interface EventSource {
  height(): number;
  block(number: number): Promise<Block | undefined>;
  /** Resolves when a block is committed after the call, or the ledger closes. */
  nextBlock(): Promise<void>;
  closed(): boolean;
}

/** Where a listener resumes, as fabric-gateway's checkpoint: a block, and the last transaction handled in it. */
export interface EventsPosition {
  readonly fromBlock: number;
  /** Events of `fromBlock` up to and including this transaction are skipped. */
  readonly afterTransactionId?: string;
}

/**
 * Events from a position on: the committed blocks read from disk first, then each new block as it is
 * committed, so a listener that checkpointed its position resumes there without a gap or a repeat.
 */
export function eventsFrom(source: EventSource, position: EventsPosition): CloseableAsyncIterable<ChaincodeEvent> {
  let stopped = false;
  let wake = (): void => undefined;
  const stop = new Promise<void>((resolve) => {
    wake = resolve;
  });
  async function* generate(): AsyncGenerator<ChaincodeEvent> {
    let next = position.fromBlock;
    while (!stopped && !source.closed()) {
      if (next >= source.height()) {
        await Promise.race([source.nextBlock(), stop]);
        continue;
      }
      let block;
      try {
        block = await source.block(next++);
      } catch (error) {
        // The ledger closed while the block was read: the stream ends with it.
        if (source.closed()) return;
        throw error;
      }
      if (block === undefined) return;
      let events = blockEvents(block);
      if (block.header.number === position.fromBlock && position.afterTransactionId !== undefined) {
        const handled = events.findIndex((event) => event.transactionId === position.afterTransactionId);
        events = events.slice(handled + 1);
      }
      for (const event of events) {
        if (stopped) return;
        yield event;
      }
    }
  }
  const iterator = generate();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => {
      stopped = true;
      wake();
    },
  };
}

/** Wakes everyone waiting for the next block; each wait is for the first block committed after it began. */
export class BlockSignal {
  #resolve = (): void => undefined;
  #next = this.#renew();

  next(): Promise<void> {
    return this.#next;
  }

  wake(): void {
    this.#resolve();
    this.#next = this.#renew();
  }

  #renew(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }
}
