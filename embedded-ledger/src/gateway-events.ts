import { setTimeout as sleep } from 'node:timers/promises';
import type { Checkpoint } from '@hyperledger/fabric-gateway';
import { type ChaincodeEvent, type CloseableAsyncIterable, eventsFrom } from './events';
import type { EmbeddedGatewayClient } from './gateway-client';

export interface GatewayEventsOptions {
  readonly client: EmbeddedGatewayClient;
  /** How often the chain's height is asked for while no new block is known. */
  readonly pollMs: number;
  /** Told when the gateway cannot be reached; the stream goes on asking. */
  readonly onUnreachable: (error: unknown) => void;
}

/**
 * The embedded ledger's chaincode events as a process other than the ledger's own reads them: blocks fetched
 * through the gateway from a checkpoint on, the height polled for new ones. Resumes as the in-process stream
 * does (a block, and the last transaction handled in it), so a listener's checkpoint means the same on both.
 */
export function gatewayEvents(options: Readonly<GatewayEventsOptions>): (checkpoint: Checkpoint) => Promise<CloseableAsyncIterable<ChaincodeEvent>> {
  return async (checkpoint) => {
    let height = await options.client.height();
    let closed = false;
    const stream = eventsFrom(
      {
        height: () => height,
        block: (number) => options.client.block(number),
        nextBlock: async () => {
          for (;;) {
            await sleep(options.pollMs);
            if (closed) return;
            try {
              const now = await options.client.height();
              if (now > height) {
                height = now;
                return;
              }
            } catch (error) {
              options.onUnreachable(error);
            }
          }
        },
        closed: () => closed,
      },
      { fromBlock: Number(checkpoint.getBlockNumber() ?? BigInt(height)), ...(checkpoint.getTransactionId() === undefined ? {} : { afterTransactionId: checkpoint.getTransactionId() as string }) },
    );
    return {
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
      close: () => {
        closed = true;
        stream.close();
      },
    };
  };
}
