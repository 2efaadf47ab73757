/**
 * @module The two token exchanges (docs/glia.md, "Two token exchanges", "The simulator"): Service Credentials at
 * `/operator_authentication/tokens` → `{token, expires_in}`; legacy Site API keys at
 * `/sites/tokens` → `{access_token, expires_in}`. A Service Credential at the site endpoint gets
 * Glia's 422; a site key at the operator endpoint is unknown there (401).
 */
import {createHash, timingSafeEqual} from 'node:crypto';
import type {Context} from 'hono';
import {Hono} from 'hono';
import {TokenRequest} from '../../wire/glia/index.js';
import {issueToken} from '../auth.js';
import {unauthorized, validationError} from '../glia-errors.js';
import {readBody, readJsonBody, toDetails} from '../read-body.js';
import type {SimContext, SimEnv} from '../sim-context.js';
import type {Credential} from '../store.js';

/** Routes of the token exchanges. */
export function tokenRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.post('/operator_authentication/tokens', async (c) => {
    const raw = await readJsonBody(c, sim.config.maxBodyBytes);
    if (!raw.ok) return raw.response;
    // The endpoint also takes a legacy `api_token`; an empty body is reported against it (S8 probe).
    if (raw.data === undefined || isEmptyObject(raw.data)) {
      return validationError(c, [{attribute: 'api_token', detail: 'must be present'}]);
    }
    const parsed = TokenRequest.safeParse(raw.data);
    if (!parsed.success) return validationError(c, toDetails(parsed.error.issues, raw.data));
    const credential = check(sim, parsed.data.api_key_id, parsed.data.api_key_secret);
    if (!credential || credential.type !== 'service') return invalidKey(c);
    const {token, expiresIn} = issueToken(sim, credential);
    return c.json({token, expires_in: expiresIn});
  });

  app.post('/sites/tokens', async (c) => {
    const body = await readBody(c, TokenRequest, sim.config.maxBodyBytes);
    if (!body.ok) return body.response;
    const credential = check(sim, body.data.api_key_id, body.data.api_key_secret);
    if (!credential) return invalidKey(c);
    if (credential.type !== 'site') {
      return validationError(c, [
        {
          attribute: 'api_key_id',
          detail:
            'is not a site API key; exchange service credentials at /operator_authentication/tokens',
        },
      ]);
    }
    const {token, expiresIn} = issueToken(sim, credential);
    return c.json({access_token: token, expires_in: expiresIn});
  });

  return app;
}

/** The credential when the id is known and the secret matches, else undefined (no hint which). */
function check(sim: SimContext, apiKeyId: string, secret: string): Credential | undefined {
  const credential = sim.store.credentials.get(apiKeyId);
  return credential && sameSecret(credential.apiKeySecret, secret) ? credential : undefined;
}

/** Constant-time comparison: digests first, so the lengths always match. */
function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

function invalidKey(c: Context): Response {
  return unauthorized(c, 'Invalid api key', 'The api_key_id and api_key_secret pair is not valid');
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 0
  );
}
