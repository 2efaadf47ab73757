/**
 * @module Glia's webhook deliveries straight off Node's request. A delivery is the proxy's most
 * frequent request (one per chat event), and through @hono/node-server each one cost a Request,
 * its Headers, a Context, the router and the middleware chain before the handler ran, and a
 * Response to translate back after (`npm run bench -- --profile`). This path answers
 * `POST /handoff/webhooks/glia/:sessionId` with the same decision as the Hono route
 * (`webhookReceiver`), and keeps everything the middleware did for it: the body limit, the
 * `X-Request-Id`, the request log line and the answer to a store that is down. Any other request
 * goes on to Hono.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ErrorBody} from '../wire/handoff/index.js';
import {WEBHOOK_SECRET_HEADER} from './handoff.js';
import {NO_STORE} from './http.js';
import type {Logger} from './logger.js';
import type {Delivery, DeliveryAnswer} from './routes/webhooks.js';

/** Handles the request and returns true, or returns false and leaves it to the next handler. */
export type NodeFastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

/** An answer to a request that failed in the proxy (the app's `onError`, in one place). */
export interface FailureAnswer {
  status: 500 | 503;
  error: ErrorBody['error'];
  headers?: Record<string, string>;
}

export interface WebhookFastPathDeps {
  receive: (delivery: Delivery) => Promise<DeliveryAnswer>;
  logger: Logger;
  randomUUID: () => string;
  now: () => number;
  maxBodyBytes: number;
  failure: (error: unknown, log: Logger, path: string) => FailureAnswer;
}

const ROUTE = /^\/handoff\/webhooks\/glia\/([^/?]+)(?:\?.*)?$/;

class TooLarge extends Error {}

/** The caller's `X-Request-Id` when it is a sane one, as Hono's `requestId` takes it. */
function givenRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && header.length <= 255 && !/[^\w\-=]/.test(header)
    ? header
    : undefined;
}

/** The body as text, refused past `maxBytes` (by its Content-Length, or as it streams in). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        request.pause();
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    request.once('error', reject);
  });
}

/** One delivery's answer: what writing it needs. */
interface Exchange {
  response: ServerResponse;
  log: Logger;
  requestId: string;
  path: string;
  started: number;
  now: () => number;
}

/** Answers a delivery and logs it (a function of its own, not a closure per delivery). */
function answer(
  {response, log, requestId, path, started, now}: Exchange,
  status: number,
  body?: unknown,
  headers?: Record<string, string>
): void {
  // A delivery is machine traffic, counted in the metrics: logged at debug unless refused.
  log[status < 400 ? 'debug' : 'info']('request', {
    method: 'POST',
    path,
    status,
    ms: now() - started,
  });
  if (body === undefined) {
    response.writeHead(status, {'X-Request-Id': requestId});
    response.end();
    return;
  }
  const json = JSON.stringify(body);
  response.writeHead(status, {
    ...NO_STORE,
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(json)),
    'X-Request-Id': requestId,
  });
  response.end(json);
}

export function webhookFastPath(deps: WebhookFastPathDeps): NodeFastPath {
  const {receive, logger, randomUUID, now, maxBodyBytes, failure} = deps;
  const tooLarge = {
    error: {code: 'too-large', message: `The body is larger than ${maxBodyBytes} bytes.`},
  };

  return (request, response) => {
    if (request.method !== 'POST') return false;
    const match = ROUTE.exec(request.url ?? '');
    if (!match) return false;
    let sessionId: string;
    try {
      sessionId = decodeURIComponent(match[1] as string);
    } catch {
      return false;
    }
    const receivedAt = performance.now();
    const started = now();
    const requestId = givenRequestId(request.headers['x-request-id']) ?? randomUUID();
    const log = logger.child({requestId});
    const path = (request.url ?? '').split('?')[0] as string;
    const exchange: Exchange = {response, log, requestId, path, started, now};
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      answer(exchange, 413, tooLarge, {Connection: 'close'});
      request.resume();
      return true;
    }
    const secret = request.headers[WEBHOOK_SECRET_HEADER];
    receive({
      sessionId,
      secret: typeof secret === 'string' ? secret : '',
      // A method, not an arrow: tsx (esbuild's keepNames) names each arrow it makes at run time,
      // a property write per delivery.
      body() {
        return readBody(request, maxBodyBytes);
      },
      log,
      receivedAt,
    }).then(
      (result) => {
        if (result.status === 204) answer(exchange, 204);
        else answer(exchange, result.status, {error: result.error});
        // A refusal that did not read the body (unknown session, wrong secret) drains it.
        request.resume();
      },
      (error: unknown) => {
        if (error instanceof TooLarge) {
          // Read no more of it: answer, then close the connection.
          response.once('finish', () => request.destroy());
          answer(exchange, 413, tooLarge, {Connection: 'close'});
          return;
        }
        const {status, error: body, headers} = failure(error, log, path);
        answer(exchange, status, {error: body}, headers);
        request.resume();
      }
    );
    return true;
  };
}
