/**
 * @module The webhook deliveries Glia makes for a queue ticket and its engagement, read tolerantly
 * (docs/glia.md, "What we relaxed"). Integrators confirm `engagement.start` as
 * `{id, source, visitor_id}` and a chat message as `{content, engagement_id, target, timestamp,
 * type}`; everything else the proxy would like to have is optional here, and a delivery is
 * refused only when it lacks what nothing can be done without (the engagement's id, a message's
 * content). Objects are `z.object`: a key the proxy does not read is dropped, never refused
 * (`z.looseObject` would copy every such key on every delivery).
 */
import {z} from 'zod/mini';
import {GliaRef, maybe} from './common.js';
import {ChatMessage} from './engagement.js';

const SubEngagement = z.object({
  id: maybe(z.string()),
  /** `null` while nobody serves the visitor. */
  operator_id: maybe(GliaRef),
  site_id: maybe(GliaRef),
});

const EngagementRef = z.object({
  id: GliaRef,
  visitor_id: maybe(GliaRef),
  source: maybe(z.string()),
  current_sub_engagement: maybe(SubEngagement),
  /** The simulator's own addition: the queue ticket that produced the engagement. */
  queue_ticket_id: maybe(GliaRef),
});

export const EngagementStartEvent = z.object({
  event_type: z.literal('engagement.start'),
  engagement: EngagementRef,
});
export const EngagementTransferEvent = z.object({
  event_type: z.literal('engagement.transfer'),
  engagement: EngagementRef,
});
/** `end_reason` is the simulator's choice, in the vocabulary of an engagement leg. */
export const EngagementEndEvent = z.object({
  event_type: z.literal('engagement.end'),
  engagement: z.object({
    id: GliaRef,
    visitor_id: maybe(GliaRef),
    end_reason: maybe(z.string()),
  }),
});
/** No source shows this payload: the delivery is about the session's own ticket in any case. */
export const EngagementRequestFailureEvent = z.object({
  event_type: z.literal('engagement.request.failure'),
  queue_ticket: maybe(z.object({id: maybe(GliaRef), visitor_id: maybe(GliaRef)})),
  reason: maybe(z.string()),
});
export const ChatMessageEvent = z.object({
  event_type: z.literal('engagement.chat.message'),
  message: ChatMessage,
});
export const ChatMessageStatusEvent = z.object({
  event_type: z.literal('engagement.chat.message_status'),
  message: maybe(
    z.object({id: maybe(GliaRef), status: maybe(z.string()), engagement_id: maybe(GliaRef)})
  ),
});

/** The simulator's own event: see `engagement.operator_typing` in queue.ts. */
export const OperatorTypingEvent = z.object({
  event_type: z.literal('engagement.operator_typing'),
  engagement: z.object({id: GliaRef, visitor_id: maybe(GliaRef)}),
  typing: z.boolean(),
});

export const WebhookPayload = z.discriminatedUnion('event_type', [
  OperatorTypingEvent,
  EngagementStartEvent,
  EngagementTransferEvent,
  EngagementEndEvent,
  EngagementRequestFailureEvent,
  ChatMessageEvent,
  ChatMessageStatusEvent,
]);
export type WebhookPayload = z.infer<typeof WebhookPayload>;
