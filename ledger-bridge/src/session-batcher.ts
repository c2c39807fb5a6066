import { TRANSIENT_KEYS, type CloseSessionRequest, type CloseSessionsItemResult, type OpenSessionRequest, type OpenSessionsItemResult } from '@chargeledger/chaincode/api';
import type { SessionEnded, SessionStarted } from '@chargeledger/ledger-queue';
import type { Logger } from 'pino';
import { openedOutcome, openRequestOf, settledOutcome, settlementOf, type Outcome } from './apply-event';
import { type ChargingLedger, classifyLedgerError, confirmDelayMs, decideRetry, LedgerRefusal } from '@chargeledger/ledger-client';

export interface SessionBatcherOptions {
  readonly ledger: ChargingLedger;
  /** Opens or settlements one transaction carries at most (at most the chaincode's 100). */
  readonly maxPerTransaction: number;
  /** Transactions in flight at once, opens and settlements together: while this many are, new ones gather for the next. */
  readonly transactionsInFlight: number;
  /**
   * How long a refusal that depends on state is tried again before it is final (decideRetry's `confirm`, as
   * FabricLedger's confirmRefusalMs): an endorsing peer a block behind may refuse what an up-to-date one would not.
   */
  readonly confirmRefusalMs: number;
  readonly log: Logger;
}

/** What a transaction carries: settlements (Session:closeSessions) or opens (Session:openSessions), never both. */
type Part =
  | { readonly kind: 'settle'; readonly request: CloseSessionRequest; readonly records: readonly string[] | undefined }
  | { readonly kind: 'open'; readonly request: OpenSessionRequest; readonly tokenProof: string };

/** An open or a settlement waiting for, or riding in, a transaction. */
interface Pending {
  readonly part: Part;
  /** The state it rewrites that the bridge can name: its session and, when known, its driver's account. */
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
 * transactions (ADR 0022), and the opens into shared Session:openSessions transactions (ADR 0032), through
 * one pool of transactions in flight. A settlement goes out at once while fewer than `transactionsInFlight`
 * transactions are under way, so an idle bridge adds no wait; under load the next transaction takes every
 * settlement that arrived meanwhile. Two settlements of one session or one driver's account never ride in
 * transactions in flight at the same time (a driver's next open waits for the previous settlement, and the
 * reverse), so they cannot invalidate each other (MVCC) or be deferred by the chaincode; should the chaincode still defer one (BATCH_KEY_SHARED, on a key the bridge cannot see), it
 * goes in a later transaction.
 *
 * Each caller gets its own outcome: settled, refused for good and recorded on the ledger, opened or its hold
 * refused, a LedgerRefusal of that open or settlement alone, or the transaction's failure (LedgerUnavailable) for the worker's backoff; the event ids make a retry safe.
 */
export class SessionBatcher {
  readonly #options: SessionBatcherOptions;
  readonly #waiting: Pending[] = [];
  readonly #busyKeys = new Set<string>();
  #inFlight = 0;
  #pumpScheduled = false;

  constructor(options: Readonly<SessionBatcherOptions>) {
    this.#options = options;
  }

  /** Settles the session of `event`; `driverAccountId` (from its open), when known, keeps one driver's settlements apart. */
  settle(event: SessionEnded, driverAccountId: string | undefined): Promise<Outcome> {
    const { request, records } = settlementOf(event);
    return this.#enqueue({ kind: 'settle', request, records: records.length > 0 ? records : undefined }, event.sessionId, driverAccountId);
  }

  /**
   * Opens the session of `event` on the driver's account Wallets resolved its token to (`resolved`, from
   * Wallet:resolveIdToken, evaluated before: the raw token goes only to a Wallets peer).
   */
  open(event: SessionStarted, resolved: Readonly<{ accountId: string; tokenRef: string; tokenProof: string }>): Promise<Outcome> {
    const request = openRequestOf(event, resolved);
    return this.#enqueue({ kind: 'open', request, tokenProof: resolved.tokenProof }, event.sessionId, resolved.accountId);
  }

