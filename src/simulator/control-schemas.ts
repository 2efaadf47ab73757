/** @module Request bodies of the simulator's control API (`/__sim/...`). Ours, not Glia's. */
import {z} from 'zod/mini';
import {ChoiceOptions, CredentialType, Policy} from '../wire/glia/index.js';
import {SHAPES} from './deps.js';

const OperatorName = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
});

export const AcceptRequest = z.strictObject({operator: z.optional(OperatorName)});
export const RejectRequest = z.strictObject({
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
const ContentType = z.string().check(z.regex(/^[\w.+-]+\/[\w.+-]+$/), z.maxLength(200));

/** An operator's file for the control API: its bytes in base64 (the operator "uploads" it). */
const OperatorFile = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  content_type: ContentType,
  data_base64: z.string().check(z.minLength(1), z.regex(/^[A-Za-z0-9+/=\s]+$/)),
});

export const OperatorAttachment = z.union([
  z.strictObject({
    type: z.literal('files'),
    files: z.array(OperatorFile).check(z.minLength(1), z.maxLength(10)),
  }),
  z.strictObject({
    type: z.literal('single_choice'),
    options: ChoiceOptions,
    image_url: z.optional(z.url()),
  }),
]);

export type OperatorAttachment = z.infer<typeof OperatorAttachment>;

/** `content` may be empty when files are attached, as in Glia (docs/glia.md, "Chat messages"). */
export const OperatorMessageRequest = z
  .strictObject({
    content: z.optional(z.string().check(z.maxLength(10_000))),
    attachment: z.optional(OperatorAttachment),
  })
  .check(
    z.refine((m) => (m.content ?? '').trim() !== '' || m.attachment?.type === 'files', {
      error: 'must be present unless files are attached',
      path: ['content'],
    })
  );

export const FileSendingRequest = z.strictObject({
  allowed: z.boolean(),
  content_types: z.optional(z.array(ContentType).check(z.maxLength(50))),
});
export const OperatorTypingRequest = z.strictObject({typing: z.boolean()});
export const TransferRequest = z.strictObject({operator: OperatorName});

export const RegisterCredentialRequest = z.strictObject({
  api_key_id: z.string().check(z.minLength(1), z.maxLength(200)),
  api_key_secret: z.string().check(z.minLength(1), z.maxLength(500)),
  type: CredentialType,
  policies: z.optional(z.array(Policy)),
});

const Ms = z.int().check(z.minimum(0), z.maximum(3_600_000));

export const ConfigRequest = z.strictObject({
  auto_operator: z.optional(
    z.union([
      z.literal(false),
      z.strictObject({
        accept_after_ms: Ms,
        reply_after_ms: Ms,
        operator_name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      }),
    ])
  ),
  token_ttl_seconds: z.optional(z.int().check(z.minimum(1))),
  visitor_token_ttl_seconds: z.optional(z.int().check(z.minimum(1))),
  message_status_delay_ms: z.optional(Ms),
  webhook_timeout_ms: z.optional(z.int().check(z.minimum(1), z.maximum(120_000))),
  file_scan: z.optional(z.strictObject({delay_ms: Ms, result: z.enum(['clean', 'infected'])})),
  file_scan_event: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  file_sending: z.optional(
    z.strictObject({
      allowed: z.boolean(),
      content_types: z.array(ContentType).check(z.maxLength(50)),
    })
  ),
  webhook_retry: z.optional(
    z.strictObject({attempts: z.int().check(z.minimum(1), z.maximum(20)), base_delay_ms: Ms})
  ),
  /** `recorded` (Glia's recorded and documented shapes) or `sparse` (what integrators confirm). */
  shapes: z.optional(z.enum(SHAPES)),
});
export type ConfigRequest = z.infer<typeof ConfigRequest>;

export const QueueUpdateRequest = z.strictObject({
  open: z.optional(z.boolean()),
  /** What the queue reports as its `average_wait_time`, in seconds; `null`: it reports none. */
  average_wait_time: z.optional(z.nullable(z.int().check(z.minimum(0), z.maximum(86_400)))),
});
