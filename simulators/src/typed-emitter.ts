import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and payloads are checked against one map. */
export class TypedEmitter<Events extends object> {
  readonly #emitter = new EventEmitter();

  on<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Resolves with the next payload of `event` that satisfies `accept`. */
  next<E extends keyof Events & string>(event: E, accept: (payload: Events[E]) => boolean = () => true): Promise<Events[E]> {
    return new Promise((resolve) => {
      const listener = (payload: Events[E]): void => {
        if (!accept(payload)) return;
        this.#emitter.off(event, listener);
        resolve(payload);
      };
      this.#emitter.on(event, listener);
    });
  }

  emit<E extends keyof Events & string>(event: E, payload: Events[E]): void {
    this.#emitter.emit(event, payload);
  }
}