  #enqueue(part: Part, sessionId: string, driverAccountId: string | undefined): Promise<Outcome> {
    const keys = [`session:${sessionId}`, ...(driverAccountId === undefined ? [] : [`account:${driverAccountId}`])];
    return new Promise<Outcome>((resolve, reject) => {
      this.#waiting.push({ part, keys, firstTriedAt: Date.now(), alone: false, attempts: 0, resolve, reject });
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

  /** The oldest waiting parts of one kind whose keys are free, in arrival order, none sharing a key. */
  #nextBatch(): Pending[] {
    const batch: Pending[] = [];
    const taken = new Set<string>();
    for (let i = 0; i < this.#waiting.length && batch.length < this.#options.maxPerTransaction; ) {
      const item = this.#waiting[i] as Pending;
      const free = item.keys.every((key) => !this.#busyKeys.has(key) && !taken.has(key));
      if (!free || (item.alone && batch.length > 0) || (batch[0] !== undefined && batch[0].part.kind !== item.part.kind)) {
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
    let answers: readonly Answer[];
    try {
      answers = batch[0]?.part.kind === 'open' ? await this.#openAll(batch) : await this.#settleAll(batch);
    } catch (error) {
      const sorted = classifyLedgerError(error);
      if (sorted instanceof LedgerRefusal && batch.length > 1) {
        // Something in the batch made the whole transaction unacceptable: each is tried alone and answers for itself.
        this.#options.log.warn({ code: sorted.code, reason: sorted.reason, parts: batch.length, kind: batch[0]?.part.kind }, 'the ledger refused a batch; trying each alone');
        this.#retry(batch.map((item) => Object.assign(item, { alone: true })), 'now');
      } else {
        for (const item of batch) item.reject(sorted);
      }
      return;
    }
    const again: Pending[] = [];
    for (const [i, item] of batch.entries()) {
      const answer = answers[i] as Answer;
      if ('outcome' in answer) item.resolve(answer.outcome);
      else if ('error' in answer) item.reject(answer.error);
      else if (answer.deferred || decideRetry(answer.refused, { confirm: { firstTriedAtMs: item.firstTriedAt, nowMs: Date.now(), confirmRefusalMs: this.#options.confirmRefusalMs } }) === 'confirm') again.push(item);
      else item.reject(answer.refused);
    }
    if (again.length > 0) this.#retry(again, 'later');
  }

  async #settleAll(batch: readonly Pending[]): Promise<Answer[]> {
    const settlements = batch.map(({ part }) => part).filter((part) => part.kind === 'settle');
    const byEvent = Object.fromEntries(settlements.filter((part) => part.records !== undefined).map((part) => [part.request.eventId, part.records]));
    const { results } = await this.#options.ledger.submit(
      'Session:closeSessions',
      { settlements: settlements.map((part) => part.request) },
      Object.keys(byEvent).length === 0 ? {} : { transient: { [TRANSIENT_KEYS.ocmfRecordsByEvent]: JSON.stringify(byEvent) } },
    );
    return settlements.map((part, i) => settlementAnswer(part.request.eventId, results[i], results));
  }

  async #openAll(batch: readonly Pending[]): Promise<Answer[]> {
    const opens = batch.map(({ part }) => part).filter((part) => part.kind === 'open');
    const proofs = Object.fromEntries(opens.map((part) => [part.request.eventId, part.tokenProof]));
    const { results } = await this.#options.ledger.submit('Session:openSessions', { opens: opens.map((part) => part.request) }, { transient: { [TRANSIENT_KEYS.tokenProofsByEvent]: JSON.stringify(proofs) } });
    return opens.map((part, i) => openAnswer(part.request, results[i], results.length));
  }

  /** Back in line: at once (each alone, after a whole batch was refused), or after decideRetry's confirmation delay. */
  #retry(items: readonly Pending[], when: 'now' | 'later'): void {
    const requeue = (): void => {
      for (const item of items) item.attempts++;
      this.#waiting.unshift(...items);
      this.#schedulePump();
    };
    if (when === 'now') requeue();
    else setTimeout(requeue, confirmDelayMs(1 + Math.max(...items.map((item) => item.attempts))));
  }
}

/** What became of one part of a transaction: its outcome, a failure of its own, or a refusal that may be tried again. */
type Answer = { readonly outcome: Outcome } | { readonly error: Error } | { readonly deferred: true } | { readonly deferred: false; readonly refused: LedgerRefusal };

function settlementAnswer(eventId: string, result: CloseSessionsItemResult | undefined, results: readonly CloseSessionsItemResult[]): Answer {
  if (result === undefined || result.eventId !== eventId) return { error: new Error(`the ledger answered a batch with ${results.length} results out of order`) };
  switch (result.status) {
    case 'settled':
      return { outcome: settledOutcome(result.sessionId, result.settled) };
    case 'refusal-recorded':
      // Final, and on the ledger: the session is over, its hold released; the settlement listener tells the CSMS.
      return { outcome: settledOutcome(result.sessionId, result) };
    case 'deferred':
      return { deferred: true };
    case 'refused':
      return { deferred: false, refused: new LedgerRefusal({ code: result.code, reason: result.reason, transactionId: txIdOf(results) }) };
  }
}

function openAnswer(request: OpenSessionRequest, result: OpenSessionsItemResult | undefined, count: number): Answer {
  if (result === undefined || result.eventId !== request.eventId) return { error: new Error(`the ledger answered a batch of opens with ${count} results out of order`) };
  switch (result.status) {
    case 'applied':
      return { outcome: openedOutcome(request, result.result) };
    case 'deferred':
      return { deferred: true };
    case 'refused':
      return { deferred: false, refused: new LedgerRefusal({ code: result.code, reason: result.reason }) };
  }
}

/** The transaction id of a batch, as the settlements it applied carry it (none if it applied nothing). */
function txIdOf(results: readonly CloseSessionsItemResult[]): string | undefined {
  for (const result of results) if (result.status === 'settled' && !result.replayed) return result.settled.txId;
  return undefined;
}
