/** @module Exponential backoff with jitter, the one schedule every retry loop here waits on. */

export interface BackoffOptions {
  /** The first wait; doubled per attempt. */
  baseMs: number;
  /** No wait is longer. */
  maxMs: number;
  /**
   * `equal` waits between half the ceiling and the ceiling, so never zero and never in lockstep
   * with other clients; `none` waits the ceiling (a schedule others can predict, as Glia's
   * webhook redelivery is modelled).
   */
  jitter?: 'equal' | 'none';
  random?: () => number;
}

/** The wait before retry `attempt` (0-based): `baseMs`, twice that, … up to `maxMs`. */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  if (options.jitter === 'none') return ceiling;
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
