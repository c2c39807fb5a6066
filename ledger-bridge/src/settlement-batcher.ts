import { TRANSIENT_KEYS, type CloseSessionRequest, type CloseSessionsItemResult } from '@chargeledger/chaincode/api';
import type { SessionEnded } from '@chargeledger/ledger-queue';
import type { Logger } from 'pino';
import { settlementOf, type Outcome } from './apply-event';
import { classifyLedgerError, LedgerRefusal } from './errors';
import { STATE_DEPENDENT_REFUSALS, type ChargingLedger } from './ledger';

export interface SettlementBatcherOptions {
  readonly ledger: ChargingLedger;
  /** Settlements one transaction carries at most (at most the chaincode's 100). */
  readonly maxPerTransaction: number;
  /** Settlement transactions in flight at once: while this many are, new settlements gather for the next. */
  readonly transactionsInFlight: number;
  /**
   * How long a refusal that depends on state is tried again before it is final (as FabricLedger's
   * confirmRefusalMs): an endorsing peer a block behind may refuse what an up-to-date one would not.
   */
  readonly confirmRefusalMs: number;
  readonly log: Logger;
}

/** A settlement waiting for, or riding in, a transaction. */
interface Pending {
  readonly request: CloseSessionRequest;
  readonly records: readonly string[] | undefined;
  /** The state the settlement rewrites that the bridge can name: its session and, when known, its driver's account. */
  readonly keys: readonly string[];
  readonly firstTriedAt: number;
  /** After a whole batch was refused: tried in a transaction of its own, so one bad settlement fails only itself. */
  alone: boolean;
  attempts: number;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the settlements the worker applies at the same time into shared Session:closeSessions
 * transactions (ADR 0022). A settlement goes out at once while fewer than `transactionsInFlight`
 * transactions are under way, so an idle bridge adds no wait; under load the next transaction takes every
 * settlement that arrived meanwhile. Two settlements of one session or one driver's account never ride in
 * transactions in flight at the same time, so they cannot invalidate each other (MVCC) or be deferred by the
 * chaincode; should the chaincode still defer one (BATCH_KEY_SHARED, on a key the bridge cannot see), it
 * goes in a later transaction.
 *
 * Each caller gets its own settlement's outcome: settled, refused for good and recorded on the ledger, a
 * LedgerRefusal of that settlement alone, or the transaction's failure (LedgerUnavailable) for the worker's backoff; the event ids make a retry safe.
 */
export class SettlementBatcher {
  readonly #options: SettlementBatcherOptions;
  readonly #waiting: Pending[] = [];
  readonly #busyKeys = new Set<string>();
  #inFlight = 0;
  #pumpScheduled = false;

  constructor(options: Readonly<SettlementBatcherOptions>) {
    this.#options = options;
  }

  /** Settles the session of `event`; `driverAccountId` (from its open), when known, keeps one driver's settlements apart. */
  settle(event: SessionEnded, driverAccountId: string | undefined): Promise<Outcome> {
    const { request, records } = settlementOf(event);
    const keys = [`session:${event.sessionId}`, ...(driverAccountId === undefined ? [] : [`account:${driverAccountId}`])];
    return new Promise<Outcome>((resolve, reject) => {
      this.#waiting.push({ request, records: records.length > 0 ? records : undefined, keys, firstTriedAt: Date.now(), alone: false, attempts: 0, resolve, reject });
      this.#schedulePump();
    });
  }

