/**
 * @module The webhook deliveries Glia makes for a queue ticket and its engagement (docs/glia.md, "Webhooks").
 * Received, so loose: Glia may add fields. Shapes not seen in any source are the simulator's
 * choice and marked so.
 */
import {z} from 'zod/mini';
import {GliaId} from './common.js';
import {ChatMessage} from './engagement.js';

const SubEngagement = z.looseObject({id: z.string(), operator_id: GliaId, site_id: GliaId});

const EngagementRef = z.looseObject({
  id: GliaId,
  visitor_id: GliaId,
  source: z.optional(z.nullable(z.string())),
  current_sub_engagement: z.optional(SubEngagement),
  /** [SIM-CHOICE] the queue ticket that produced the engagement. */
  queue_ticket_id: z.optional(GliaId),
});

export const EngagementStartEvent = z.looseObject({
  event_type: z.literal('engagement.start'),
  engagement: EngagementRef,
});
export const EngagementTransferEvent = z.looseObject({
  event_type: z.literal('engagement.transfer'),
  engagement: EngagementRef,
});
/** [SIM-CHOICE] `end_reason` borrows the vocabulary of an engagement leg (docs/glia.md, "Engagements"). */
export const EngagementEndEvent = z.looseObject({
  event_type: z.literal('engagement.end'),
  engagement: z.looseObject({
    id: GliaId,
    visitor_id: z.optional(GliaId),
    end_reason: z.optional(z.string()),
  }),
});
/** [SIM-CHOICE] the payload is unseen (docs/glia.md, "Webhooks"). */
export const EngagementRequestFailureEvent = z.looseObject({
  event_type: z.literal('engagement.request.failure'),
  queue_ticket: z.looseObject({id: GliaId, visitor_id: GliaId}),
  reason: z.optional(z.string()),
});
export const ChatMessageEvent = z.looseObject({
  event_type: z.literal('engagement.chat.message'),
  message: ChatMessage,
});
export const ChatMessageStatusEvent = z.looseObject({
  event_type: z.literal('engagement.chat.message_status'),
  message: z.looseObject({id: GliaId, status: z.string(), engagement_id: z.optional(GliaId)}),
});

/** [SIM-CHOICE] see `engagement.operator_typing` in queue.ts. */
export const OperatorTypingEvent = z.looseObject({
  event_type: z.literal('engagement.operator_typing'),
  engagement: z.looseObject({id: GliaId, visitor_id: GliaId}),
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
