/**
 * @module A session as stored: plain, serialisable data with a zod schema, the same in memory and
 * in Redis. The bearer token and the webhook secret are kept only as SHA-256 hashes; the visitor's
 * Glia token only sealed (AES-GCM, `secret-box.ts`). Nothing here is per process: timers, open
 * streams and sends in flight live beside the store, on the instance that has them.
 */
import {hash, timingSafeEqual} from 'node:crypto';
import {z} from 'zod/mini';
import type {ChatMessage, SessionSnapshot, Upload} from '../../wire/handoff/index.js';
import {ChatEvent, EndedBy, FilePolicy, SessionStatus} from '../../wire/handoff/index.js';

/** A webhook delivery kept until its engagement starts here, with what the shell found out about it. */
export const EarlyDelivery = z.object({
  payload: z.unknown(),
  operator: z.optional(z.object({id: z.optional(z.string()), name: z.string()})),
  visitorSaid: z.optional(z.boolean()),
});
export type EarlyDelivery = z.infer<typeof EarlyDelivery>;

/**
 * A visitor's upload, by the browser's uuid: `uploading` while its bytes go to Glia (never shown;
 * a retry meanwhile is told to wait), then where Glia's scan stands. `sent` once a message carried it.
 */
export const StoredUpload = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  contentType: z.string(),
  status: z.enum(['uploading', 'scanning', 'ready', 'infected']),
  /** Glia's `file_id`, once Glia took the bytes. Never shown to the browser. */
  fileId: z.optional(z.string()),
  sent: z.boolean(),
  /** When the upload started, ms: an `uploading` one a crashed instance left may be retried after a while. */
  at: z.number(),
});
export type StoredUpload = z.infer<typeof StoredUpload>;

/** An agent's file: the opaque id the browser fetches it by, and where Glia keeps it. */
export const AgentFile = z.object({
  id: z.string(),
  fileId: z.string(),
  engagementId: z.string(),
  name: z.string(),
  contentType: z.string(),
});
export type AgentFile = z.infer<typeof AgentFile>;

/** An agent's single-choice question, by its message id, and the value the visitor answered. */
export const Question = z.object({
  messageId: z.string(),
  options: z.array(z.object({text: z.string(), value: z.string()})),
  answered: z.optional(z.string()),
});
export type Question = z.infer<typeof Question>;

/** A scan verdict that arrived before Glia's answer to the upload was recorded (deliveries are unordered). */
export const EarlyScan = z.object({fileId: z.string(), clean: z.boolean()});

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
  /** While engaged: what the visitor may upload (absent: file sending is off). */
  filePolicy: z.optional(FilePolicy),
  // Defaults, so a record stored before files existed still reads.
  uploads: z._default(z.array(StoredUpload), []),
  agentFiles: z._default(z.array(AgentFile), []),
  questions: z._default(z.array(Question), []),
  earlyScans: z._default(z.array(EarlyScan), []),
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
  /**
   * `JSON.stringify(event)`, when the store has it already (the memory store keeps its log as
   * this text): the SSE frame's data, not serialised again for every stream that sends it.
   */
  json?: string;
}

export const LoggedEventSchema = z.object({id: z.number(), event: ChatEvent});

/** SHA-256, hex: how tokens and secrets are kept. */
export const hashSecret = (value: string): string => hash('sha256', value, 'hex');

/** Constant-time comparison of a presented value with a stored hash. */
export function matchesHash(presented: string, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  // One-shot: a Hash object per check was a measurable share of each webhook delivery.
  const given = hash('sha256', presented, 'buffer');
  return stored.length === given.length && timingSafeEqual(given, stored);
}

export const TERMINAL_STATUSES: readonly SessionRecord['status'][] = ['ended', 'failed'];

/** Whether the conversation is over (ended or failed). */
export const isTerminal = (record: Pick<SessionRecord, 'status'>): boolean =>
  TERMINAL_STATUSES.includes(record.status);

/**
 * The empty list every record shares: most records hold five empty lists for their whole life
 * (some 160 B a session at 10,000). Frozen, so that a change pushed into it in place throws
 * instead of showing up in every session: the reducer replaces a list, or changes its own copy.
 */
const NONE = Object.freeze([]) as unknown as never[];

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
    early: NONE,
    operatorTyping: false,
    uploads: NONE,
    agentFiles: NONE,
    questions: NONE,
    earlyScans: NONE,
  };
}

/**
 * `next` as a store commits it: a copy at the version after `previous`'s. Object.assign, not a
 * spread: V8 gave a spread's copy a map (hidden class) that later records did not share, so each
 * kept record held a map and descriptors of its own (~550 B a session); copied property by
 * property, records of the same shape share one.
 */
export function committedRecord(previous: SessionRecord, next: SessionRecord): SessionRecord {
  const record = Object.assign({}, next, {version: previous.version + 1});
  // The reducer copies some lists on every change: an empty copy becomes the shared one again.
  if (record.early.length === 0) record.early = NONE;
  if (record.uploads.length === 0) record.uploads = NONE;
  if (record.agentFiles.length === 0) record.agentFiles = NONE;
  if (record.questions.length === 0) record.questions = NONE;
  if (record.earlyScans.length === 0) record.earlyScans = NONE;
  return record;
}

/** An upload as the browser sees it (`undefined` while its bytes are still on their way to Glia). */
export function toUpload(stored: StoredUpload): Upload | undefined {
  if (stored.status === 'uploading') return undefined;
  const {id, name, size, contentType, status} = stored;
  return {id, name, size, contentType, status};
}

/** What `GET /handoff/sessions/:id` answers: the conversation so far, no Glia ids, no secrets. */
export function toSnapshot(record: SessionRecord, log: readonly LoggedEvent[]): SessionSnapshot {
  const messages: ChatMessage[] = [];
  for (const {event} of log) if (event.type === 'message') messages.push(event.message);
  const lastId = log.at(-1)?.id;
  const uploads = record.uploads.flatMap((stored) => {
    const upload = stored.sent ? undefined : toUpload(stored);
    return upload ? [upload] : [];
  });
  return {
    id: record.id,
    status: record.status,
    createdAt: new Date(record.createdAt).toISOString(),
    operator: record.operator ? {name: record.operator.name} : null,
    messages,
    lastEventId: lastId === undefined ? null : String(lastId),
    ...(record.reason === undefined ? {} : {reason: record.reason}),
    ...(record.endedBy === undefined ? {} : {endedBy: record.endedBy}),
    ...(record.status === 'engaged' && record.filePolicy ? {filePolicy: record.filePolicy} : {}),
    ...(uploads.length > 0 ? {uploads} : {}),
  };
}
