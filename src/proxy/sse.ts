/**
 * @module Server-Sent Events (WHATWG HTML §9.2) written straight to Node's response when the proxy
 * runs on @hono/node-server, and through a web `ReadableStream` anywhere else (`app.request()` in
 * the tests). Hono's `streamSSE` always takes the web-stream road: a TransformStream, its writer and
 * node-server's reader loop for every frame, and a Context, a Request and three Headers kept alive
 * for as long as the stream is open. With thousands of open streams that was a large share of the
 * proxy's CPU per message and of its memory per stream (`npm run bench -- --profile`), so the
 * frames here go to `ServerResponse.write`, with its backpressure.
 */
import type {IncomingHttpHeaders, ServerResponse} from 'node:http';
import {createRequire} from 'node:module';
import type {Socket} from 'node:net';
import {RESPONSE_ALREADY_SENT} from '@hono/node-server/utils/response';
import type {Context} from 'hono';

/** One open event stream, as its writer sees it. */
export interface SseStream {
  /**
   * Writes one frame or comment. False when the connection holds as much as it should: write
   * again once the writer's `drained` is called (a reader that stopped never drains).
   */
  write(text: string): boolean;
  /** True once the client went away or `end()` was called. */
  readonly closed: boolean;
  /** Ends the response; one whose reader stopped (a write waiting) is cut. */
  end(): void;
}

/**
 * What writes a stream, told what happens to it. An object with methods, not a suspended async
 * function: a stream waits most of its life, and each waiting async function kept a generator,
 * its registers, promises and their reactions (about 1 KB a stream at 10,000 streams).
 */
