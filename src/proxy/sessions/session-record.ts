/**
 * @module A session as stored: plain, serialisable data with a zod schema, the same in memory and
 * in Redis. The bearer token and the webhook secret are kept only as SHA-256 hashes; the visitor's
 * Glia token only sealed (AES-GCM, `secret-box.ts`). Nothing here is per process: timers, open
 * streams and sends in flight live beside the store, on the instance that has them.
 */
import {createHash, timingSafeEqual} from 'node:crypto';
import {z} from 'zod/mini';
import type {ChatMessage, SessionSnapshot} from '../../wire/handoff/index.js';
import {ChatEvent, EndedBy, SessionStatus} from '../../wire/handoff/index.js';

/** A webhook delivery kept until its engagement starts here, with what the shell found out about it. */
export const EarlyDelivery = z.object({
  payload: z.unknown(),
  operator: z.optional(z.object({id: z.optional(z.string()), name: z.string()})),
  visitorSaid: z.optional(z.boolean()),
});
export type EarlyDelivery = z.infer<typeof EarlyDelivery>;

export const SessionRecord = z.object({
  id: z.string(),
  /** Raised by every committed change: the store refuses a change made from an older version. */
  version: z.number(),
  /** SHA-256 of the bearer token, hex. */
  tokenHash: z.string(),
  /** SHA-256 of the webhook secret, hex. The secret itself went to Glia and is not kept. */
  webhookSecretHash: z.string(),
  createdAt: z.number(),
  queueId: z.string(),
  status: SessionStatus,
  reason: z.optional(z.string()),
  endedBy: z.optional(EndedBy),
  operator: z.nullable(z.object({id: z.nullable(z.string()), name: z.string()})),
  /** The Glia visitor: its id, and its access token sealed with the store's key. */
  visitor: z.optional(z.object({id: z.string(), sealedToken: z.string()})),
  ticketId: z.optional(z.string()),
  engagementId: z.optional(z.string()),
  /**
   * The visitor left while waiting and Glia could not cancel the ticket: end the engagement as
   * soon as `engagement.start` arrives (docs/glia.md, cancelling a ticket).
   */
  endOnStart: z.boolean(),
  /** Deliveries about the engagement that arrived before `engagement.start` (delivery is unordered). */
  early: z.array(EarlyDelivery),
  operatorTyping: z.boolean(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

/** An event to append to a session's log, with the keys that make it a duplicate if seen before. */
export interface NewEvent {
  event: ChatEvent;
  /** Appended only if none of these keys was appended with an earlier event of the session. */
  onceKeys?: string[];
}

/** An event and its position in the session's log (its SSE `id`), from 1. */
export interface LoggedEvent {
  id: number;
  event: ChatEvent;
}

export const LoggedEventSchema = z.object({id: z.number(), event: ChatEvent});

/** SHA-256, hex: how tokens and secrets are kept. */
export const hashSecret = (value: string): string =>
  createHash('sha256').update(value).digest('hex');

/** Constant-time comparison of a presented value with a stored hash. */
export function matchesHash(presented: string, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const given = createHash('sha256').update(presented).digest();
  return stored.length === given.length && timingSafeEqual(given, stored);
}

export const TERMINAL_STATUSES: readonly SessionRecord['status'][] = ['ended', 'failed'];

/** Whether the conversation is over (ended or failed). */
export const isTerminal = (record: Pick<SessionRecord, 'status'>): boolean =>
  TERMINAL_STATUSES.includes(record.status);

/** A new session's record (status `queued`, version 0). */
export function newRecord(fields: {
  id: string;
  tokenHash: string;
  webhookSecretHash: string;
  createdAt: number;
  queueId: string;
}): SessionRecord {
  return {
    ...fields,
    version: 0,
    status: 'queued',
    operator: null,
    endOnStart: false,
    early: [],
    operatorTyping: false,
  };
}

/** What `GET /handoff/sessions/:id` answers: the conversation so far, no Glia ids, no secrets. */
export function toSnapshot(record: SessionRecord, log: readonly LoggedEvent[]): SessionSnapshot {
  const messages: ChatMessage[] = [];
  for (const {event} of log) if (event.type === 'message') messages.push(event.message);
  const lastId = log.at(-1)?.id;
  return {
    id: record.id,
    status: record.status,
    createdAt: new Date(record.createdAt).toISOString(),
    operator: record.operator ? {name: record.operator.name} : null,
    messages,
    lastEventId: lastId === undefined ? null : String(lastId),
    ...(record.reason === undefined ? {} : {reason: record.reason}),
    ...(record.endedBy === undefined ? {} : {endedBy: record.endedBy}),
  };
}
