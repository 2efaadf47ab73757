/** @module Queues and queue tickets: the ticket request (strict, ours) and Glia's answers (tolerant). */
import {z} from 'zod/mini';
import {GliaRef, maybe, tolerantObject} from './common.js';

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

/**
 * `POST /queue_tickets`'s answer. No source documents its body and every real caller ignores it;
 * the proxy reads the id (to cancel the ticket, to match webhooks) and a failed state, and goes on
 * without either (docs/glia.md).
 */
export const QueueTicket = tolerantObject({id: maybe(GliaRef), state: maybe(z.string())});
export type QueueTicket = z.infer<typeof QueueTicket>;

/** The queue statuses seen or inferred; another value reads as `unknown`. */
export const QUEUE_STATUSES = ['opened', 'closed', 'full', 'unstaffed'] as const;

/**
 * `GET /queues/{id}` as recorded: `{id, name, site_id, status, self_status,
 * available_properties: {media}, average_wait_time, …}`. The JS SDK's `state: {status, medias}`
 * is read too, where `status` and `available_properties` are missing.
 */
export const Queue = tolerantObject({
  id: maybe(GliaRef),
  site_id: maybe(GliaRef),
  name: maybe(z.string()),
  status: maybe(z.string()),
  available_properties: maybe(z.looseObject({media: maybe(z.array(z.string()))})),
  /** Seconds, as far as anyone can tell (the recording says 0 for an idle queue). */
  average_wait_time: maybe(z.number()),
  state: maybe(z.looseObject({status: maybe(z.string()), medias: maybe(z.array(z.string()))})),
});
export type Queue = z.infer<typeof Queue>;
