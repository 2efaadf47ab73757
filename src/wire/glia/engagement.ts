/** @module Engagements and chat messages (docs/glia.md, "Engagements", "Chat messages"). */
import {z} from 'zod/mini';
import {GliaId} from './common.js';
import {OutgoingAttachment} from './files.js';

export const SenderType = z.enum(['visitor', 'operator', 'system', 'omniguide']);
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

export const ChatMessage = z.looseObject({
  id: GliaId,
  engagement_id: GliaId,
  sub_engagement_id: z.optional(z.nullable(z.string())),
  content: z.string(),
  target: MessageTarget,
  type: z.optional(z.string()),
  status: z.optional(z.string()),
  sender: z.looseObject({type: SenderType, name: z.optional(z.nullable(z.string()))}),
  timestamp: z.string(),
  /** Read with `readAttachment`: one we do not understand must not fail the message. */
  attachment: z.optional(z.unknown()),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const TypingIndicatorRequest = z.strictObject({typing: z.boolean()});

export const EndEngagementRequest = z.strictObject({
  action: z.literal('end'),
  reason: z.optional(z.string()),
});
export const EndEngagementResponse = z.looseObject({id: GliaId, sub_engagement_id: z.string()});

export const Operator = z.looseObject({id: GliaId, name: z.string()});
export type Operator = z.infer<typeof Operator>;

export const Engagement = z.looseObject({
  id: GliaId,
  visitor_id: GliaId,
  source: z.nullable(z.string()),
  created_at: z.string(),
  ended_at: z.optional(z.nullable(z.string())),
  operators: z.array(z.looseObject({href: z.string()})),
});
export type Engagement = z.infer<typeof Engagement>;

export const TranscriptEntry = z.looseObject({
  id: GliaId,
  message: z.string(),
  created_at: z.string(),
  type: z.string(),
  sender: z.looseObject({type: SenderType, name: z.optional(z.nullable(z.string()))}),
  attachment: z.optional(z.unknown()),
});
export const ChatTranscript = z.array(TranscriptEntry);
