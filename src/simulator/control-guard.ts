/**
 * @module Keeps web pages out of the control API. A page on any origin can make a browser POST
 * `text/plain`, a form or an empty body to the simulator without asking first (no CORS preflight),
 * and the control API can reset the simulator, end engagements or speak as an agent. So a request
 * that changes something must carry its body as `Content-Type: application/json` (which a page
 * cannot send cross-origin without a preflight the simulator never grants), and one that says it
 * comes from another page's origin is refused outright; the console is served from the simulator's
 * own origin, and tests, the demo and `doctor` send no `Origin`.
 */
import type {Context, Next} from 'hono';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Middleware for `/__sim/*`: 415 for a body that is not JSON, 403 for another origin's request. */
export async function controlGuard(c: Context, next: Next): Promise<Response | void> {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    return c.json(
      {
        error: {
          code: 'cross_origin',
          message: `The control API takes no requests from web pages on other origins (got Origin ${origin.slice(0, 100)}).`,
        },
      },
      403
    );
  }
  const type = c.req.header('content-type');
  const length = c.req.header('content-length');
  const hasBody =
    (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  const json = type !== undefined && /^application\/json\s*(;|$)/i.test(type.trim());
  if ((type !== undefined || hasBody) && !json) {
    return c.json(
      {
        error: {
          code: 'unsupported_media_type',
          message:
            'The control API takes JSON bodies only: send them with Content-Type: application/json.',
        },
      },
      415
    );
  }
  return next();
}