export interface SseWriter {
  /** The response started: write. */
  opened(stream: SseStream): void;
  /** A write that returned false went out: write on. */
  drained(): void;
  /** The stream is over: the client went away, or after `end()`. Called at least once. */
  closed(): void;
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
 * Answers `c` with an event stream written by `writer`. Headers set earlier on `c` (CORS,
 * request id) are sent with it.
 */
export function respondWithSse(c: Context, writer: SseWriter): Response {
  const head = c.body(null, 200, SSE_HEADERS);
  const outgoing = (c.env as {outgoing?: ServerResponse} | undefined)?.outgoing;
  if (outgoing) {
    startNodeStream(outgoing, head, writer);
    return RESPONSE_ALREADY_SENT;
  }
  let web: WebSseStream | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        web = new WebSseStream(controller, writer);
        writer.opened(web);
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

/**
 * Writes the head and opens the stream. A function of its own: the head (a Response, its
 * headers and their strings) is garbage once written, and a closure made where it is in scope
 * could keep it for the stream's life.
 */
function startNodeStream(outgoing: ServerResponse, head: Response, writer: SseWriter): void {
  const releaseParser = parserRelease(outgoing);
  const headers = headerRecord(head.headers);
  // Without its parser the connection cannot carry another request: the client must not reuse it.
  if (releaseParser) headers.connection = 'close';
  outgoing.writeHead(head.status, headers);
  outgoing.flushHeaders();
  releaseHead(outgoing);
  // Frames are small and must leave at once: no Nagle delay.
  outgoing.socket?.setNoDelay(true);
  releaseRequest(outgoing);
  releaseParser?.();
  writer.opened(new NodeSseStream(outgoing, writer));
}

/**
 * Lets go of the head's text (some 330 B a stream): Node keeps the string it wrote for the
 * response's life, though once that is on the wire (`_headerSent`) Node only asks whether there
 * is one (`headersSent`, and the refusals of a second head or a late header). A short stand-in
 * answers that alike.
 */
function releaseHead(outgoing: ServerResponse): void {
  const response = outgoing as ServerResponse & {_header?: unknown; _headerSent?: unknown};
  if (response._headerSent === true && typeof response._header === 'string')
    response._header = HEAD_SENT;
}

/** What a stream's response keeps of its head once it went out. */
const HEAD_SENT = 'HTTP/1.1 200 OK\r\n\r\n';

/**
 * Lets go of what the request kept that a stream no longer reads (about 1 KB a stream): the
 * request's headers, and @hono/node-server's Request (its URL, its copy of the headers), which
 * its 'close' listener keeps alive for as long as the response is open to abort the Request's
 * signal on an early close; nothing here listens to that signal. That listener is the last one
 * node-server added, and is recognised by what it does, so that nobody else's is removed.
 */
function releaseRequest(outgoing: ServerResponse): void {
  const last = outgoing.listeners('close').at(-1);
  if (last && String(last).includes('abortRequest')) outgoing.off('close', last as () => void);
  const incoming = outgoing.req;
  // Shared and empty, not a fresh `[]` and `{}` per stream: Node replaces these whole. The header
  // maps are set, not cleared: Node would rebuild a cleared one from `rawHeaders` by the count it
  // read, and throw on the lines that are gone.
  incoming.rawHeaders = incoming.rawTrailers = NO_LINES;
  incoming.headers = NO_HEADERS;
  incoming.headersDistinct = NO_HEADERS as NodeJS.Dict<string[]>;
  // node-server made the Request's URL of its own copy; the path was routed.
  incoming.url = '';
}

/**
 * Node's own `freeParser`, which its HTTP server calls when a connection closes or is upgraded.
 * `_http_common` is one of Node's legacy public modules (in `builtinModules`); absent, streams
 * keep their parser.
 */
const freeParser = (() => {
  try {
    const common = createRequire(import.meta.url)('_http_common') as {freeParser?: unknown};
    return typeof common.freeParser === 'function'
      ? (common.freeParser as (parser: unknown, req: null, socket: Socket) => void)
      : undefined;
  } catch {
    return undefined;
  }
})();

/** Node's listeners on a connection that feed and finish its parser. */
const PARSER_LISTENERS = {data: 'bound socketOnData', end: 'bound socketOnEnd'} as const;

/**
 * How to let go of the connection's HTTP parser (some 3 KB a stream, most of it outside the JS
 * heap), if the stream can: the request was read whole, and the connection is Node's HTTP
 * server's own, as this Node version builds it (its parser, and exactly one of each listener that
 * feeds it). Anything else keeps its parser.
 *
 * Letting go is what Node does when it hands a connection over on an upgrade: the listeners that
 * feed the parser go, the parser goes back to Node's pool, and the socket reads on only to see
 * the client leave (whatever it sends is dropped); a client that half-closes is ended, as Node
 * ends one. The connection then carries no other request (its head must say `Connection: close`),
 * and the server no longer lists it: `listen` tracks its sockets for `closeAllConnections`.
 */
function parserRelease(outgoing: ServerResponse): (() => void) | undefined {
  const socket = outgoing.socket as (Socket & {parser?: object | null}) | null;
  const parser = socket?.parser;
  if (!freeParser || !parser || !outgoing.req.complete) return undefined;
  const found: [string, () => void][] = [];
  for (const [event, name] of Object.entries(PARSER_LISTENERS)) {
    const named = socket.listeners(event).filter((listener) => listener.name === name);
    if (named.length !== 1) return undefined;
    found.push([event, named[0] as () => void]);
  }
  return () => {
    for (const [event, listener] of found) socket.off(event, listener);
    freeParser(parser, null, socket);
    socket.on('end', endSocket);
    socket.resume();
  };
}

/** A client half-closed its stream's connection: close ours (Node's default, `allowHalfOpen` off). */
function endSocket(this: Socket): void {
  this.end();
}

/** The raw header lines and the headers of a request the stream let go of. */
const NO_LINES = Object.freeze([]) as unknown as string[];
const NO_HEADERS = Object.freeze({}) as IncomingHttpHeaders;

/**
 * A stream on Node's response. A class, not an object of closures: one of these lives as long as
 * its stream, and at 10,000 streams each closure and each accessor of a literal counts (an object
 * literal with a getter has a hidden class of its own).
 */
class NodeSseStream implements SseStream {
  closed = false;
  private readonly outgoing: ServerResponse;
  private readonly writer: SseWriter;

  constructor(outgoing: ServerResponse, writer: SseWriter) {
    this.outgoing = outgoing;
    this.writer = writer;
    // `on`, not `once`: a response closes once, and `once` keeps a wrapper and its state per
    // stream. A bound method, not an arrow: an arrow keeps the constructor's scope besides.
    outgoing.on('close', this.gone.bind(this));
  }

  write(text: string): boolean {
    if (this.closed) return true;
    if (this.outgoing.write(text)) return true;
    // Only while a reader is behind: then a listener until the buffer drains (a close ends the
    // wait too, through `gone`).
    this.outgoing.once('drain', this.drained.bind(this));
    return false;
  }

  end(): void {
    this.closed = true;
    const {outgoing} = this;
    // A reader that stopped would hold the socket open for ever: cut it.
    if (outgoing.writableNeedDrain) outgoing.destroy();
    else if (!outgoing.writableEnded) outgoing.end();
  }

  private drained(): void {
    if (!this.closed) this.writer.drained();
  }

  private gone(): void {
    this.closed = true;
    this.writer.closed();
  }
}

/** The response's headers as `writeHead` takes them. */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

/** Frames a web stream holds for its reader before `write` says to wait. */
const WEB_QUEUED_FRAMES = 16;

const encoder = new TextEncoder();

/** A stream on a web `ReadableStream` (`app.request()`, the tests). */
class WebSseStream implements SseStream {
  closed = false;
  /** A write said to wait: the next pull (the reader took a frame) tells the writer. */
  private waiting = false;
  private readonly controller: ReadableStreamDefaultController<Uint8Array>;
  private readonly writer: SseWriter;

  constructor(controller: ReadableStreamDefaultController<Uint8Array>, writer: SseWriter) {
    this.controller = controller;
    this.writer = writer;
  }

  write(text: string): boolean {
    if (this.closed) return true;
    this.controller.enqueue(encoder.encode(text));
    if ((this.controller.desiredSize ?? 1) > 0) return true;
    this.waiting = true;
    return false;
  }

  /** The reader wants more. */
  pulled(): void {
    if (!this.waiting || this.closed) return;
    this.waiting = false;
    this.writer.drained();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
    this.writer.closed();
  }

  /** The reader went away. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.closed();
  }
}
