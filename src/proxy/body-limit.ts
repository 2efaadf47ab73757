/**
 * @module A body-size limit that leaves the body on @hono/node-server's fast path. Hono's own
 * `bodyLimit` reads `c.req.raw.body`, and on Node that one property makes node-server build a
 * whole WHATWG `Request` with a web stream over the socket, for every request: about a third of
 * the proxy's CPU per webhook delivery (`npm run bench -- --profile`). A body that declares its
 * length (every `fetch` from a browser, every webhook delivery) is judged by `Content-Length`,
 * which Node's HTTP parser holds the body to, before a byte is read; only a chunked body, with no
 * declared length, is counted by Hono's `bodyLimit` as it streams in.
 */
import type {Context, MiddlewareHandler} from 'hono';
import {bodyLimit} from 'hono/body-limit';

/** Answers `tooLarge(c)` for a body over `maxBytes`; otherwise goes on, the body unread. */
export function limitBody(maxBytes: number, tooLarge: (c: Context) => Response): MiddlewareHandler {
  const counting = bodyLimit({maxSize: maxBytes, onError: tooLarge});
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) {
      return counting(c, next);
    }
    if (Number(length) > maxBytes) return tooLarge(c);
    await next();
    return undefined;
  };
}
