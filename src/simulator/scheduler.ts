/**
 * @module Every timer the simulator starts goes through one Scheduler, so a test can inject a fake
 * clock's timers and `close()` can cancel everything still pending.
 */

/** The subset of `setTimeout`/`clearTimeout` the simulator needs; node:test mock timers fit. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Schedules callbacks on injected timers and remembers them until they run or are cancelled. */
export class Scheduler {
  private readonly pending = new Map<symbol, unknown>();
  private closed = false;
  private readonly timers: Timers;

  constructor(timers: Timers) {
    this.timers = timers;
  }

  /** Runs `callback` after `ms`; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void {
    if (this.closed) return () => {};
    const key = Symbol('timer');
    const handle = this.timers.setTimeout(
      () => {
        this.pending.delete(key);
        callback();
      },
      Math.max(0, ms)
    );
    this.pending.set(key, handle);
    return () => {
      if (this.pending.delete(key)) this.timers.clearTimeout(handle);
    };
  }

  /** A promise that resolves after `ms` (immediately once the scheduler is closed). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.schedule(resolve, ms));
  }

  /** How many callbacks are waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Cancels every pending callback; later `schedule` calls do nothing. */
  close(): void {
    this.closed = true;
    for (const handle of this.pending.values()) this.timers.clearTimeout(handle);
    this.pending.clear();
  }
}
