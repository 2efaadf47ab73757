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
