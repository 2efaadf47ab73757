/**
 * @module What a queue tells a waiting visitor: Glia's `average_wait_time` for the queue, read with
 * the proxy's own token (the queue step already needs Fetch Queue) and kept a minute per queue,
 * failures included, so a page of waiting visitors costs one call a minute. Unknown (Glia said
 * nothing, `0`, or the call failed) is `undefined`, and the widget then says nothing.
 */
import type {GliaClient} from './glia-client.js';

export interface QueueWaitOptions {
  glia: Pick<GliaClient, 'getQueue'>;
  now: () => number;
  /** How long one answer is kept (default a minute). */
  ttlMs?: number;
}

/** Average waits by queue, cached. */
export class QueueWait {
  private readonly cache = new Map<string, {at: number; seconds: Promise<number | undefined>}>();
  private readonly options: QueueWaitOptions;

  constructor(options: QueueWaitOptions) {
    this.options = options;
  }

  /** The queue's average wait in whole seconds (at least 1), or `undefined` when unknown. */
  seconds(queueId: string): Promise<number | undefined> {
    const {now, ttlMs = 60_000} = this.options;
    const hit = this.cache.get(queueId);
    if (hit && now() - hit.at < ttlMs) return hit.seconds;
    const seconds = this.options.glia.getQueue(queueId).then(
      (queue) => {
        const wait = queue.averageWaitSeconds;
        // An idle queue reports 0: no estimate, rather than "answered at once".
        return wait !== undefined && wait >= 1 ? Math.round(wait) : undefined;
      },
      () => undefined
    );
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(queueId, {at: now(), seconds});
    return seconds;
  }
}
