/** @module Visitors (docs/glia.md, "Visitors"). */
import {z} from 'zod/mini';
import {GliaRef, maybe, tolerantObject} from './common.js';

/** `POST /visitors` and `POST /visitors/{id}/token`: both fields are needed, nothing else is read. */
export const VisitorCredentials = z.looseObject({
  id: GliaRef,
  access_token: z.string().check(z.minLength(1)),
});
export type VisitorCredentials = z.infer<typeof VisitorCredentials>;

/** Custom attributes are a flat map; keys and values are strings (docs/glia.md, "Visitors"). */
export const CustomAttributes = z.record(z.string(), z.string());

/** A visitor as Glia shows it (`GET`/`PATCH /sites/{site}/visitors/{id}`): the proxy reads none of it. */
export const Visitor = tolerantObject({
  id: maybe(GliaRef),
  href: maybe(z.string()),
  name: maybe(z.string()),
  note: maybe(z.string()),
  custom_attributes: maybe(z.record(z.string(), z.string())),
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
