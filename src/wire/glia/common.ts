/**
 * @module Shared pieces of Glia's REST API: ids, the vendor media type, policies.
 * Facts and their sources: docs/glia.md, "Conventions", "Authentication".
 */
import {z} from 'zod/mini';

/** Glia negotiates the API version by media type and wants it requested explicitly (docs/glia.md, "Conventions"). */
export const GLIA_ACCEPT = 'application/vnd.salemove.v1+json';

/** Every Glia id is a UUID v4 string (docs/glia.md, "Conventions"). */
export const GliaId = z.uuid();

/** Blank fields come back as `null`, not omitted (docs/glia.md, "Conventions"). */
export const nullableString = z.nullable(z.string());

/**
 * An id Glia sent us: any non-empty string. Ids we send are UUIDs, but what Glia sends is only
 * read, and its own samples carry ids that are not UUIDs (docs/glia.md, "What we relaxed").
 */
export const GliaRef = z.string().check(z.minLength(1));

const nullAsAbsent = (value: unknown): unknown => (value === null ? undefined : value);

/**
 * A field of a Glia answer or webhook that the proxy reads but cannot count on: absent, `null` or
 * of another type, it reads as `undefined` instead of failing the whole body. The reader that
 * uses the field decides on a default and reports the gap (src/proxy/glia/read-glia.ts).
 */
export const maybe = <T extends z.ZodMiniType>(schema: T) => {
  const read = z.catch(z.optional(schema), undefined);
  // Glia writes a blank field as `null`: read as absent before the check, since a failed check
  // that `catch` turns into `undefined` builds its issue first (about 5 µs each, and a delivery
  // carries several such fields). The output is `read`'s; only the accepted input is wider.
  return z.pipe(z.transform(nullAsAbsent), read) as unknown as typeof read;
};

/** A Glia answer object of which nothing is certain: anything that is not an object reads as `{}`. */
export const tolerantObject = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.catch(z.looseObject(shape), () => ({}) as z.infer<z.ZodMiniObject<T, z.core.$loose>>);

/**
 * The permissions ("policies") a credential needs for the handoff. Glia's own names are not
 * published (docs/glia.md, "Permissions"); these are the snake_case forms of the names in the
 * community thread, and the simulator names them in its 403s.
 */
export const POLICIES = [
  'create_visitor',
  'fetch_visitor',
  'update_visitor',
  'create_queue_ticket',
  'fetch_queue',
  'fetch_engagement',
  'update_engagement',
  'fetch_engagement_requests',
] as const;
export const Policy = z.enum(POLICIES);
export type Policy = z.infer<typeof Policy>;

/** Legacy Site API keys start with `gls_` (case-insensitive): Glia's own test apps route on this. */
export const isSiteApiKeySecret = (secret: string): boolean => /^gls_/i.test(secret);

export const CREDENTIAL_TYPES = ['site', 'service'] as const;
export const CredentialType = z.enum(CREDENTIAL_TYPES);
export type CredentialType = z.infer<typeof CredentialType>;
