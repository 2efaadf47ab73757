/**
 * @module What the proxy streams to the browser over SSE: one union of strict objects on `type`
 * (the vercel/ai shape). The SSE frame's `event` is the `type`, its `id` the position in the
 * session's event log, its `data` the JSON of the event.
 */
import {z} from 'zod/mini';
import {FilePolicy, Upload} from './files.js';
import {ChatMessage} from './messages.js';
import {EndedBy, Operator, SessionStatus} from './session.js';

export const StatusEvent = z.strictObject({
  type: z.literal('status'),
  status: SessionStatus,
  reason: z.optional(z.string()),
  /** With `engaged`: what the visitor may upload, when file sending is allowed. */
  filePolicy: z.optional(FilePolicy),
});
export const MessageEvent = z.strictObject({type: z.literal('message'), message: ChatMessage});
/** The operator started or stopped typing. */
export const TypingEvent = z.strictObject({type: z.literal('typing'), typing: z.boolean()});
/** An operator joined, or another took over on a transfer. */
export const OperatorEvent = z.strictObject({
  type: z.literal('operator'),
  operator: Operator,
  change: z.enum(['joined', 'transferred']),
});
/** A visitor's upload changed: Glia's scan reported. */
export const UploadEvent = z.strictObject({type: z.literal('upload'), upload: Upload});
export const EndedEvent = z.strictObject({type: z.literal('ended'), by: EndedBy});
export const ErrorEvent = z.strictObject({
  type: z.literal('error'),
  error: z.strictObject({code: z.string(), message: z.string(), hint: z.optional(z.string())}),
});

// A plain union, not z.discriminatedUnion: the variants' literal `type`s and strict shapes already
// make at most one of them match, so both accept exactly the same frames, and the widget, which
// parses every frame with this, is spared the lookup-table machinery (0.45 KB gzip of zod).
export const ChatEvent = z.union([
  StatusEvent,
  MessageEvent,
  TypingEvent,
  OperatorEvent,
  UploadEvent,
  EndedEvent,
  ErrorEvent,
]);
export type ChatEvent = z.infer<typeof ChatEvent>;
export type ChatEventType = ChatEvent['type'];
