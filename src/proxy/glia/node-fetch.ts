/**
 * @module The proxy's way to Glia on a real network: global `fetch`, except for a streamed body
 * (an upload), which goes through `node:http`/`node:https` a chunk at a time, each written only
 * once the socket took the one before. Measured with `npm run bench:files`: Node 20's `fetch`
 * (undici) with a stream body and `duplex: 'half'` let ten parallel 25 MB uploads grow the
 * proxy by about their sum, this by next to nothing. The answer is a web `Response` as from
 * `fetch`, its body read from the socket as it is read.
 */
import {request as httpRequest} from 'node:http';
import type {ClientRequest, IncomingMessage} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {Readable} from 'node:stream';
import type {GliaFetch} from './glia-client.js';

/** Statuses whose answer has no body (a `Response` with one would throw). */
const NO_BODY = new Set([101, 204, 205, 304]);

export const nodeGliaFetch: GliaFetch = (url, init) => {
  const {body} = init;
  if (!(body instanceof ReadableStream)) {
    const {duplex: _duplex, ...rest} = init;
    return fetch(url, {...rest, body});
  }
  return streamed(url, {...init, body});
};

function streamed(
  url: string,
  init: Parameters<GliaFetch>[1] & {body: ReadableStream<Uint8Array>}
): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      target,
      {method: init.method, headers: init.headers, signal: init.signal},
      (res: IncomingMessage) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined)
            headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = res.statusCode ?? 502;
        resolve(
          new Response(
            NO_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>),
            {
              status,
              statusText: res.statusMessage ?? '',
              headers,
            }
          )
        );
      }
    );
    req.on('error', reject);
    void pump(init.body, req);
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
