/**
 * @module The listeners this process holds for each session's events: what both stores fan a
 * new event (or the session's end, `'gone'`) out to. The Redis store feeds it from its one
 * subscription; the memory store straight from its commits.
 */
import type {LoggedEvent} from './session-record.js';

export type WatchListener = (event: LoggedEvent | 'gone') => void;

export class LocalWatchers {
  readonly #bySession = new Map<string, Set<WatchListener>>();

  /** Adds a listener for one session; the function returned removes it. */
  watch(id: string, listener: WatchListener): () => void {
    let set = this.#bySession.get(id);
    if (!set) this.#bySession.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#bySession.delete(id);
    };
  }

  /** Tells every listener of the session; a listener that unsubscribes meanwhile is still told. */
  notify(id: string, event: LoggedEvent | 'gone'): void {
    for (const listener of [...(this.#bySession.get(id) ?? [])]) listener(event);
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
