/** @module Visitors (docs/glia.md, "Visitors"). */
import {z} from 'zod/mini';
import {GliaId, nullableString} from './common.js';

/** `POST /visitors` and `POST /visitors/{id}/token` answer with the same shape. */
export const VisitorCredentials = z.looseObject({
  id: GliaId,
  access_token: z.string().check(z.minLength(1)),
});
export type VisitorCredentials = z.infer<typeof VisitorCredentials>;

/** Custom attributes are a flat map; keys and values are strings (docs/glia.md, "Visitors"). */
export const CustomAttributes = z.record(z.string(), z.string());

export const Visitor = z.looseObject({
  href: z.optional(z.string()),
  id: GliaId,
  name: nullableString,
  email: nullableString,
  phone: nullableString,
  note: nullableString,
  custom_attributes: CustomAttributes,
  banned: z.boolean(),
  authenticated_attributes: z.optional(z.record(z.string(), z.unknown())),
  generated_name: z.optional(nullableString),
});
export type Visitor = z.infer<typeof Visitor>;

export const UpdateVisitorRequest = z.strictObject({
  name: z.optional(z.string()),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  note: z.optional(z.string()),
  note_update_method: z.optional(z.enum(['replace', 'append'])),
  /** With `merge`, a `null` value deletes that key. */
  custom_attributes: z.optional(z.record(z.string(), z.nullable(z.string()))),
  custom_attributes_update_method: z.optional(z.enum(['replace', 'merge'])),
  context: z.optional(z.record(z.string(), z.unknown())),
});
export type UpdateVisitorRequest = z.infer<typeof UpdateVisitorRequest>;
