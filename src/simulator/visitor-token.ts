/**
 * @module The visitor access token: an HS512 JWT shaped like the one in Glia's docs
 * (docs/glia.md, "The visitor's token"): `sub: application:<api_key_id>`, visitor and site_visitor roles,
 * `iss: "SaleMove API"`, `iat`, `exp`.
 */
import {createHmac, timingSafeEqual} from 'node:crypto';

/** The claims the simulator reads back. */
export interface VisitorClaims {
  visitorId: string;
  siteId: string;
  apiKeyId: string;
  exp: number;
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Signs a visitor token valid from `nowMs` for `ttlSeconds`. */
export function signVisitorToken(
  secret: string,
  claims: {visitorId: string; siteId: string; apiKeyId: string},
  nowMs: number,
  ttlSeconds: number
): string {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({alg: 'HS512', typ: 'JWT'}));
  const payload = base64url(
    JSON.stringify({
      sub: `application:${claims.apiKeyId}`,
      roles: [
        {type: 'visitor', visitor_id: claims.visitorId},
        {type: 'site_visitor', site_id: claims.siteId},
      ],
      iss: 'SaleMove API',
      iat,
      exp: iat + ttlSeconds,
    })
  );
  return `${header}.${payload}.${sign(secret, `${header}.${payload}`)}`;
}

/** The claims of a well-signed token, `'expired'`, or `undefined` when it is not ours. */
export function verifyVisitorToken(
  secret: string,
  token: string,
  nowMs: number
): VisitorClaims | 'expired' | undefined {
  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(secret, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: unknown;
      roles?: {type?: unknown; visitor_id?: unknown; site_id?: unknown}[];
      exp?: unknown;
    };
    const visitorId = claims.roles?.find((r) => r.type === 'visitor')?.visitor_id;
    const siteId = claims.roles?.find((r) => r.type === 'site_visitor')?.site_id;
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    if (
      typeof visitorId !== 'string' ||
      typeof siteId !== 'string' ||
      typeof claims.exp !== 'number'
    )
      return undefined;
    if (claims.exp * 1000 <= nowMs) return 'expired';
    return {visitorId, siteId, apiKeyId: sub.replace(/^application:/, ''), exp: claims.exp};
  } catch {
    return undefined;
  }
}

function sign(secret: string, input: string): string {
  return createHmac('sha512', secret).update(input).digest('base64url');
}
