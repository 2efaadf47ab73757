/**
 * @module The ports in this process's memory: the default for the demo, the tests and a single
 * instance. Sessions end with the process (the proxy then ends their chats in Glia). The visitor
 * tokens are still sealed, with `SESSION_ENCRYPTION_KEY` or a key made for this process.
 *
 * Records and events are frozen (deeply) when they go in, and reads hand out those very objects:
 * no copy per read, which was the largest share of the proxy's CPU per relayed message (a
 * structuredClone on every get and three on every commit). Whoever changes a record makes a new
 * one, as the reducer does; an attempt to change one in place throws.
 *
 * A session's log is kept as each event's JSON text (made once, at commit: the text every SSE
 * frame of it sends), not as a frozen object graph: a message event as objects took about twice
 * its text's bytes, for every message of every session. A read parses the events it returns.
 */
import type {ChatEvent, ChatMessage} from '../../wire/handoff/index.js';
import {RateLimiter} from '../rate-limit.js';
import type {LimitSettings, SessionStore} from './ports.js';
import {SecretBox} from './secret-box.js';
import {LocalWatchers} from './local-watchers.js';
import type {LoggedEvent, SessionRecord} from './session-record.js';
import {committedRecord, matchesHash} from './session-record.js';

interface Entry {
  record: SessionRecord;
  /** The log: each event's id, and at the same index its JSON text. */
  ids: number[];
  texts: string[];
  /** The last event id given out. */
  top: number;
  /** Made on first use: most sessions need neither (an empty Set or Map costs ~100 B each). */
  seen?: Set<string>;
  visitorMessages?: Map<string, ChatMessage>;
  lastActivity: number;
}

export interface MemoryStoreOptions {
  now: () => number;
  limits: LimitSettings;
  encryptionKey?: string;
}

/** A store in memory; also what `sessionCounts()` reads for the metrics. */
export type MemoryStore = SessionStore & {sessionCounts(): Map<SessionRecord['status'], number>};

/**
 * `text` as one run of characters. V8 keeps a string built by joining others (a template
 * literal, `JSON.stringify`) as a tree of its pieces, which holds about twice to four times its
 * text's bytes: a `said:` key measured 437 B as built, 99 B once flat (Node 20). Reading a
 * character flattens it in place, and the GC then drops the tree. For what the log keeps for
 * the session's life: each event's text and its once keys.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/**
 * `value`, frozen all the way down (plain data: objects and arrays). What a commit carries over
 * from the record before is frozen already and not walked again; the walk itself allocates
 * nothing (`Object.values` made an array of every object's values, on every commit).
 */
function frozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) for (const inner of value as unknown[]) frozen(inner);
  else for (const name in value) frozen(value[name]);
  return value;
}

/** Whether any of `keys` came with an event the session logged before. */
function seenBefore({seen}: Entry, keys: readonly string[]): boolean {
  if (!seen) return false;
  for (const key of keys) if (seen.has(key)) return true;
  return false;
}

export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const entries = new Map<string, Entry>();
  const watchers = new LocalWatchers();
  const limiters = {
    newSessionsPerAddress: new RateLimiter(options.limits.newSessionsPerAddress, options.now),
    messagesPerSession: new RateLimiter(options.limits.messagesPerSession, options.now),
    typingPerSession: new RateLimiter(options.limits.typingPerSession, options.now),
    uploadsPerSession: new RateLimiter(options.limits.uploadsPerSession, options.now),
  };
  const locks = new Set<string>();
  const notify = (id: string, event: LoggedEvent | 'gone') => watchers.notify(id, event);

  return {
    kind: 'memory',
    durable: false,
    box: new SecretBox(options.encryptionKey),
    sessions: {
      async create(record) {
        if (entries.has(record.id)) return false;
        entries.set(record.id, {
          record: frozen(structuredClone(record)),
          ids: [],
          texts: [],
          top: 0,
          lastActivity: options.now(),
        });
        return true;
      },
      async get(id) {
        const entry = entries.get(id);
        return entry?.record;
      },
      async authenticate(id, token) {
        const entry = entries.get(id);
        if (!entry) return 'not-found';
        if (!token || !matchesHash(token, entry.record.tokenHash)) return 'unauthorized';
        return entry.record;
      },
      async commit(previous, next, events) {
        const entry = entries.get(previous.id);
        if (!entry) return 'gone';
        if (entry.record.version !== previous.version) return 'conflict';
        entry.record = frozen(committedRecord(previous, next));
        const appended: (LoggedEvent | null)[] = [];
        for (const {event, onceKeys} of events) {
          if (onceKeys && seenBefore(entry, onceKeys)) {
            appended.push(null);
            continue;
          }
          if (onceKeys) for (const key of onceKeys) (entry.seen ??= new Set()).add(flat(key));
          const json = flat(JSON.stringify(event));
          const logged = frozen({id: ++entry.top, event, json});
          entry.ids.push(logged.id);
          entry.texts.push(json);
          appended.push(logged);
        }
        for (const logged of appended) if (logged) notify(previous.id, logged);
        return {record: entry.record, appended};
      },
      async delete(id) {
        if (!entries.delete(id)) return;
        for (const limiter of Object.values(limiters)) limiter.forget(id);
        notify(id, 'gone');
      },
      async ids() {
        return [...entries.keys()];
      },
    },
    events: {
      async read(id, after) {
        const entry = entries.get(id);
        if (!entry) return [];
        const {ids, texts} = entry;
        // Ids rise along the log: start after the last one not past `after`.
        let from = ids.length;
        while (from > 0 && (ids[from - 1] as number) > after) from--;
        const events: LoggedEvent[] = [];
        for (let i = from; i < ids.length; i++) {
          const json = texts[i] as string;
          events.push({id: ids[i] as number, event: JSON.parse(json) as ChatEvent, json});
        }
        return events;
      },
      watch: (id, listener) => watchers.watch(id, listener),
      async continueAfter(id, position) {
        const entry = entries.get(id);
        if (entry) entry.top = Math.max(entry.top, position);
      },
    },
    idempotency: {
      async recall(sessionId, messageId) {
        return entries.get(sessionId)?.visitorMessages?.get(messageId);
      },
      async remember(sessionId, message) {
        const entry = entries.get(sessionId);
        if (entry) (entry.visitorMessages ??= new Map()).set(message.id, message);
      },
    },
    idle: {
      async touch(id, at) {
        const entry = entries.get(id);
        if (entry) entry.lastActivity = Math.max(entry.lastActivity, at);
      },
      async idleSince(cutoff) {
        return [...entries.values()]
          .filter((entry) => entry.lastActivity <= cutoff)
          .map((entry) => entry.record.id);
      },
    },
    limits: {
      async take(limit, key) {
        return limiters[limit].take(key);
      },
    },
    async exclusive(name, _ttlMs, task) {
      if (locks.has(name)) return false;
      locks.add(name);
      try {
        await task();
      } finally {
        locks.delete(name);
      }
      return true;
    },
    ready: () => true,
    async close() {
      watchers.clear();
    },
    sessionCounts() {
      const counts = new Map<SessionRecord['status'], number>();
      for (const {record} of entries.values())
        counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
      return counts;
    },
  };
}
