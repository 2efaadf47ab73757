/**
 * @module Server-Sent Events (WHATWG HTML §9.2) written straight to Node's response when the proxy
 * runs on @hono/node-server, and through a web `ReadableStream` anywhere else (`app.request()` in
 * the tests). Hono's `streamSSE` always takes the web-stream road: a TransformStream, its writer and
 * node-server's reader loop for every frame, and a Context, a Request and three Headers kept alive
 * for as long as the stream is open. With thousands of open streams that was a large share of the
 * proxy's CPU per message and of its memory per stream (`npm run bench -- --profile`), so the
 * frames here go to `ServerResponse.write`, with its backpressure.
 */
import type {ServerResponse} from 'node:http';
import {RESPONSE_ALREADY_SENT} from '@hono/node-server/utils/response';
import type {Context} from 'hono';

/** One open event stream. */
export interface SseStream {
  /** Writes one frame or comment; resolves once the connection can take more. */
  write(text: string): Promise<void>;
  /** True once the client went away or `end()` was called. */
  readonly closed: boolean;
  /** Calls `listener` once, when the client goes away. */
  onClose(listener: () => void): void;
  /** Ends the response; one whose reader stopped (writes waiting) is cut, and its write resolves. */
  end(): void;
}

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  // Like every session route: a replay holds the transcript.
  'Cache-Control': 'no-store',
  // nginx buffers responses unless told not to.
  'X-Accel-Buffering': 'no',
  Vary: 'Origin',
};

/**
 * Answers `c` with an event stream and hands it to `run`, which writes until it returns; the
 * response ends then. Headers set earlier on `c` (CORS, request id) are sent with it.
 */
export function respondWithSse(c: Context, run: (stream: SseStream) => Promise<void>): Response {
  const head = c.body(null, 200, SSE_HEADERS);
  const outgoing = (c.env as {outgoing?: ServerResponse} | undefined)?.outgoing;
  if (outgoing) {
    void runToEnd(new NodeSseStream(outgoing, head), run);
    return RESPONSE_ALREADY_SENT;
  }
  let web: WebSseStream | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        web = webStream(controller);
        void runToEnd(web, run);
      },
      pull() {
        web?.pulled();
      },
      cancel() {
        web?.cancel();
      },
    },
    // Like a socket's buffer: a reader that stops leaves the writer waiting, as on Node.
    new CountQueuingStrategy({highWaterMark: WEB_QUEUED_FRAMES})
  );
  return new Response(body, {status: 200, headers: head.headers});
}

async function runToEnd(stream: SseStream, run: (stream: SseStream) => Promise<void>) {
  try {
    await run(stream);
  } finally {
    stream.end();
  }
}

/**
 * A stream on Node's response. A class, not an object of closures: one of these lives as long as
 * its stream, and at 10,000 streams each closure and each accessor of a literal counts (an object
 * literal with a getter has a hidden class of its own).
 */
class NodeSseStream implements SseStream {
  closed = false;
  private readonly outgoing: ServerResponse;
  /** Who to tell when the client goes: none, one, or (rarely) more. */
  private listeners: (() => void) | (() => void)[] | undefined;

  constructor(outgoing: ServerResponse, head: Response) {
    this.outgoing = outgoing;
    // `on`, not `once`: a response closes once, and `once` keeps a wrapper, a bound function and
    // its state per stream. The headers are built by a function of their own: a closure made here
    // would share this constructor's scope and keep them (and their strings) for the stream's life.
    outgoing.on('close', () => this.onGone());
    outgoing.writeHead(head.status, headerRecord(head.headers));
    outgoing.flushHeaders();
    // Frames are small and must leave at once: no Nagle delay.
    outgoing.socket?.setNoDelay(true);
  }

  write(text: string): Promise<void> {
    const {outgoing} = this;
    if (this.closed || outgoing.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        outgoing.off('drain', done);
        outgoing.off('close', done);
        resolve();
      };
      outgoing.once('drain', done);
      outgoing.once('close', done);
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else if (!this.listeners) this.listeners = listener;
    else if (typeof this.listeners === 'function') this.listeners = [this.listeners, listener];
    else this.listeners.push(listener);
  }

  end(): void {
    this.closed = true;
    const {outgoing} = this;
    // A reader that stopped would hold the socket open for ever: cut it.
    if (outgoing.writableNeedDrain) outgoing.destroy();
    else if (!outgoing.writableEnded) outgoing.end();
  }

  private onGone(): void {
    this.closed = true;
    const {listeners} = this;
    this.listeners = undefined;
    if (typeof listeners === 'function') listeners();
    else for (const listener of listeners ?? []) listener();
  }
}

/** The response's headers as `writeHead` takes them. */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

interface WebSseStream extends SseStream {
  /** The reader wants more. */
  pulled(): void;
  cancel(): void;
}

/** Frames a web stream holds for its reader before `write` waits. */
const WEB_QUEUED_FRAMES = 16;

const encoder = new TextEncoder();

function webStream(controller: ReadableStreamDefaultController<Uint8Array>): WebSseStream {
  const listeners: (() => void)[] = [];
  let closed = false;
  let resume: (() => void) | undefined;
  const resumeWriter = () => {
    resume?.();
    resume = undefined;
  };
  return {
    get closed() {
      return closed;
    },
    write(text) {
      if (closed) return Promise.resolve();
      controller.enqueue(encoder.encode(text));
      if ((controller.desiredSize ?? 1) > 0) return Promise.resolve();
      return new Promise((resolve) => (resume = resolve));
    },
    pulled: resumeWriter,
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    end() {
      if (closed) return;
      closed = true;
      resumeWriter();
      controller.close();
    },
    cancel() {
      closed = true;
      resumeWriter();
      for (const listener of listeners.splice(0)) listener();
    },
  };
}
