/**
 * Replies awaited over Redis pub/sub, by request id: a node publishes a request, and the reply comes back on
 * its own channel, from whichever process answered. A reply that comes after the wait gave up is ignored.
 */
export class PendingReplies<Reply> {
  readonly #waiting = new Map<string, (reply: Reply | undefined) => void>();

  /** Resolves with the reply to `id`, or undefined if none came within `timeoutMs`. Call before publishing. */
  wait(id: string, timeoutMs: number): Promise<Reply | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(id, undefined), timeoutMs);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(reply);
      });
    });
  }

  /** Delivers a reply; one for a request no longer awaited is dropped. */
  deliver(id: string, reply: Reply): void {
    this.#settle(id, reply);
  }

  #settle(id: string, reply: Reply | undefined): void {
    this.#waiting.get(id)?.(reply);
  }
}
