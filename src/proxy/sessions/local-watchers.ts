/**
 * @module The listeners this process holds for each session's events: what both stores fan a
 * new event (or the session's end, `'gone'`) out to. The Redis store feeds it from its one
 * subscription; the memory store straight from its commits.
 */
import type {LoggedEvent} from './session-record.js';

export type WatchListener = (event: LoggedEvent | 'gone') => void;

/**
 * A session's listeners: almost always one stream, held as itself (a Set for each of 10,000
 * sessions was a measurable share of the memory per stream); a Set once there are more.
 */
type Listeners = WatchListener | Set<WatchListener>;

export class LocalWatchers {
  readonly #bySession = new Map<string, Listeners>();

  /** Adds a listener for one session; the function returned removes it. */
  watch(id: string, listener: WatchListener): () => void {
    const held = this.#bySession.get(id);
    if (!held) this.#bySession.set(id, listener);
    else if (typeof held === 'function') this.#bySession.set(id, new Set([held, listener]));
    else held.add(listener);
    return () => {
      const now = this.#bySession.get(id);
      if (now === listener) this.#bySession.delete(id);
      else if (typeof now === 'object' && now.delete(listener) && now.size === 0)
        this.#bySession.delete(id);
    };
  }

  /** Tells every listener of the session; a listener that unsubscribes meanwhile is still told. */
  notify(id: string, event: LoggedEvent | 'gone'): void {
    const held = this.#bySession.get(id);
    if (typeof held === 'function') held(event);
    else if (held) for (const listener of [...held]) listener(event);
  }

  has(id: string): boolean {
    return this.#bySession.has(id);
  }

  ids(): IterableIterator<string> {
    return this.#bySession.keys();
  }

  clear(): void {
    this.#bySession.clear();
  }
}
