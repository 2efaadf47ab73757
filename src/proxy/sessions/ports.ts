/**
 * @module The ports the session logic stands on, all asynchronous: a session repository whose
 * changes commit under a version check together with the events they append, a per-session event
 * log (read after an id, watch), idempotency for visitor message ids, an idle index, rate limits
 * and a cluster-wide lock. `memory-store.ts` implements them in this process (the demo, the tests,
 * one instance); `redis-store.ts` in Redis (several instances). `test/proxy/store-contract.test.ts`
 * holds both to the same contract.
 */
import type {ChatMessage} from '../../wire/handoff/index.js';
import type {RateDecision, RateLimit} from '../rate-limit.js';
import type {SecretBox} from './secret-box.js';
import type {LoggedEvent, NewEvent, SessionRecord} from './session-record.js';

/** What a commit did: the new record, and for each event its place in the log (`null`: a duplicate). */
export interface Committed {
  record: SessionRecord;
  appended: (LoggedEvent | null)[];
}

export interface SessionRepository {
  /**
   * Stores a new record (version 0); its log starts empty. `false`: a session of that id exists
   * (a repeated start), and nothing changed.
   */
  create(record: SessionRecord): Promise<boolean>;
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * A record of the session this instance read or wrote lately, without asking the store: maybe
   * not the latest version, and the session may be gone since. Good for what a session never
   * changes (its secret's hash), and as the start of a change, whose commit checks the version;
   * not for a decision that commits nothing. Absent where `get` costs nothing (memory).
   */
  peek?(id: string): SessionRecord | undefined;
  /** The record if `token` is its bearer token (compared in constant time through the hash). */
  authenticate(
    id: string,
    token: string | undefined
  ): Promise<SessionRecord | 'not-found' | 'unauthorized'>;
  /**
   * Replaces `previous` by `next` and appends `events`, all or nothing. `conflict`: the record
   * changed since `previous` was read (read it again and redo the change); `gone`: it was deleted.
   */
  commit(
    previous: SessionRecord,
    next: SessionRecord,
    events: NewEvent[]
  ): Promise<Committed | 'conflict' | 'gone'>;
  /** Forgets the session, its log and its keys; its watchers hear `gone`. */
  delete(id: string): Promise<void>;
  /** Every session's id (for the idle sweep, the shutdown and the catch-up at start). */
  ids(): Promise<string[]>;
}

export interface EventLogPort {
  /** The session's events after position `after` (0 = all), in order. */
  read(id: string, after: number): Promise<LoggedEvent[]>;
  /**
   * Calls `listener` with each event appended from now on (by any instance), and with `gone` when
   * the session is deleted. Returns the unsubscribe function.
   */
  watch(id: string, listener: (event: LoggedEvent | 'gone') => void): () => void;
  /**
   * A client has seen events up to `position`, beyond the log's end: the log lost its latest
   * events (Redis restored from an older copy, or failed over to a replica that was behind).
   * Numbers every later event after `position`, so that client takes them as new.
   */
  continueAfter(id: string, position: number): Promise<void>;
}

export interface IdempotencyPort {
  /** The visitor message accepted under `messageId`, if any. */
  recall(sessionId: string, messageId: string): Promise<ChatMessage | undefined>;
  remember(sessionId: string, message: ChatMessage): Promise<void>;
}

export interface IdleIndex {
  /** The session was active at `at` (a request, a stream's heartbeat). */
  touch(id: string, at: number): Promise<void>;
  /** The sessions last active before `cutoff`. */
  idleSince(cutoff: number): Promise<string[]>;
}

/** The rate limits of `ProxyLimits`, each a bucket per key. */
export type LimitName =
  'newSessionsPerAddress' | 'messagesPerSession' | 'typingPerSession' | 'uploadsPerSession';
export type LimitSettings = Record<LimitName, RateLimit>;

export interface RateLimitsPort {
  take(limit: LimitName, key: string): Promise<RateDecision>;
}

/** Thrown by a store that cannot reach its backend: answered 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('The session store is unreachable.', {cause});
    this.name = 'StoreUnavailableError';
  }
}

/** Every port, and what the owner needs to know about the store. */
export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /** Conversations outlive this process: another instance (or the next one) carries them on. */
  readonly durable: boolean;
  readonly sessions: SessionRepository;
  readonly events: EventLogPort;
  readonly idempotency: IdempotencyPort;
  readonly idle: IdleIndex;
  readonly limits: RateLimitsPort;
  /** Seals the visitor's Glia token in a record. */
  readonly box: SecretBox;
  /**
   * Runs `task` unless another instance holds the lock `name` (held at most `ttlMs`); resolves
   * to whether it ran.
   */
  exclusive(name: string, ttlMs: number, task: () => Promise<void>): Promise<boolean>;
  /** The backend is reachable now (readiness). */
  ready(): boolean;
  close(): Promise<void>;
}
