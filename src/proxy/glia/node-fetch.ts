/**
 * @module The proxy's way to Glia on a real network: `node:http`/`node:https` with keep-alive
 * connections, answered with a web `Response` as from `fetch`, its body read from the socket as
 * it is read.
 *
 * A kept-alive connection can be closed by Glia (or a balancer before it) at the very moment it
 * is reused: the request then meets a closed socket and nothing comes back. Global `fetch`
 * (undici) fails such a call when it is not idempotent, so a session start (`POST /visitors`)
 * failed now and then at scale. Here such a call is sent once more, on a new connection, only when
 * the connection was a reused one and not one byte of an answer arrived on it: the server closed
 * it without reading the request (Node's advice for `request.reusedSocket`), so nothing is sent
 * twice. Idle connections are let go after `IDLE_MS`, before most servers close them.
 *
 * A streamed body (an upload) goes a chunk at a time, each written only once the socket took the
 * one before, on a connection of its own (a stream cannot be sent twice). Measured with
 * `npm run bench:files`: Node 20's `fetch` with a stream body and `duplex: 'half'` let ten
 * parallel 25 MB uploads grow the proxy by about their sum, this by next to nothing.
 *
 * Redirects of a GET are followed as `fetch` follows them (an `Authorization` header only to the
 * same origin).
 */
import http from 'node:http';
import type {ClientRequest, IncomingMessage} from 'node:http';
import https from 'node:https';
import {Readable} from 'node:stream';
import type {GliaFetch} from './glia-client.js';

type Init = Parameters<GliaFetch>[1];

/** How long an idle connection is kept for the next call (undici's default). */
export const IDLE_MS = 4000;

const pooled = {
  'http:': new http.Agent({keepAlive: true, timeout: IDLE_MS}),
  'https:': new https.Agent({keepAlive: true, timeout: IDLE_MS}),
};
/** New connections, closed after their answer: an upload's, and a resend's. */
const fresh = {
  'http:': new http.Agent({keepAlive: false}),
  'https:': new https.Agent({keepAlive: false}),
};

/** Statuses whose answer has no body (a `Response` with one would throw). */
const NO_BODY = new Set([101, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** The request met a reused connection that the server had closed: it never read it. */
class StaleConnection extends Error {}

export const nodeGliaFetch: GliaFetch = async (url, init) => {
  let target = new URL(url);
  let headers = init.headers;
  for (let hops = 0; ; hops++) {
    const response = await send(target, {...init, headers});
    const location = response.headers.get('location');
    const method = init.method.toUpperCase();
    if (!REDIRECTS.has(response.status) || !location || (method !== 'GET' && method !== 'HEAD'))
      return response;
    if (hops >= MAX_REDIRECTS) throw new TypeError('too many redirects');
    await response.body?.cancel();
    const next = new URL(location, target);
    if (next.origin !== target.origin)
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization')
      );
    target = next;
  }
};

/** One call: on a kept-alive connection, sent once more on a new one if that one was stale. */
async function send(target: URL, init: Init): Promise<Response> {
  const agents = agentsFor(target);
  const {body} = init;
  if (body instanceof ReadableStream) return once(target, init, agents.fresh, body);
  try {
    return await once(target, init, agents.pooled, body);
  } catch (error) {
    if (!(error instanceof StaleConnection) || init.signal?.aborted) throw error;
    return once(target, init, agents.fresh, body);
  }
}

function agentsFor(target: URL) {
  if (target.protocol === 'http:') return {pooled: pooled['http:'], fresh: fresh['http:']};
  if (target.protocol === 'https:') return {pooled: pooled['https:'], fresh: fresh['https:']};
  throw new TypeError(`cannot call ${target.protocol} URLs`);
}

function once(
  target: URL,
  init: Init,
  agent: http.Agent,
  body: string | ReadableStream<Uint8Array> | undefined
): Promise<Response> {
  const transport = target.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {...init.headers};
  if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    let bytesBefore = 0;
    const req = transport.request(
      target,
      {method: init.method, headers, agent, signal: init.signal},
      (res: IncomingMessage) => {
        answered = true;
        resolve(toResponse(res, init.method));
      }
    );
    req.once('socket', (socket) => {
      bytesBefore = socket.bytesRead;
      // Calls are small and answered at once: no Nagle delay.
      socket.setNoDelay(true);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale =
        !answered &&
        req.reusedSocket &&
        (req.socket?.bytesRead ?? bytesBefore) === bytesBefore &&
        (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(stale ? new StaleConnection(error.message, {cause: error}) : error);
    });
    if (body instanceof ReadableStream) void pump(body, req);
    else req.end(body);
  });
}

function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 502;
  const empty = NO_BODY.has(status) || method.toUpperCase() === 'HEAD';
  if (empty) res.resume();
  return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}

/** Writes `body` to `req` as the socket drains; stops (and cancels `body`) if `req` goes first. */
async function pump(body: ReadableStream<Uint8Array>, req: ClientRequest): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      if (req.destroyed) throw new Error('the request to Glia ended');
      if (!req.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            req.off('drain', go);
            req.off('close', go);
            resolve();
          };
          req.once('drain', go);
          req.once('close', go);
        });
      }
    }
    req.end();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    req.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
