/**
 * @module A Server-Sent Events reader on node:http, as the widget reads the proxy's stream (a GET
 * with `Authorization`, resumable with `Last-Event-ID`). Each frame is handed over with the time
 * its last byte was parsed (`performance.now()` of this process).
 */
import http from 'node:http';
import {performance} from 'node:perf_hooks';

/** One SSE frame. */
export interface SseFrame {
  id: string | undefined;
  event: string;
  data: string;
}

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
  let buffer = '';
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
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const now = performance.now();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame = parseBlock(block);
          if (frame) handlers.onFrame(frame, now);
        }
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

/** A block of lines → a frame; comments (`: ping`) and empty blocks → undefined. */
function parseBlock(block: string): SseFrame | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && id === undefined) return undefined;
  return {id, event, data: data.join('\n')};
}
