/**
 * @module Engagements and chat messages. What the proxy sends is strict; what Glia answers is read
 * tolerantly (docs/glia.md, "What we relaxed"): only the fields the proxy uses, each optional
 * unless nothing can be done without it, enums as plain strings that the reader maps.
 */
import {z} from 'zod/mini';
import {GliaRef, maybe, tolerantObject} from './common.js';
import {OutgoingAttachment} from './files.js';

/** The sender types seen so far; others (Glia adds AI senders) are read as an operator's. */
export const SENDER_TYPES = ['visitor', 'operator', 'system', 'omniguide'] as const;
export const SenderType = z.enum(SENDER_TYPES);
export const MessageTarget = z.enum(['visitor', 'operator']);

export const SendChatMessageRequest = z
  .strictObject({
    /** May be empty only when files are attached (docs/glia.md, "Chat messages"). */
    content: z.string().check(z.maxLength(10_000)),
    target: z.optional(MessageTarget),
    type: z.optional(z.enum(['chat', 'event', 'suggestion', 'prompt'])),
    attachment: z.optional(OutgoingAttachment),
    metadata: z.optional(z.record(z.string(), z.unknown())),
  })
  .check(
    z.refine((m) => m.content.trim() !== '' || m.attachment?.type === 'files', {
      error: 'must be present unless files are attached',
      path: ['content'],
    })
  );
export type SendChatMessageRequest = z.infer<typeof SendChatMessageRequest>;

const Sender = z.object({type: maybe(z.string()), name: maybe(z.string())});

/**
 * A chat message as Glia sends it in `engagement.chat.message` and answers a PUT with. Integrators
 * confirm `content, engagement_id, target, timestamp, type`; `id` and `sender` appear in Glia's
 * documented examples only. `content` is the one field a message is useless without.
 */
export const ChatMessage = z.object({
  content: z.string(),
  id: maybe(GliaRef),
  engagement_id: maybe(GliaRef),
  sub_engagement_id: maybe(z.string()),
  target: maybe(z.string()),
  type: maybe(z.string()),
  status: maybe(z.string()),
  sender: maybe(Sender),
  /** Any of the forms seen: `…Z`, `….150Z`, `….705086Z`, `…+0000`. */
  timestamp: maybe(z.string()),
  /** Read with `readAttachment`: one we do not understand must not fail the message. */
  attachment: z.optional(z.unknown()),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * The answer to a message PUT: its time, and who wrote it. A PUT whose id Glia already holds
 * answers with the message held, so a sender other than the visitor means the id was someone else's.
 */
export const SentChatMessage = tolerantObject({
  id: maybe(GliaRef),
  timestamp: maybe(z.string()),
  sender: maybe(Sender),
});
export type SentChatMessage = z.infer<typeof SentChatMessage>;

export const TypingIndicatorRequest = z.strictObject({typing: z.boolean()});

export const EndEngagementRequest = z.strictObject({
  action: z.literal('end'),
  reason: z.optional(z.string()),
});
/** Documented as `{id, sub_engagement_id}`; the proxy reads none of it. */
export const EndEngagementResponse = tolerantObject({id: maybe(GliaRef)});

const OperatorFields = {id: maybe(GliaRef), name: maybe(z.string())};
/**
 * `GET /operators/{id}`: `{id, name, …}`, or, as Glia's documented example of that very route
 * shows, a list `{operators: [{id, name, …}]}`.
 */
export const Operator = tolerantObject({
  ...OperatorFields,
  operators: maybe(z.array(z.looseObject(OperatorFields))),
});
export type Operator = z.infer<typeof Operator>;

const Href = z.looseObject({href: maybe(z.string())});

/**
 * `GET /engagements/{id}`: read for who serves the visitor now, when a webhook did not say. The
 * legs name operators by id; `operators` only by (absolute) `href`. `source` may be missing.
 */
export const Engagement = tolerantObject({
  id: maybe(GliaRef),
  visitor_id: maybe(GliaRef),
  source: maybe(z.string()),
  created_at: maybe(z.string()),
  ended_at: maybe(z.string()),
  operators: maybe(z.array(Href)),
  // [SIM-CHOICE] the file permissions (files.ts, EngagementFilePermissions); absent: allowed.
  allow_file_sending: maybe(z.boolean()),
  allowed_file_content_types: maybe(z.array(z.unknown())),
  legs: maybe(
    z.array(
      z.looseObject({
        operator: maybe(z.looseObject({id: maybe(GliaRef)})),
        ended_at: maybe(z.string()),
      })
    )
  ),
});
export type Engagement = z.infer<typeof Engagement>;

/**
 * An entry of `GET /engagements/{id}/chat_transcript`, as documented: no `id`, `type: "user"`,
 * a `sender` that may carry only `type`, and a `message` that may be `null` (an attachment).
 */
export const TranscriptEntry = z.looseObject({
  message: maybe(z.string()),
  created_at: maybe(z.string()),
  type: maybe(z.string()),
  id: maybe(GliaRef),
  sender: maybe(Sender),
  attachment: z.optional(z.unknown()),
});
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;
export const ChatTranscript = z.array(TranscriptEntry);
/** The transcript as the proxy reads it: a list, each entry checked on its own (one odd entry spoils nothing). */
export const ChatTranscriptEntries = z.array(z.unknown());
