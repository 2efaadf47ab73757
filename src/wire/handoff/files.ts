/**
 * @module Files and choices between the browser and the proxy (docs/contract.md, "Files and
 * choices"). The visitor's file goes up on its own first, to `PUT /handoff/sessions/:id/uploads/:uploadId`
 * (the raw bytes as the body, the browser's uuid as the id, so a retry never uploads twice); Glia
 * scans it, the stream reports the verdict as an `upload` event, and a message then names the
 * ready uploads. An agent's files reach the browser only as proxy ids, fetched from
 * `GET /handoff/sessions/:id/files/:fileId` with the session token; no Glia URL or token ever does.
 */
import {z} from 'zod/mini';

/** A file name as the browser may send it (in `X-File-Name`, percent-encoded UTF-8). */
export const FileName = z.string().check(z.minLength(1), z.maxLength(255));

/**
 * Where a visitor's upload stands: `scanning` until Glia's scan reports, then `ready` (it can be
 * sent) or `infected` (it never can).
 */
export const UploadStatus = z.enum(['scanning', 'ready', 'infected']);
export type UploadStatus = z.infer<typeof UploadStatus>;

/** `PUT …/uploads/:uploadId` → `201 {upload}` (new) or `200 {upload}` (a repeat); also the `upload` event. */
export const Upload = z.strictObject({
  /** The uuid v4 the browser chose. */
  id: z.string(),
  name: FileName,
  size: z.int().check(z.minimum(0)),
  contentType: z.string(),
  status: UploadStatus,
});
export type Upload = z.infer<typeof Upload>;

export const UploadResponse = z.strictObject({upload: Upload});
export type UploadResponse = z.infer<typeof UploadResponse>;

/**
 * A file on a message. The visitor's carry their upload's id; an agent's carry an opaque proxy id
 * for `GET …/files/:fileId`. `deleted` once Glia removed it; `size` when known.
 */
export const MessageFile = z.strictObject({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.optional(z.int().check(z.minimum(0))),
  deleted: z.optional(z.boolean()),
});
export type MessageFile = z.infer<typeof MessageFile>;

/** An agent's single-choice question: the options the visitor may click, one answer at most. */
export const ChoiceOption = z.strictObject({text: z.string(), value: z.string()});
export type ChoiceOption = z.infer<typeof ChoiceOption>;

export const Choice = z.strictObject({options: z.array(ChoiceOption)});
export type Choice = z.infer<typeof Choice>;

/** On a visitor's message: it answers the question on message `messageId` with `value`. */
export const ChoiceAnswer = z.strictObject({
  messageId: z.string().check(z.minLength(1), z.maxLength(200)),
  value: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type ChoiceAnswer = z.infer<typeof ChoiceAnswer>;

/**
 * What visitors may upload in this conversation: the content types and size both Glia's engagement
 * and the proxy's own allow-list permit. Absent while queued or when file sending is not allowed.
 */
export const FilePolicy = z.strictObject({
  contentTypes: z.array(z.string()),
  maxBytes: z.int().check(z.minimum(1)),
});
export type FilePolicy = z.infer<typeof FilePolicy>;
