/**
 * The only source of time for meters, heartbeats, sampling and retries: nothing in the simulators reads
 * Date.now() or calls setTimeout directly, so a test can move a whole charging session forward without sleeping.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once, `delayMs` of this clock's time from now. */
  schedule(delayMs: number, callback: () => void): Timer;
  /** Lets `ms` of this clock's time pass: a manual clock jumps ahead firing due timers in order; the system clock waits. */
  advance(ms: number): Promise<void>;
}

interface PendingTimer {
  readonly dueMs: number;
  readonly order: number;
  readonly callback: () => void;
}

/** Simulated time. Invariant: timers fire in (due time, scheduling order) and now() equals the due time while one runs. */
export class ManualClock implements Clock {
  #nowMs: number;
  #order = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const timer: PendingTimer = { dueMs: this.#nowMs + Math.max(0, delayMs), order: this.#order++, callback };
    this.#timers.add(timer);
    return { cancel: () => void this.#timers.delete(timer) };
  }

  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const targetMs = this.#nowMs + ms;
    for (let next = this.#nextDue(targetMs); next !== undefined; next = this.#nextDue(targetMs)) {
      this.#timers.delete(next);
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      next.callback();
    }
    this.#nowMs = targetMs;
  }

  #nextDue(limitMs: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.dueMs > limitMs) continue;
      if (earliest === undefined || timer.dueMs < earliest.dueMs || (timer.dueMs === earliest.dueMs && timer.order < earliest.order)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** Wall-clock time, for running against a real CSMS. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }

  advance(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
