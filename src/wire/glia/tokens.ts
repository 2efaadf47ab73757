/**
 * @module The two token exchanges (docs/glia.md, "Two token exchanges").
 * Service Credentials: `POST /operator_authentication/tokens` → `{token}`.
 * Legacy Site API keys: `POST /sites/tokens` → `{access_token}`.
 */
import {z} from 'zod/mini';

export const TokenRequest = z.strictObject({
  api_key_id: z.string().check(z.minLength(1)),
  api_key_secret: z.string().check(z.minLength(1)),
  /** One integrator sends it to `/sites/tokens`; optional (docs/glia.md, "Two token exchanges"). */
  site_ids: z.optional(z.array(z.string())),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

/** `expires_in` is read if present by Glia's CLI, which otherwise assumes 55 minutes. */
export const OperatorTokenResponse = z.looseObject({
  token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.number()),
});
export type OperatorTokenResponse = z.infer<typeof OperatorTokenResponse>;

export const SiteTokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.number()),
});
export type SiteTokenResponse = z.infer<typeof SiteTokenResponse>;
