/**
 * @module The browser's session routes (docs/contract.md, "Browser ⇄ proxy"): start, snapshot,
 * send a message, typing, cancel/end. Every route but the start needs the session's bearer token.
 */
import type {Context} from 'hono';
import {Hono} from 'hono';
import {GliaId} from '../../wire/glia/index.js';
import type {SessionSnapshot, StartSessionResponse} from '../../wire/handoff/index.js';
import {
  FileName,
  SendMessageRequest,
  StartSessionRequest,
  TypingRequest,
} from '../../wire/handoff/index.js';
import {bareType, servedInline} from '../files/file-types.js';
import {GliaError} from '../glia/glia-error.js';
import type {Handoff} from '../handoff.js';
import {HandoffError} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {errorResponse, gliaErrorResponse, readJson, validationResponse} from '../http.js';
import type {Metrics} from '../metrics.js';
import type {QueueWait} from '../glia/queue-wait.js';
import type {SessionStore} from '../sessions/ports.js';
import type {SessionRecord} from '../sessions/session-record.js';
import {toSnapshot} from '../sessions/session-record.js';

/** What the session routes need. */
export interface SessionRoutesDeps {
  handoff: Handoff;
  store: SessionStore;
  metrics: Metrics;
  now: () => number;
  clientAddress: (c: Context) => string;
  /** Conversations waiting for an agent at once: in all, and per client address. */
  maxQueued: {total: number; perAddress: number};
  /** The queue's average wait, shown to a queued visitor as an estimate. */
  queueWait: QueueWait;
  /** The content types the proxy serves an agent's file as (FILE_CONTENT_TYPES); others are downloads of bytes. */
  fileTypes: readonly string[];
}

/**
 * The file name of `X-File-Name` (percent-encoded UTF-8) as kept: no directories, no control
 * characters, 1–255 characters; `undefined` when there is none left.
 */
export function readFileName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  name = (name.split(/[\\/]/).at(-1) ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return FileName.safeParse(name).success ? name : undefined;
}

/** `Content-Disposition` for a file served back: a plain ASCII name and the exact one (RFC 6266, RFC 8187). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** The session this request's bearer token opens (and marks active), or the 401/404 to answer. */
export async function authenticate(
  c: Context,
  store: SessionStore,
  now: () => number
): Promise<SessionRecord | Response> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const found = await store.sessions.authenticate(c.req.param('id') ?? '', token);
  if (found === 'not-found') {
    return errorResponse(c, 404, {
      code: 'not-found',
      message: 'There is no such session; it may have ended or expired. Start a new one.',
    });
  }
  if (found === 'unauthorized') {
    return errorResponse(
      c,
      401,
      {code: 'unauthorized', message: "This request needs the session's bearer token."},
      {'WWW-Authenticate': 'Bearer'}
    );
  }
  await store.idle.touch(found.id, now());
  return found;
}

function limited(
  c: Context,
  metrics: Metrics,
  limit: string,
  retryAfterSeconds: number,
  what: string
) {
  metrics.inc('glia_handoff_rate_limited_total', {limit});
  return errorResponse(
    c,
    429,
    {code: 'rate-limited', message: `Too many ${what}; try again in ${retryAfterSeconds} s.`},
    {'Retry-After': String(retryAfterSeconds)}
  );
}

function handoffErrorResponse(c: Context, error: unknown, doing: string): Response {
  if (error instanceof GliaError) return gliaErrorResponse(c, error, doing);
  if (error instanceof HandoffError) {
    return errorResponse(c, error.status, {code: error.code, message: error.message});
  }
  throw error;
}

