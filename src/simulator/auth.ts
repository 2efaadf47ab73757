/**
 * @module Who is calling and what they may do: service and site tokens (opaque, stored with
 * their expiry), visitor tokens (signed JWTs), and the policy check. A visitor token carries no
 * policies of its own; calls made with it are checked against the credential that created the
 * visitor.
 */
import type {Context} from 'hono';
import type {Policy} from '../wire/glia/index.js';
import {authorizationMissing, forbidden, invalidToken} from './glia-errors.js';
import type {CredentialKind} from './request-log.js';
import type {Principal, SimContext} from './sim-context.js';
import type {Credential} from './store.js';
import {verifyVisitorToken} from './visitor-token.js';

/** Mints a service or site bearer token for `credential`; returns it and its lifetime. */
export function issueToken(
  sim: SimContext,
  credential: Credential
): {token: string; expiresIn: number} {
  const token = `sim_${credential.type}_${sim.deps.randomUUID().replaceAll('-', '')}`;
  const expiresIn = sim.config.tokenTtlSeconds;
  sim.store.tokens.set(token, {
    apiKeyId: credential.apiKeyId,
    type: credential.type,
    expiresAt: sim.deps.now() + expiresIn * 1000,
  });
  return {token, expiresIn};
}

/** The credential kind a request presents, for the request log (no validation beyond recognition). */
export function credentialKindOf(
  sim: SimContext,
  authorization: string | undefined
): CredentialKind {
  const token = bearer(authorization);
  if (!token) return 'none';
  const issued = sim.store.tokens.get(token);
  if (issued) return issued.type;
  const claims = verifyVisitorToken(sim.jwtSecret, token, 0);
  return claims && claims !== 'expired' ? 'visitor' : 'none';
}

/** What a route requires. */
export interface Requirement {
  /** The token kinds the route serves; others get 403. */
  allow: readonly Principal['kind'][];
  /** The policy the (creating) credential must hold. */
  policy?: Policy;
}

/** The caller, or the 401/403 to answer with. */
export function authorize(
  sim: SimContext,
  c: Context,
  requirement: Requirement
): Principal | Response {
  const authorization = c.req.header('authorization');
  if (!authorization) return authorizationMissing(c);
  const token = bearer(authorization);
  if (!token) return authorizationMissing(c);
  const principal = resolve(sim, token);
  if (principal === 'expired') return invalidToken(c, 'The access token has expired');
  if (!principal) return invalidToken(c);
  if (!requirement.allow.includes(principal.kind)) {
    return forbidden(
      c,
      `You don't have permissions to do this with a ${principal.kind} token`,
      `This endpoint takes a ${requirement.allow.join(' or ')} token`
    );
  }
  if (requirement.policy && !principal.credential.policies.has(requirement.policy)) {
    return forbidden(
      c,
      `You don't have permissions to ${requirement.policy.replaceAll('_', ' ')}`,
      `Missing policy: ${requirement.policy} (credential ${principal.credential.apiKeyId})`
    );
  }
  return principal;
}

function resolve(sim: SimContext, token: string): Principal | 'expired' | undefined {
  const issued = sim.store.tokens.get(token);
  if (issued) {
    if (issued.expiresAt <= sim.deps.now()) return 'expired';
    const credential = sim.store.credentials.get(issued.apiKeyId);
    return credential ? {kind: credential.type, credential} : undefined;
  }
  const claims = verifyVisitorToken(sim.jwtSecret, token, sim.deps.now());
  if (!claims || claims === 'expired') return claims;
  const visitor = sim.store.visitors.get(claims.visitorId);
  const credential = sim.store.credentials.get(claims.apiKeyId);
  if (!visitor || !credential) return undefined;
  return {kind: 'visitor', visitor, credential};
}

function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
