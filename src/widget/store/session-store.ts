/**
 * @module The session record, shared by every tab of an origin: kept in IndexedDB (one
 * idb-keyval store, keyed by the proxy URL), changed in one IndexedDB transaction (read, change,
 * write) inside a Web Lock, and announced to the other tabs over a BroadcastChannel. Each tab
 * keeps a copy in memory to render from; a higher `rev` always wins.
 */
import {get, update} from 'idb-keyval';
import {initialState, type SessionState} from './session-state.js';
import {
  channelName,
  lockName,
  sessionDatabase,
  withLock,
  type SessionRecord,
} from './stored-session.js';

export {DB_NAME, STORE_NAME, withLock} from './stored-session.js';
export type {SessionRecord, ViewState} from './stored-session.js';

/** `listener(previous, next)` runs after every change, local or from another tab. */
export type StoreListener = (previous: SessionRecord, next: SessionRecord) => void;

const emptyRecord = (): SessionRecord => ({
  rev: 0,
  session: initialState,
  view: {open: false, draft: '', unread: 0},
});

/** A shared, persistent, observable record of one proxy's session. */
export class SessionStore {
  /** The newest record this tab knows. */
  record: SessionRecord = emptyRecord();

  readonly #listeners = new Set<StoreListener>();
  readonly #channel: BroadcastChannel | null;
  readonly #lockName: string;
  #closed = false;
  /** The absolute proxy URL: one session per proxy per origin. */
  readonly key: string;

  constructor(key: string) {
    this.key = key;
    this.#lockName = lockName(key);
    this.#channel =
      typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName(key)) : null;
    if (this.#channel)
      this.#channel.onmessage = (e: MessageEvent<SessionRecord>) => this.#accept(e.data);
  }

  /** Read the stored record (a reload, or a re-check inside a lock). Missing storage = empty. */
  async load(): Promise<SessionRecord> {
    try {
      const stored = await get<SessionRecord>(this.key, sessionDatabase());
      if (stored) this.#accept(stored);
    } catch {
      // Storage can be unavailable (private modes, blocked by policy): the chat works in memory.
    }
    return this.record;
  }

  /** The first read: waits for writes already queued (a tab reloading mid-write). */
  restore(): Promise<SessionRecord> {
    return withLock(this.#lockName, () => this.load());
  }

  /**
   * Change the record with `change`, against the freshest stored copy. The read, the change and
   * the write are one IndexedDB transaction, which IndexedDB runs one at a time across all tabs:
   * a page on plain http has no Web Lock to keep two tabs apart, and there two changes at once
   * read the same record and the second write undid the first.
   */
  update(change: (record: SessionRecord) => SessionRecord): Promise<SessionRecord> {
    return withLock(this.#lockName, async () => {
      let current = this.record;
      let written: SessionRecord | undefined;
      let ran = false;
      const write = (stored: SessionRecord | undefined) => {
        ran = true;
        // A copy in memory ahead of storage holds changes that storage refused.
        current = stored && stored.rev > this.record.rev ? stored : this.record;
        const next = change(current);
        written = next === current ? undefined : {...next, rev: current.rev + 1};
        return written ?? current;
      };
      try {
        await update(this.key, write, sessionDatabase());
      } catch {
        // See load(): keep going in memory.
        if (!ran) write(undefined);
      }
      this.#accept(current);
      if (!written) return current;
      this.#accept(written);
      if (!this.#closed) this.#channel?.postMessage(written);
      return written;
    });
  }

  /** Shorthand for a change to the session part only. */
  updateSession(change: (session: SessionState) => SessionState): Promise<SessionRecord> {
    return this.update((record) => {
      const session = change(record.session);
      return session === record.session ? record : {...record, session};
    });
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop listening; the channel closes once the writes already queued have gone out. */
  dispose(): void {
    this.#listeners.clear();
    void withLock(this.#lockName, async () => {
      this.#closed = true;
      this.#channel?.close();
    });
  }

  #accept(record: SessionRecord): void {
    if (record.rev <= this.record.rev) return;
    const previous = this.record;
    this.record = record;
    for (const listener of this.#listeners) listener(previous, record);
  }
}