/** Routes under `/handoff/sessions`. */
export function sessionRoutes(deps: SessionRoutesDeps): Hono<ProxyEnv> {
  const {handoff, store, metrics, now, maxQueued} = deps;
  /**
   * The sessions each address started here that may still be waiting, and its starts in flight.
   * Per instance: behind a balancer each instance keeps its own count.
   */
  const startedBy = new Map<string, Set<string>>();
  const starting = new Map<string, number>();
  let startsInFlight = 0;
  const stillWaiting = async (ids: Set<string>) => {
    for (const id of [...ids]) {
      if ((await store.sessions.get(id))?.status !== 'queued') ids.delete(id);
    }
  };
  // A session only ever leaves `queued`, so the ids kept are an upper bound of those waiting:
  // while the bound is under the cap, nothing needs reading. Only a count that reaches it reads
  // each session's status (a store read each, on every start, made starts slower the more waited).
  const waitingOf = async (address: string, cap: number): Promise<number> => {
    const ids = startedBy.get(address);
    const inFlight = starting.get(address) ?? 0;
    if (!ids || ids.size + inFlight < cap) return (ids?.size ?? 0) + inFlight;
    await stillWaiting(ids);
    if (ids.size === 0) startedBy.delete(address);
    return ids.size + inFlight;
  };
  const waitingInAll = async (cap: number): Promise<number> => {
    let total = 0;
    for (const ids of startedBy.values()) total += ids.size;
    if (total + startsInFlight < cap) return total + startsInFlight;
    total = 0;
    for (const ids of startedBy.values()) {
      await stillWaiting(ids);
      total += ids.size;
    }
    return total + startsInFlight;
  };
  const track = (address: string, id: string) => {
    // Addresses that never come back would keep their entries: forget the ones not waiting.
    if (startedBy.size > 10_000)
      for (const [known, ids] of startedBy) if (ids.size === 0) startedBy.delete(known);
    startedBy.set(address, (startedBy.get(address) ?? new Set<string>()).add(id));
  };
  /** The snapshot, with the queue's usual wait while the visitor waits in it (when Glia says). */
  const withWait = async (snapshot: SessionSnapshot, record: SessionRecord) => {
    if (record.status !== 'queued') return snapshot;
    const seconds = await deps.queueWait.seconds(record.queueId);
    return seconds === undefined ? snapshot : {...snapshot, estimatedWaitSeconds: seconds};
  };
  const snapshot = async (record: SessionRecord) =>
    withWait(toSnapshot(record, await store.events.read(record.id, 0)), record);
  const app = new Hono<ProxyEnv>();

  app.post('/', async (c) => {
    const address = deps.clientAddress(c);
    const allowed = await store.limits.take('newSessionsPerAddress', address);
    if (!allowed.ok)
      return limited(c, metrics, 'new-sessions', allowed.retryAfterSeconds, 'new conversations');
    // Each waiting conversation is a visitor in the agents' queue: keep that queue honest.
    if ((await waitingOf(address, maxQueued.perAddress)) >= maxQueued.perAddress) {
      metrics.inc('glia_handoff_rate_limited_total', {limit: 'queued-per-address'});
      return errorResponse(
        c,
        429,
        {
          code: 'too-many-waiting',
          message: `${maxQueued.perAddress} conversations from this address are already waiting for an agent; end one or wait.`,
        },
        {'Retry-After': '60'}
      );
    }
    if ((await waitingInAll(maxQueued.total)) >= maxQueued.total) {
      metrics.inc('glia_handoff_rate_limited_total', {limit: 'queued'});
      return errorResponse(
        c,
        503,
        {
          code: 'queue-full',
          message:
            'As many conversations as the proxy allows are waiting for an agent; try again soon.',
        },
        {'Retry-After': '60'}
      );
    }
    const body = await readJson(c, StartSessionRequest);
    if (!body.ok) return body.response;
    starting.set(address, (starting.get(address) ?? 0) + 1);
    startsInFlight++;
    try {
      const {record, token, log, created} = await handoff.start(body.data);
      track(address, record.id);
      const answer: StartSessionResponse = {
        session: {...(await withWait(toSnapshot(record, log), record)), token},
      };
      return c.json(answer, created ? 201 : 200);
    } catch (error) {
      c.var.log.warn('session start failed', {error});
      return handoffErrorResponse(c, error, 'Starting the conversation');
    } finally {
      const left = (starting.get(address) ?? 1) - 1;
      if (left > 0) starting.set(address, left);
      else starting.delete(address);
      startsInFlight--;
    }
  });

  app.get('/:id', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    return c.json(await snapshot(session));
  });

  app.put('/:id/messages/:messageId', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    const messageId = c.req.param('messageId');
    if (!GliaId.safeParse(messageId).success) {
      return validationResponse(
        c,
        'messageId (in the path) must be a UUID v4 chosen by the browser'
      );
    }
    const allowed = await store.limits.take('messagesPerSession', session.id);
    if (!allowed.ok) return limited(c, metrics, 'messages', allowed.retryAfterSeconds, 'messages');
    const body = await readJson(c, SendMessageRequest);
    if (!body.ok) return body.response;
    try {
      const {message, created} = await handoff.sendMessage(session, messageId, body.data);
      return c.json({message}, created ? 201 : 200);
    } catch (error) {
      c.var.log.warn('message send failed', {session: session.id, error});
      return handoffErrorResponse(c, error, 'Sending the message');
    }
  });

  // The one route whose body may exceed 64 KB: streamed to Glia as it arrives (app.ts exempts it).
  app.put('/:id/uploads/:uploadId', async (c) => {
    const body = c.req.raw.body;
    const drop = () => body?.cancel().catch(() => undefined);
    const session = await authenticate(c, store, now);
    if (session instanceof Response) {
      await drop();
      return session;
    }
    const uploadId = c.req.param('uploadId');
    if (!GliaId.safeParse(uploadId).success) {
      await drop();
      return validationResponse(
        c,
        'uploadId (in the path) must be a UUID v4 chosen by the browser'
      );
    }
    const allowed = await store.limits.take('uploadsPerSession', session.id);
    if (!allowed.ok) {
      await drop();
      return limited(c, metrics, 'uploads', allowed.retryAfterSeconds, 'uploads');
    }
    const name = readFileName(c.req.header('x-file-name'));
    if (!name) {
      await drop();
      return validationResponse(
        c,
        "X-File-Name must be the file's name, percent-encoded UTF-8, 1–255 characters"
      );
    }
    const length = c.req.header('content-length');
    if (length !== undefined && !/^\d+$/.test(length)) {
      await drop();
      return validationResponse(c, 'Content-Length must be the number of bytes of the file');
    }
    try {
      const {upload, created} = await handoff.upload(session, {
        id: uploadId,
        name,
        contentType: bareType(c.req.header('content-type')),
        ...(length === undefined ? {} : {size: Number(length)}),
        body,
      });
      return c.json({upload}, created ? 201 : 200);
    } catch (error) {
      await drop();
      c.var.log.warn('upload failed', {session: session.id, error});
      return handoffErrorResponse(c, error, 'Uploading the file');
    }
  });

  app.get('/:id/files/:fileId', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    try {
      const {file, response} = await handoff.agentFile(session, c.req.param('fileId'));
      const declared = bareType(file.contentType);
      const type = deps.fileTypes.includes(declared) ? declared : 'application/octet-stream';
      const size = response.headers.get('content-length');
      const headers: Record<string, string> = {
        'Content-Type': type,
        'Content-Disposition': contentDisposition(
          servedInline(type) ? 'inline' : 'attachment',
          file.name
        ),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        // Set over the session routes' own `no-store`: never kept by a shared cache.
        'Cache-Control': 'private, no-store',
      };
      if (size && /^\d+$/.test(size)) headers['Content-Length'] = size;
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
      return response.body ? c.body(response.body, 200) : c.body(null, 200);
    } catch (error) {
      c.var.log.warn('file fetch failed', {session: session.id, error});
      return handoffErrorResponse(c, error, 'Fetching the file');
    }
  });

  app.put('/:id/typing', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    const allowed = await store.limits.take('typingPerSession', session.id);
    if (!allowed.ok)
      return limited(c, metrics, 'typing', allowed.retryAfterSeconds, 'typing updates');
    const body = await readJson(c, TypingRequest);
    if (!body.ok) return body.response;
    handoff.setTyping(session, body.data.typing);
    return c.body(null, 204);
  });

  app.delete('/:id', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    let ended;
    try {
      ended = await handoff.end(session.id, 'visitor');
    } catch (error) {
      c.var.log.warn('ending failed', {session: session.id, error});
      return handoffErrorResponse(c, error, 'Ending the conversation');
    }
    return c.json(await snapshot(ended ?? session));
  });

  return app;
}
