/**
 * @module Glia's error bodies: several generations of them (docs/glia.md, "Error bodies"). The proxy reads
 * whichever it gets into one message; the simulator answers with the shape each endpoint uses.
 */
import {z} from 'zod/mini';

/** 400 for a bad `Accept`. */
export const LegacyArrayError = z.array(
  z.looseObject({error: z.string(), message: z.string(), debug_message: z.optional(z.string())})
);
/** 401 and 403. */
export const LegacyObjectError = z.looseObject({
  message: z.string(),
  debug_message: z.optional(z.string()),
});
/** Newer services. */
export const PlatformError = z.looseObject({
  message: z.string(),
  type: z.string(),
  ref: z.optional(z.string()),
  error_details: z.optional(z.record(z.string(), z.unknown())),
});
/** 422 validation errors, two seen forms. */
export const ValidationError = z.looseObject({
  error: z.string(),
  status: z.optional(z.string()),
  details: z.union([
    z.array(z.looseObject({attribute: z.string(), detail: z.string()})),
    z.record(z.string(), z.array(z.string())),
  ]),
});
/** An unrouted path. */
export const RoutingError = z.looseObject({error_msg: z.string()});

/** Glia's message from any of its error shapes, or `undefined` when the body is none of them. */
export function gliaErrorMessage(body: unknown): string | undefined {
  const array = LegacyArrayError.safeParse(body);
  if (array.success && array.data[0]) return array.data[0].message;
  const validation = ValidationError.safeParse(body);
  if (validation.success) {
    const {details} = validation.data;
    const parts = Array.isArray(details)
      ? details.map((d) => `${d.attribute} ${d.detail}`)
      : Object.entries(details).map(([field, problems]) => `${field} ${problems.join(', ')}`);
    return `${validation.data.error}: ${parts.join('; ')}`;
  }
  const object = LegacyObjectError.safeParse(body);
  if (object.success) return object.data.message;
  const routing = RoutingError.safeParse(body);
  if (routing.success) return routing.data.error_msg;
  return undefined;
}
