/**
 * @module A Server-Sent Events reader on node:http, as the widget reads the proxy's stream (a GET
 * with `Authorization`, resumable with `Last-Event-ID`). Each frame is handed over with the time
 * its last byte was parsed (`performance.now()` of this process).
 */
import http from 'node:http';
import {performance} from 'node:perf_hooks';
import type {Frame} from '../../src/kit/sse.js';
import {createFrameParser} from '../../src/kit/sse.js';

/** One SSE frame, parsed by the kit's parser (the widget's). */
export type SseFrame = Frame;

/** Every stream has its own socket: no pooling, no keep-alive after it ends. */
const streamAgent = new http.Agent({keepAlive: false, maxSockets: Infinity});

export interface SseHandlers {
  onOpen(status: number): void;
  onFrame(frame: SseFrame, receivedAt: number): void;
  /** The stream ended or failed; `error` when it failed. */
  onClose(error?: Error): void;
}

/** An open stream; `close()` ends it without calling `onClose`. */
export interface SseStream {
  close(): void;
}

/** Opens `url` as an event stream. */
export function openSse(
  url: string,
  headers: Record<string, string>,
  handlers: SseHandlers
): SseStream {
  let closedByUs = false;
  const req = http.get(
    url,
    {headers: {accept: 'text/event-stream', ...headers}, agent: streamAgent},
    (res) => {
      handlers.onOpen(res.statusCode ?? 0);
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', () => !closedByUs && handlers.onClose(new Error(`status ${res.statusCode}`)));
        return;
      }
      res.setEncoding('utf8');
      // Every frame completed by one chunk shares that chunk's arrival time.
      let now = 0;
      const feed = createFrameParser((frame) => handlers.onFrame(frame, now));
      res.on('data', (chunk: string) => {
        now = performance.now();
        feed(chunk);
      });
      res.on('end', () => !closedByUs && handlers.onClose());
      res.on('error', (error) => !closedByUs && handlers.onClose(error));
    }
  );
  req.on('socket', (socket) => socket.setNoDelay(true));
  req.on('error', (error) => !closedByUs && handlers.onClose(error));
  return {
    close: () => {
      closedByUs = true;
      req.destroy();
    },
  };
}
