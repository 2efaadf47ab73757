/**
 * @module Files and choices on chat messages (docs/glia.md, "Files and choices", "Chat messages"): the upload answer, the
 * attachments a message carries, the scan result's webhook, and the engagement's file permissions.
 * What is sent is strict; what is read is loose, and an attachment we cannot read is left out of
 * the message rather than failing it.
 */
import {z} from 'zod/mini';
import {GliaId} from './common.js';

/** Glia's documented limit for one upload (5 MB for SMS and WhatsApp, which we do not use). */
export const GLIA_MAX_FILE_BYTES = 25 * 1024 * 1024;

/** `POST /engagements/{id}/files` → `{file_id, security_scanning_required}`. */
export const UploadFileResponse = z.looseObject({
  file_id: GliaId,
  security_scanning_required: z.optional(z.boolean()),
});
export type UploadFileResponse = z.infer<typeof UploadFileResponse>;

export const ChoiceOption = z.looseObject({text: z.string(), value: z.string()});

/** A single-choice question's options: 1 to 20, each a short text and the value sent back. */
export const ChoiceOptions = z
  .array(
    z.strictObject({
      text: z.string().check(z.minLength(1), z.maxLength(200)),
      value: z.string().check(z.minLength(1), z.maxLength(200)),
    })
  )
  .check(z.minLength(1), z.maxLength(20));

/** What a visitor or operator attaches when sending (docs/glia.md, "Chat messages"). */
export const OutgoingAttachment = z.union([
  z.strictObject({
    type: z.literal('files'),
    files: z.array(z.strictObject({id: GliaId})).check(z.minLength(1), z.maxLength(10)),
  }),
  z.strictObject({
    type: z.literal('single_choice'),
    options: ChoiceOptions,
    image_url: z.optional(z.string()),
  }),
  z.strictObject({
    type: z.literal('single_choice_response'),
    selected_option: z.string().check(z.minLength(1), z.maxLength(200)),
  }),
]);
export type OutgoingAttachment = z.infer<typeof OutgoingAttachment>;

/** A file on a received message: fetched from `url` with a token; `deleted` once Glia removed it. */
export const MessageFile = z.looseObject({
  url: z.string(),
  name: z.optional(z.nullable(z.string())),
  content_type: z.optional(z.nullable(z.string())),
  deleted: z.optional(z.boolean()),
  size: z.optional(z.nullable(z.number())),
});
export type MessageFile = z.infer<typeof MessageFile>;

/** The attachments of a received message that the handoff understands. */
export const IncomingAttachment = z.union([
  z.looseObject({type: z.literal('files'), files: z.array(MessageFile)}),
  z.looseObject({
    type: z.literal('single_choice'),
    options: z.array(ChoiceOption),
    image_url: z.optional(z.nullable(z.string())),
  }),
  z.looseObject({type: z.literal('single_choice_response'), selected_option: z.string()}),
]);
export type IncomingAttachment = z.infer<typeof IncomingAttachment>;

/** A received message's attachment when it is one we understand; anything else is `undefined`. */
export function readAttachment(raw: unknown): IncomingAttachment | undefined {
  // Most messages carry none: no parse, whose failure would build its issues for nothing.
  if (raw === undefined || raw === null) return undefined;
  const parsed = IncomingAttachment.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The id of a file from its URL (`…/engagements/{id}/files/{file_id}`, docs/glia.md, "Files and choices"): the
 * proxy fetches by id from its own configured base, never from a URL a message carried.
 */
export function fileIdFromUrl(url: string): string | undefined {
  const id = /\/files\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url)?.[1];
  return id && GliaId.safeParse(id).success ? id : undefined;
}

/**
 * [SIM-CHOICE] The scan result's webhook. Glia says a webhook reports it but not its name or body
 * (docs/glia.md, "Files and choices"), so the name is configured on both sides and the body read loosely: the file's
 * id from `file.id` or `file_id`, the verdict from `file.security_scan_result`, `file.status` or
 * `result`.
 */
export const DEFAULT_FILE_SCAN_EVENT = 'engagement.file.security_scan';

export const FileScanEvent = z.looseObject({
  event_type: z.string(),
  file_id: z.optional(GliaId),
  file: z.optional(
    z.looseObject({
      id: z.optional(GliaId),
      engagement_id: z.optional(GliaId),
      security_scan_result: z.optional(z.string()),
      status: z.optional(z.string()),
    })
  ),
  result: z.optional(z.string()),
});

/**
 * The file and verdict of a scan delivery, or `undefined` when it names no file. `clean` is
 * `undefined` while the scan says it is still running.
 */
export function readFileScan(
  raw: unknown
): {fileId: string; clean: boolean | undefined; engagementId?: string} | undefined {
  const parsed = FileScanEvent.safeParse(raw);
  if (!parsed.success) return undefined;
  const {file, file_id, result} = parsed.data;
  const fileId = file?.id ?? file_id;
  if (!fileId) return undefined;
  const verdict = (file?.security_scan_result ?? file?.status ?? result ?? '').toLowerCase();
  return {
    fileId,
    // A scan still running says nothing yet; any verdict but a clean one keeps the file unsent.
    clean: STILL_SCANNING.has(verdict) ? undefined : CLEAN.has(verdict),
    ...(file?.engagement_id ? {engagementId: file.engagement_id} : {}),
  };
}

const CLEAN = new Set(['clean', 'passed', 'ok']);
const STILL_SCANNING = new Set(['', 'pending', 'scanning', 'in_progress', 'queued', 'started']);

/**
 * [SIM-CHOICE] The engagement's file permissions. The JS SDK names them `allowFileSending` and
 * `allowedFileContentTypes`; the REST field names are not published, so their snake_case forms
 * are read when present.
 */
export const EngagementFilePermissions = z.looseObject({
  allow_file_sending: z.optional(z.nullable(z.boolean())),
  allowed_file_content_types: z.optional(z.nullable(z.array(z.string()))),
});
