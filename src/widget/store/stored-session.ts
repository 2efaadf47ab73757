/**
 * @module Where a session record is kept and how to read it, in one small module that both the
 * launcher (the widget's first load) and the panel's SessionStore use: the IndexedDB names, the
 * key (the absolute proxy URL), the Web Lock and BroadcastChannel names, and a one-off read that
 * tells the launcher whether a conversation is open without loading the rest of the widget.
 */
import {createStore, get} from 'idb-keyval';
import type {SessionState, Status} from './session-state.js';

/** What is remembered about the panel, for a reload to draw it as it was. */
export interface ViewState {
  open: boolean;
  /** The unsent text of the description field or the composer. */
  draft: string;
  unread: number;
}

export interface SessionRecord {
  /** Incremented on every write; a copy with a higher rev is newer. */
  rev: number;
  session: SessionState;
  view: ViewState;
}

/** Database and object store names; tests clear them between cases. */
export const DB_NAME = 'glia-handoff';
export const STORE_NAME = 'sessions';

let database: ReturnType<typeof createStore> | undefined;

/** The idb-keyval store of session records (opened on first use). */
export const sessionDatabase = () => (database ??= createStore(DB_NAME, STORE_NAME));

/** The record's key: the absolute proxy URL (`""` = this page's origin), one session per proxy. */
export const sessionKey = (proxyUrl: string) =>
  new URL(proxyUrl || '/', location.href).href.replace(/\/+$/, '');

/** The Web Lock that every read-change-write of `key`'s record holds. */
export const lockName = (key: string) => `glia-handoff:state:${key}`;

/** The BroadcastChannel on which every tab announces `key`'s new record. */
export const channelName = (key: string) => `glia-handoff:${key}`;

/** The last task of each name, where Web Locks are missing: the next one waits for it. */
const tails = new Map<string, Promise<unknown>>();

/**
 * Run `task` holding the Web Lock `name`, so one tab at a time does it. Where Web Locks are
 * missing (pages served over plain http, which browsers keep them from; old browsers) the tasks
 * of a name still run one at a time in this tab: run side by side, two changes read the same
 * record and the second write undid the first (an agent's joining, a message).
 */
export async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  if (navigator.locks) return await navigator.locks.request(name, task);
  const run = (tails.get(name) ?? Promise.resolve()).then(task);
  const tail = run.catch(() => undefined);
  tails.set(name, tail);
  void tail.then(() => tails.get(name) === tail && tails.delete(name));
  return run;
}

/** The stored record of `key`, once writes already queued are done; none if storage fails. */
export async function readRecord(key: string): Promise<SessionRecord | undefined> {
  try {
    return await withLock(lockName(key), () => get<SessionRecord>(key, sessionDatabase()));
  } catch {
    return undefined;
  }
}

/** The statuses of a live conversation: a ticket being filed, a wait, a chat. */
const LIVE: Status[] = ['starting', 'queued', 'engaged'];

/**
 * Whether a stored record needs the panel at once: it was left open, or its conversation is live
 * (the stream and the outbox must keep going). Written here, not with session-state's helpers,
 * so that the first load does not carry the state machine.
 */
export const needsPanel = (record: SessionRecord | undefined) =>
  !!record && (record.view.open || LIVE.includes(record.session.status));
