import type { ActionMap, RequestOf, ResponseOf } from '@chargeledger/ocpp-types';
import { OfflineError } from '../errors';

export interface OutboxOptions<M extends ActionMap<M>> {
  send<A extends keyof M & string>(action: A, request: RequestOf<M, A>): Promise<ResponseOf<M, A>>;
  /** True when a failure may pass (connection dropped, call timed out); anything else is the CSMS refusing the message. */
  isTransient(error: unknown): boolean;
  /** How long a durable message that failed transiently while online waits before it is sent again. */
  readonly retryDelayMs: number;
}

export interface PushOptions {
  /** Kept and resent in order across disconnects (transaction messages); otherwise refused while offline. */
  readonly durable: boolean;
}

/** A durable message the CSMS refused; it is dropped so it cannot block the ones behind it. */
export interface RejectedMessage {
  readonly action: string;
  readonly request: object;
  readonly error: unknown;
}

interface Entry {
  readonly action: string;
  readonly render: () => object | undefined;
  readonly durable: boolean;
  request?: object;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The single ordered lane for every call the charge point initiates after BootNotification. Invariants: one call
 * is in flight at a time, so the CSMS sees messages in the order they were pushed; a durable message leaves the
 * queue only when answered or refused, so a message produced offline is sent exactly once after reconnecting
 * (at least once if the connection drops while its answer is on the way); a payload is rendered once, just
 * before it is first sent, so it can use answers to earlier messages and is byte-identical on resend.
 */
export class Outbox<M extends ActionMap<M>> {
  readonly #options: OutboxOptions<M>;
  readonly #queue: Entry[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  readonly #rejectedListeners: ((rejected: RejectedMessage) => void)[] = [];
  #online = false;
  #pumping = false;
  /** The head failed transiently while still online (a timeout, the CSMS's storage away); it is retried after the retry delay, on the next push or on reconnect, whichever comes first. */
  #stalled = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: Readonly<OutboxOptions<M>>) {
    this.#options = options;
  }

  get online(): boolean {
    return this.#online;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** `render` returning undefined drops the message (it no longer applies); the promise then resolves undefined. */
  push<A extends keyof M & string>(action: A, render: () => RequestOf<M, A> | undefined, options: PushOptions): Promise<ResponseOf<M, A> | undefined> {
    if (!this.#online && !options.durable) return Promise.reject(new OfflineError(action));
    return new Promise((resolve, reject) => {
      this.#queue.push({ action, render, durable: options.durable, resolve: resolve as (r: unknown) => void, reject });
      this.#stalled = false;
      void this.#pump();
    });
  }

  setOnline(online: boolean): void {
    this.#online = online;
    if (online) {
      this.#stalled = false;
      void this.#pump();
      return;
    }
    for (const entry of this.#queue.filter((e) => !e.durable && e.request === undefined)) {
      this.#queue.splice(this.#queue.indexOf(entry), 1);
      entry.reject(new OfflineError(entry.action));
    }
    this.#notifyIdle();
  }

  onRejected(listener: (rejected: RejectedMessage) => void): void {
    this.#rejectedListeners.push(listener);
  }

  /** Resolves when everything queued has been answered, or nothing more can move because the lane is offline. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Fails everything still queued; used when the charge point shuts down. */
  discard(error: Error): void {
    this.#online = false;
    clearTimeout(this.#retryTimer);
    for (const entry of this.#queue.splice(0)) entry.reject(error);
    this.#notifyIdle();
  }

  #scheduleRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#stalled || !this.#online) return;
      this.#stalled = false;
      void this.#pump();
    }, this.#options.retryDelayMs);
    this.#retryTimer.unref();
  }

  #isIdle(): boolean {
    return !this.#pumping && (this.#queue.length === 0 || !this.#online || this.#stalled);
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#online) {
        const head = this.#queue[0];
        if (head === undefined) break;
        head.request ??= head.render();
        if (head.request === undefined) {
          this.#queue.shift();
          head.resolve(undefined);
          continue;
        }
        const settled = await this.#send(head, head.request);
        if (settled === 'retry') {
          this.#stalled = this.#online;
          if (this.#stalled) this.#scheduleRetry();
          break;
        }
      }
    } finally {
      this.#pumping = false;
      this.#notifyIdle();
    }
  }

  async #send(head: Entry, request: object): Promise<'done' | 'retry'> {
    try {
      const response = await this.#options.send(head.action as keyof M & string, request as RequestOf<M, keyof M & string>);
      this.#queue.shift();
      head.resolve(response);
      return 'done';
    } catch (error) {
      if (head.durable && this.#options.isTransient(error)) return 'retry';
      this.#queue.shift();
      if (head.durable) for (const listener of this.#rejectedListeners) listener({ action: head.action, request, error });
      head.reject(error);
      return 'done';
    }
  }
}