  /** Settlements waiting and in flight: for logs and tests. */
  get pending(): { readonly waiting: number; readonly transactionsInFlight: number } {
    return { waiting: this.#waiting.length, transactionsInFlight: this.#inFlight };
  }

  // Pumped after the current turn, so settlements the worker hands over together share a transaction.
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#options.transactionsInFlight) {
      const batch = this.#nextBatch();
      if (batch.length === 0) return;
      this.#inFlight++;
      for (const item of batch) for (const key of item.keys) this.#busyKeys.add(key);
      void this.#submit(batch).finally(() => {
        for (const item of batch) for (const key of item.keys) this.#busyKeys.delete(key);
        this.#inFlight--;
        this.#schedulePump();
      });
    }
  }

  /** The oldest waiting settlements whose keys are free, in arrival order, none sharing a key. */
  #nextBatch(): Pending[] {
    const batch: Pending[] = [];
    const taken = new Set<string>();
    for (let i = 0; i < this.#waiting.length && batch.length < this.#options.maxPerTransaction; ) {
      const item = this.#waiting[i] as Pending;
      const free = item.keys.every((key) => !this.#busyKeys.has(key) && !taken.has(key));
      if (!free || (item.alone && batch.length > 0)) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      batch.push(item);
      for (const key of item.keys) taken.add(key);
      if (item.alone) break;
    }
    return batch;
  }

  async #submit(batch: readonly Pending[]): Promise<void> {
    const byEvent = Object.fromEntries(batch.filter((item) => item.records !== undefined).map((item) => [item.request.eventId, item.records]));
    let results: readonly CloseSessionsItemResult[];
    try {
      ({ results } = await this.#options.ledger.submit(
        'Session:closeSessions',
        { settlements: batch.map((item) => item.request) },
        Object.keys(byEvent).length === 0 ? {} : { transient: { [TRANSIENT_KEYS.ocmfRecordsByEvent]: JSON.stringify(byEvent) } },
      ));
    } catch (error) {
      const sorted = classifyLedgerError(error);
      if (sorted instanceof LedgerRefusal && batch.length > 1) {
        // Something in the batch made the whole transaction unacceptable: each is tried alone and answers for itself.
        this.#options.log.warn({ code: sorted.code, reason: sorted.reason, settlements: batch.length }, 'the ledger refused a batch of settlements; trying each alone');
        this.#retry(batch.map((item) => Object.assign(item, { alone: true })), 0);
      } else {
        for (const item of batch) item.reject(sorted);
      }
      return;
    }
    const again: Pending[] = [];
    for (const [i, item] of batch.entries()) {
      const result = results[i];
      if (result === undefined || result.eventId !== item.request.eventId) {
        item.reject(new Error(`the ledger answered a batch of ${batch.length} with ${results.length} results out of order`));
      } else if (result.status === 'settled') {
        const { settled } = result;
        item.resolve({ kind: 'session-settled', sessionId: result.sessionId, charged: settled.charged, energyWh: settled.energyWh, verification: settled.verification });
      } else if (result.status === 'refusal-recorded') {
        // Final, and on the ledger: the session is over, its hold released; the settlement listener tells the CSMS.
        item.resolve({ kind: 'session-refused', sessionId: result.sessionId, code: result.refusal.code, reason: result.refusal.reason, released: result.released });
      } else if (result.status === 'deferred') {
        again.push(item);
      } else if (STATE_DEPENDENT_REFUSALS.has(result.code) && Date.now() - item.firstTriedAt < this.#options.confirmRefusalMs) {
        again.push(item);
      } else {
        item.reject(new LedgerRefusal(result.code, result.reason, txIdOf(results)));
      }
    }
    if (again.length > 0) this.#retry(again, 100);
  }

  #retry(items: readonly Pending[], delayMs: number): void {
    const requeue = (): void => {
      for (const item of items) item.attempts++;
      this.#waiting.unshift(...items);
      this.#schedulePump();
    };
    if (delayMs === 0) requeue();
    else setTimeout(requeue, Math.min(1000, delayMs * (1 + Math.max(...items.map((item) => item.attempts)))));
  }
}

/** The transaction id of a batch, as the settlements it applied carry it (none if it applied nothing). */
function txIdOf(results: readonly CloseSessionsItemResult[]): string | undefined {
  for (const result of results) if (result.status === 'settled' && !result.replayed) return result.settled.txId;
  return undefined;
}
