import { setTimeout as sleep } from 'node:timers/promises';
import { settlementsOf } from '@chargeledger/ledger-bridge';
import type { Network } from '@hyperledger/fabric-gateway';

/**
 * Calls `onSettled` with each session's id as the peer behind `network` reports its settlement committed
 * (a `SessionSettled` event, or each settlement of a `SessionsSettled` one), reconnecting while the peer is
 * down, until stopped.
 */
export function watchSettlements(network: Network, chaincode: string, onSettled: (sessionId: string) => void): { stop(): void } {
  let stopped = false;
  let stream: { close(): void } | undefined;
  void (async () => {
    while (!stopped) {
      try {
        const events = await network.getChaincodeEvents(chaincode);
        stream = events;
        for await (const event of events) for (const { sessionId } of settlementsOf(event)) onSettled(sessionId);
      } catch {
        if (!stopped) await sleep(500);
      }
    }
  })();
  return {
    stop: () => {
      stopped = true;
      stream?.close();
    },
  };
}
