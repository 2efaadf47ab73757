/** @module Queues and queue tickets (docs/glia.md, "Queues and queue tickets"). */
import {z} from 'zod/mini';
import {GliaId} from './common.js';

/** The events a ticket's webhooks may subscribe to (docs/glia.md, "Webhooks"). */
export const WEBHOOK_EVENTS = [
  'engagement.request.failure',
  'engagement.start',
  'engagement.transfer',
  'engagement.end',
  'engagement.chat.message',
  'engagement.chat.message_status',
  /**
   * [SIM-CHOICE] Operator typing. No source shows how Glia tells a REST integrator that the
   * operator is typing (docs/glia.md, "Webhooks", knows no such event), so the proxy subscribes to this only
   * when configured to (GLIA_OPERATOR_TYPING_EVENT=true), as the demo does against the simulator.
   */
  'engagement.operator_typing',
] as const;
export const WebhookEventName = z.enum(WEBHOOK_EVENTS);
export type WebhookEventName = z.infer<typeof WebhookEventName>;

export const WebhookRegistration = z.strictObject({
  url: z.url(),
  method: z.enum(['POST', 'PUT', 'PATCH']),
  headers: z.optional(z.record(z.string(), z.string())),
  /**
   * Known events, or the configured name of the file-scan event (files.ts): a string here, checked
   * against the known names where they are known (the simulator's ticket route).
   */
  events: z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1)),
});
export type WebhookRegistration = z.infer<typeof WebhookRegistration>;

export const MEDIA = ['text', 'phone', 'audio', 'video'] as const;
export const Media = z.enum(MEDIA);

/**
 * `queue_id` and `queue_ids` are both accepted: the docs say `queue_id`, Glia's own current code
 * sends `queue_ids` (docs/glia.md, "Queues and queue tickets").
 */
export const CreateQueueTicketRequest = z.strictObject({
  site_id: z.string(),
  media: Media,
  media_options: z.optional(z.record(z.string(), z.unknown())),
  queue_id: z.optional(z.string()),
  queue_ids: z.optional(z.array(z.string())),
  team_ids: z.optional(z.array(z.string())),
  source: z.optional(z.string()),
  webhooks: z.optional(z.array(WebhookRegistration)),
});
export type CreateQueueTicketRequest = z.infer<typeof CreateQueueTicketRequest>;

/** The body is undocumented; the simulator's choice ([SIM-CHOICE], docs/glia.md, "Queues and queue tickets"). */
export const QueueTicket = z.looseObject({
  id: GliaId,
  site_id: GliaId,
  visitor_id: GliaId,
  queue_ids: z.array(GliaId),
  media: Media,
  source: z.nullable(z.string()),
  state: z.enum(['queued', 'accepted', 'failed', 'cancelled']),
  created_at: z.string(),
});
export type QueueTicket = z.infer<typeof QueueTicket>;

/** `GET /queues/{id}`: the REST shape is not published; `state.status` and `state.medias` follow the SDK. */
export const Queue = z.looseObject({
  id: GliaId,
  site_id: GliaId,
  name: z.string(),
  state: z.looseObject({
    status: z.enum(['opened', 'closed', 'full', 'unstaffed']),
    medias: z.array(z.string()),
  }),
});
export type Queue = z.infer<typeof Queue>;
