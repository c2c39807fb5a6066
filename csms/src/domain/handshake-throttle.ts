import type { Clock } from './clock';

export interface HandshakeThrottleOptions {
  readonly clock: Clock;
  /** Failures counted over this long; the oldest drop out as it passes. */
  readonly windowMs: number;
  /** Refused handshakes of one charger identity within the window before its handshakes are refused unchecked. */
  readonly maxFailuresPerIdentity: number;
  /** The same for one remote address, whatever identities it tries. */
  readonly maxFailuresPerAddress: number;
  /** At most this many identities and addresses are tracked; past it the oldest are forgotten. */
  readonly maxTracked: number;
}

/**
 * Counts refused charger handshakes per identity and per remote address. Past either limit a handshake is refused
 * (429) before the registry is asked and before any password is hashed, so guessing a charger's password or
 * trying identities costs the CSMS no scrypt work; a success clears its identity's count. In memory, per node.
 */
export class HandshakeThrottle {
  readonly #options: HandshakeThrottleOptions;
  readonly #failures = new Map<string, number[]>();

  constructor(options: Readonly<HandshakeThrottleOptions>) {
    this.#options = options;
  }

  /** Whether this identity or address is past its limit now. */
  blocked(identity: string, address: string | undefined): boolean {
    return this.#count(`id:${identity}`) >= this.#options.maxFailuresPerIdentity || (address !== undefined && this.#count(`addr:${address}`) >= this.#options.maxFailuresPerAddress);
  }

  failed(identity: string, address: string | undefined): void {
    this.#add(`id:${identity}`);
    if (address !== undefined) this.#add(`addr:${address}`);
  }

  succeeded(identity: string): void {
    this.#failures.delete(`id:${identity}`);
  }

  #count(key: string): number {
    const since = this.#options.clock.now().getTime() - this.#options.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((at) => at > since);
    if (times.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, times);
    return times.length;
  }

  #add(key: string): void {
    const times = this.#failures.get(key) ?? [];
    this.#failures.delete(key);
    // Kept short: only the last `limit` failures matter for the count.
    this.#failures.set(key, [...times.slice(-Math.max(this.#options.maxFailuresPerIdentity, this.#options.maxFailuresPerAddress)), this.#options.clock.now().getTime()]);
    while (this.#failures.size > this.#options.maxTracked) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }
}
