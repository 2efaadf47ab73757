/** @module The one error shape of every proxy answer that is not a success. */
import {z} from 'zod/mini';

/** The handoff step an error happened in, so an administrator knows where to look. */
export const HandoffStep = z.enum([
  'config',
  'token',
  'create-visitor',
  'update-visitor',
  'queue',
  'queue-ticket',
  'send-message',
  'typing',
  'end',
  'operator',
]);
export type HandoffStep = z.infer<typeof HandoffStep>;

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    /** Machine-readable, kebab-case: `validation`, `rate-limited`, `not-found`, `glia-unavailable`, … */
    code: z.string(),
    /** Plain words for a person. */
    message: z.string(),
    step: z.optional(HandoffStep),
    /** What to do about it. */
    hint: z.optional(z.string()),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
