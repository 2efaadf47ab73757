/**
 * @module How a Glia connection is configured: the environment variables the proxy and `doctor`
 * share (docs/operations.md, "Configuration"). Each check carries a message that says what is wrong in words
 * and never repeats a secret's value.
 */
import {z} from 'zod/mini';

export const DEFAULT_GLIA_API_BASE = 'https://api.glia.com';

/** `auto` routes on the secret's prefix (`gls_` = legacy Site API key); the others force a type. */
export const CREDENTIAL_TYPE_SETTINGS = ['auto', 'service', 'site'] as const;
export const CredentialTypeSetting = z.enum(CREDENTIAL_TYPE_SETTINGS, {
  error: 'must be auto, service or site',
});
export type CredentialTypeSetting = z.infer<typeof CredentialTypeSetting>;

/**
 * True for an absolute http(s) URL with a host, no query and no fragment. The explicit host test
 * matters: WHATWG URL parsing reads `https:///visitors` (an empty base plus a path, the failure in
 * the community thread) as the host `visitors`.
 */
export function isHttpBaseUrl(value: string): boolean {
  if (!/^https?:\/\/[^/?#\s]+/i.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.search === '' && url.hash === '';
}

/** A base URL, trailing slashes removed so paths can be appended with `/`; `example` is for the message. */
export const httpBaseUrl = (example: string) =>
  z.pipe(
    z
      .string()
      .check(z.refine(isHttpBaseUrl, `must be an http(s) URL with a host, like ${example}`)),
    z.transform((value: string) => value.replace(/\/+$/, ''))
  );

/** Glia's API base URL. */
export const GliaApiBase = httpBaseUrl(DEFAULT_GLIA_API_BASE);

const required = (what: string) =>
  z.string({error: `is not set: ${what}`}).check(z.trim(), z.minLength(1, `is empty: ${what}`));

/** The variables of a Glia connection. Unset `GLIA_API_BASE` means production US; empty is an error. */
export const GliaEnv = z.object({
  GLIA_API_BASE: z._default(GliaApiBase, DEFAULT_GLIA_API_BASE),
  GLIA_SITE_ID: z.uuid({
    error: (issue) =>
      issue.input === undefined
        ? 'is not set: the id of your Glia site'
        : 'must be a UUID (the site id in Glia Hub)',
  }),
  GLIA_QUEUE_ID: z.uuid({
    error: (issue) =>
      issue.input === undefined
        ? 'is not set: the id of the queue to hand off to'
        : 'must be a UUID (the queue id in Glia Hub)',
  }),
  GLIA_API_KEY_ID: required('the API key id of a Service Credential or Site API key'),
  GLIA_API_KEY_SECRET: required('the API key secret of that credential'),
  GLIA_CREDENTIAL_TYPE: z._default(CredentialTypeSetting, 'auto'),
});
export type GliaEnv = z.infer<typeof GliaEnv>;

/** Variables whose values must never appear in a message, a log line or a response. */
export const SECRET_ENV_VARS = ['GLIA_API_KEY_SECRET', 'REDIS_URL'] as const;
