/**
 * @module The sessions of this proxy process, in memory. A session is reached by its id and opened
 * only by its own bearer token (random, 32 bytes, compared in constant time through its hash).
 */
import {hash as digest, randomBytes, randomUUID, timingSafeEqual} from 'node:crypto';
import type {WebhookPayload} from '../../wire/glia/index.js';
import type {
  ChatMessage,
  EndedBy,
  SessionSnapshot,
  SessionStatus,
} from '../../wire/handoff/index.js';
import type {GliaVisitor} from '../glia/glia-client.js';
import {EventLog} from './event-log.js';

/** What the proxy sends to Glia for the visitor's typing, and when it last did. */
export interface TypingState {
  /** What the visitor last said. */
  wanted: boolean;
  /** What Glia was last told. */
  sent: boolean;
  sentAt: number;
  /** A trailing update is scheduled. */
  timer: unknown;
}

/** One handoff: its browser-facing state, its Glia ids, and its event log. */
export interface Session {
  readonly id: string;
  readonly tokenHash: Buffer;
  /** The value Glia's webhook deliveries for this session must carry. */
  readonly webhookSecret: string;
  readonly webhookSecretHash: Buffer;
  readonly createdAt: number;
  readonly queueId: string;
  readonly log: EventLog;
  lastActivity: number;
  status: SessionStatus;
  reason?: string;
  endedBy?: EndedBy;
  operator: {id: string | null; name: string} | null;
  visitor?: GliaVisitor;
  ticketId?: string;
  engagementId?: string;
  /**
   * The visitor left while waiting and Glia could not cancel the ticket: end the engagement as
   * soon as `engagement.start` arrives (docs/glia.md, "Queues and queue tickets").
   */
  endOnStart: boolean;
  /** Glia message ids already shown, for de-duplicating webhook deliveries. */
  seenMessageIds: Set<string>;
  /** Deliveries about the engagement that arrived before `engagement.start` (delivery is not ordered). */
  early: WebhookPayload[];
  /** The visitor's accepted messages by the browser's uuid, and sends still in flight. */
  visitorMessages: Map<string, ChatMessage>;
  sending: Map<string, Promise<ChatMessage>>;
  operatorTyping: boolean;
  typing: TypingState;
  openStreams: number;
  /** Webhooks and ends run one at a time per session, in arrival order. */
  queue: Promise<unknown>;
}

export const TERMINAL_STATUSES: readonly SessionStatus[] = ['ended', 'failed'];

const hash = (value: string): Buffer => digest('sha256', value, 'buffer');

/** Constant-time comparison of a presented value with a stored hash. */
export function matchesHash(presented: string, stored: Buffer): boolean {
  return timingSafeEqual(hash(presented), stored);
}

export interface SessionStoreOptions {
  now: () => number;
  randomUUID?: () => string;
}

/** In-memory sessions. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(options: SessionStoreOptions) {
    this.now = options.now;
    this.newId = options.randomUUID ?? (() => randomUUID());
  }

  /** A new session with its bearer token (returned once, stored only as a hash). */
  create(queueId: string): {session: Session; token: string} {
    const token = randomBytes(32).toString('base64url');
    const webhookSecret = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = {
      id: this.newId(),
      tokenHash: hash(token),
      webhookSecret,
      webhookSecretHash: hash(webhookSecret),
      createdAt: now,
      queueId,
      log: new EventLog(),
      lastActivity: now,
      status: 'queued',
      operator: null,
      endOnStart: false,
      seenMessageIds: new Set(),
      early: [],
      visitorMessages: new Map(),
      sending: new Map(),
      operatorTyping: false,
      typing: {wanted: false, sent: false, sentAt: Number.NEGATIVE_INFINITY, timer: undefined},
      openStreams: 0,
      queue: Promise.resolve(),
    };
    this.sessions.set(session.id, session);
    return {session, token};
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** The session `id` if `token` is its bearer token. */
  authenticate(id: string, token: string | undefined): Session | 'not-found' | 'unauthorized' {
    const session = this.sessions.get(id);
    if (!session) return 'not-found';
    if (!token || !matchesHash(token, session.tokenHash)) return 'unauthorized';
    return session;
  }

  /** Forgets a session and closes its streams. */
  delete(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.log.close();
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** Whether the conversation is over (ended or failed). */
export const isTerminal = (session: Session): boolean => TERMINAL_STATUSES.includes(session.status);

/** What `GET /handoff/sessions/:id` answers: the conversation so far, no Glia ids, no secrets. */
export function toSnapshot(session: Session): SessionSnapshot {
  const messages: ChatMessage[] = [];
  for (const {event} of session.log.all())
    if (event.type === 'message') messages.push(event.message);
  return {
    id: session.id,
    status: session.status,
    createdAt: new Date(session.createdAt).toISOString(),
    operator: session.operator ? {name: session.operator.name} : null,
    messages,
    lastEventId: session.log.lastId === 0 ? null : String(session.log.lastId),
    ...(session.reason === undefined ? {} : {reason: session.reason}),
    ...(session.endedBy === undefined ? {} : {endedBy: session.endedBy}),
  };
}
