import { type CallOptions, type ChargingLedger, LedgerUnavailable } from '@chargeledger/ledger-client';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';

export interface ConfirmedSubmitsOptions {
  /** How long a submit whose outcome is unknown is asked again before the caller is told so. */
  readonly withinMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * A submit that failed where its outcome is unknown (its commit status did not come in time, its block
 * conflicted, the answer was lost) is endorsed again with the same request before anyone is answered. The
 * endorsement reads the event id's record on the ledger: if the first one committed, the ledger answers
 * with what it recorded then and writes nothing; if it did not, this one takes effect, and should the first
 * commit after all, the two conflict on the event id and only one of them counts. So the caller is never
 * told "try again" about a request that took effect, and a request takes effect once (decision 0027).
 */
export function confirmedSubmits(ledger: ChargingLedger, options: Readonly<ConfirmedSubmitsOptions>): ChargingLedger {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  return {
    evaluate: <T extends TransactionName>(name: T, request: RequestOf<T>, callOptions?: CallOptions) => ledger.evaluate(name, request, callOptions),
    submit: async <T extends TransactionName>(name: T, request: RequestOf<T>, callOptions?: CallOptions): Promise<ResultOf<T>> => {
      const deadline = now() + options.withinMs;
      for (let attempt = 1; ; attempt++) {
        try {
          return await ledger.submit(name, request, callOptions);
        } catch (error) {
          if (!(error instanceof LedgerUnavailable) || now() >= deadline) throw error;
          await sleep(Math.min(2_000, 100 * 2 ** attempt, Math.max(0, deadline - now())));
        }
      }
    },
  };
}
