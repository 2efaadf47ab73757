/**
 * @module Token buckets keyed by client address or session: a burst up to `capacity`, then
 * `refillPerSecond`. A refusal says how long to wait, for `Retry-After`.
 */

/** A limit: `capacity` requests at once, refilled at `refillPerSecond`. */
export interface RateLimit {
  capacity: number;
  refillPerSecond: number;
}

export type RateDecision = {ok: true} | {ok: false; retryAfterSeconds: number};

/** Buckets forgotten once full again, so the map only holds recent keys. */
export class RateLimiter {
  private readonly limit: RateLimit;
  private readonly now: () => number;
  private readonly buckets = new Map<string, {tokens: number; at: number}>();

  constructor(limit: RateLimit, now: () => number) {
    this.limit = limit;
    this.now = now;
  }

  /** Takes one token for `key`, or says how many seconds until one is free. */
  take(key: string): RateDecision {
    const now = this.now();
    const {capacity, refillPerSecond} = this.limit;
    const bucket = this.buckets.get(key) ?? {tokens: capacity, at: now};
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond
    );
    bucket.at = now;
    if (this.buckets.size > 10_000) this.prune(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      return {ok: true};
    }
    this.buckets.set(key, bucket);
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerSecond)),
    };
  }

  /** Forgets `key` (its session ended). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private prune(now: number): void {
    const {capacity, refillPerSecond} = this.limit;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond >= capacity) {
        this.buckets.delete(key);
      }
    }
  }
}
