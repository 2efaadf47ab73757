/**
 * @module Timeouts of one length for many items, on one timer: the proxy's event streams each
 * wait `heartbeatMs` of quiet before their heartbeat. A timer per item cost its Timeout object,
 * a callback and the callback's scope for every open stream; here an item costs one Map entry.
 */

/** The timers the owner runs on (the global ones, or a test's fake clock). */
export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class SharedTimeouts<T> {
  /**
   * Each waiting item and when it is due, in the order they are due: every item waits the same
   * time, so the order they were (re)started in is the order they fall due, and restarting one
   * moves it to the end (a delete and a set).
   */
  readonly #due = new Map<T, number>();
  readonly #ms: number;
  readonly #onDue: (item: T) => void;
  readonly #now: () => number;
  readonly #timers: TimerFunctions;
  #timer: unknown;
  /** When the timer fires (`Infinity`: no timer). */
  #timerAt = Infinity;
  /** When the item started last is due (it may have been stopped since). */
  #lastAt = -Infinity;
  /** Set while `#fire` runs the due items: it sets the timer itself once they have run. */
  #firing = false;

  /**
   * `onDue(item)` runs `ms` after `item` was last started, unless it was stopped or started again
   * meanwhile. `now` is the clock the timers follow.
   */
  constructor(ms: number, onDue: (item: T) => void, now: () => number, timers: TimerFunctions) {
    this.#ms = ms;
    this.#onDue = onDue;
    this.#now = now;
    this.#timers = timers;
  }

  /** (Re)starts `item`'s timeout: it is due `ms` from now. */
  start(item: T): void {
    const now = this.#now();
    this.#keepOrder(now);
    const at = now + this.#ms;
    this.#due.delete(item);
    this.#due.set(item, at);
    this.#lastAt = at;
    // The timer is set for the earliest item: one started now is due after it.
    if (!this.#firing && this.#timerAt === Infinity) this.#armFirst();
  }

  /** `item` is no longer due. The timer may then fire for nothing once; it finds the next item. */
  stop(item: T): void {
    this.#due.delete(item);
  }

  /** Items waiting. */
  get size(): number {
    return this.#due.size;
  }

  /** Stops every timeout and the timer. */
  clear(): void {
    this.#due.clear();
    if (this.#timerAt !== Infinity) this.#timers.clearTimeout(this.#timer);
    this.#timerAt = Infinity;
  }

  /**
   * Nothing can be due more than `ms` from now, unless the clock went back (a wall clock set
   * back): then every due time moves back until the last is due `ms` from now. That keeps the
   * Map in the order items fall due (none waits behind one due later), and an item waits at most
   * the time since the last start before the jump too long, not as long as the clock went back.
   * Rare, and the only walk over every item.
   */
  #keepOrder(now: number): void {
    const ahead = this.#lastAt - (now + this.#ms);
    if (ahead <= 0) return;
    for (const [item, at] of this.#due) this.#due.set(item, at - ahead);
    this.#lastAt -= ahead;
    if (this.#timerAt === Infinity) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timerAt = Infinity;
    if (!this.#firing) this.#armFirst();
  }

  #armFirst(): void {
    const first = this.#due.values().next();
    if (!first.done) this.#arm(first.value);
  }

  #arm(at: number): void {
    this.#timerAt = at;
    this.#timer = this.#timers.setTimeout(() => this.#fire(), Math.max(0, at - this.#now()));
    // Waiting items must not keep a process alive that has nothing else to do.
    (this.#timer as {unref?: () => void} | undefined)?.unref?.();
  }

  #fire(): void {
    this.#timerAt = Infinity;
    const now = this.#now();
    this.#keepOrder(now);
    this.#firing = true;
    try {
      for (const [item, at] of this.#due) {
        // Items restarted by `onDue` go to the end, due later than now: the loop stops there.
        if (at > now) break;
        this.#due.delete(item);
        this.#onDue(item);
      }
    } finally {
      this.#firing = false;
      this.#armFirst();
    }
  }
}
