/**
 * @module The simulator's default webhook transport: one request on node:http(s) with keep-alive
 * connections, answered with the receiver's status. Glia's deliveries are plain POSTs whose answer
 * body nobody reads, and undici's `fetch` spends most of the simulator's CPU building WHATWG
 * requests, headers and streams for them (`npm run bench -- --profile`): this costs a third as
 * much, so that a benchmark on one machine measures the proxy rather than the simulator. Redirects
 * are not followed, as Glia is not known to follow them either.
 */
import http from 'node:http';
import https from 'node:https';
import type {WebhookFetch} from './deps.js';

const agents = {
  'http:': new http.Agent({keepAlive: true, maxSockets: 256}),
  'https:': new https.Agent({keepAlive: true, maxSockets: 256}),
};

/** Delivers one webhook; rejects on a network error or when `signal` aborts. */
export const httpWebhookFetch: WebhookFetch = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport =
      target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!transport) {
      reject(new TypeError(`cannot deliver to ${target.protocol} URLs`));
      return;
    }
    const request = transport.request(
      target,
      {
        method: init.method,
        headers: {...init.headers, 'content-length': String(Buffer.byteLength(init.body))},
        agent: agents[target.protocol as keyof typeof agents],
        signal: init.signal,
      },
      (response) => {
        // The body is not needed, but it must be read for the connection to be reused.
        response.resume();
        response.once('end', () =>
          resolve(new Response(null, {status: response.statusCode ?? 502}))
        );
        response.once('error', reject);
      }
    );
    request.once('error', reject);
    request.end(init.body);
  });
