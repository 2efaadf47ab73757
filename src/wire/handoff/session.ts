/** @module A handoff session as the browser sees it (docs/contract.md, "Browser ⇄ proxy"). */
import {z} from 'zod/mini';
import {LIMITS} from './limits.js';
import {FilePolicy, Upload} from './files.js';
import {ChatMessage} from './messages.js';
import {cleanedLine, cleanedText} from './text.js';

export const SESSION_STATUSES = ['queued', 'engaged', 'ended', 'failed'] as const;
export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Who ended a conversation, for the ended view. */
export const EndedBy = z.enum(['visitor', 'operator', 'system']);
export type EndedBy = z.infer<typeof EndedBy>;

export const Operator = z.strictObject({name: z.string()});
export type Operator = z.infer<typeof Operator>;

/** One turn of the self-service conversation that came before the handoff. */
export const TranscriptEntry = z.strictObject({
  from: z.enum(['bot', 'visitor']),
  text: z.string().check(cleanedText(), z.minLength(1), z.maxLength(LIMITS.messageLength)),
});
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export const StartSessionRequest = z.strictObject({
  description: z
    .string()
    .check(cleanedText(), z.trim(), z.minLength(1), z.maxLength(LIMITS.descriptionLength)),
  name: z.optional(z.string().check(cleanedLine(), z.trim(), z.maxLength(LIMITS.nameLength))),
  email: z.optional(z.email()),
  /** Page facts for the agent, stored as the visitor's custom attributes. */
  attributes: z.optional(
    z
      .record(
        z.string().check(cleanedLine(), z.minLength(1), z.maxLength(100)),
        z.string().check(cleanedLine(), z.maxLength(LIMITS.attributeValueLength))
      )
      .check(z.refine((r) => Object.keys(r).length <= LIMITS.attributeCount, 'too many attributes'))
  ),
  /** A queue id other than the configured default. */
  queue: z.optional(z.uuid()),
  /** A UUID v4 the browser chose for this start: a repeat gets the session it made. */
  startId: z.optional(z.uuidv4()),
  transcript: z.optional(z.array(TranscriptEntry).check(z.maxLength(LIMITS.transcriptEntries))),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/** `GET /handoff/sessions/:id`: everything needed to draw the conversation from scratch. */
export const SessionSnapshot = z.strictObject({
  id: z.string(),
  status: SessionStatus,
  /** ISO time the ticket was filed: the queued view counts the wait from it. */
  createdAt: z.string(),
  operator: z.nullable(Operator),
  messages: z.array(ChatMessage),
  /** The id of the last event in the log; resume the stream after it. */
  lastEventId: z.nullable(z.string()),
  /** Why the session failed, in words a person can act on. */
  reason: z.optional(z.string()),
  endedBy: z.optional(EndedBy),
  /** While queued: the queue's average wait in seconds, when Glia reports one. */
  estimatedWaitSeconds: z.optional(z.int().check(z.minimum(1))),
  /** While engaged: what the visitor may upload, when file sending is allowed. */
  filePolicy: z.optional(FilePolicy),
  /** The visitor's uploads not yet sent in a message, so a reload can pick them up. */
  uploads: z.optional(z.array(Upload)),
});
export type SessionSnapshot = z.infer<typeof SessionSnapshot>;

export const StartSessionResponse = z.strictObject({
  session: z.strictObject({
    ...SessionSnapshot.shape,
    /** The opaque bearer for this session's routes: the only credential the browser holds. */
    token: z.string().check(z.minLength(32)),
  }),
});
export type StartSessionResponse = z.infer<typeof StartSessionResponse>;
