/**
 * @module `GET /handoff/sessions/:id/events`: the session's event log as Server-Sent Events. Each
 * frame's `id` is the event's position in the log (in Redis, its Stream entry id); a reconnect
 * with `Last-Event-ID` (or `?after=`), to this instance or any other, gets exactly the events after
 * it. An id beyond the log's end belongs to events the store lost (not to a client that is behind):
 * later events are then numbered after it, so the client takes them as new. New events come from the store's watch (one subscription per instance, fanned out here), a
 * gap is filled from the log. A `: ping` comment keeps proxies from closing an idle stream and
 * marks the session active. The stream ends after the conversation's last event, when the
 * session is forgotten, or when this instance stops (the browser then reconnects elsewhere).
 * Connecting to an engaged session catches up from Glia's transcript.
 *
 * Bounds: a few streams per session (the widget's tabs share one through a Web Lock), a cap per
 * process, and at most `replayLimit` events sent to a stream that is behind: then the stream ends
 * and the client resumes with `Last-Event-ID`, as after any dropped connection. A stream keeps its
 * session alive only while its writes drain (a heartbeat that went out marks it active): one that
 * stopped reading counts as idle.
 */
import {Hono} from 'hono';
import type {ChatEvent} from '../../wire/handoff/index.js';
import type {Handoff, Timers} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {errorResponse, validationResponse} from '../http.js';
import type {RelayProbe} from '../relay-probe.js';
import type {OpenStreams} from '../sessions/open-streams.js';
import type {SessionStore} from '../sessions/ports.js';
import type {LoggedEvent} from '../sessions/session-record.js';
import {SSE_HEARTBEAT, sseFrame} from '../../kit/sse.js';
import type {SseStream} from '../sse.js';
import {respondWithSse} from '../sse.js';
import {authenticate} from './sessions.js';

export interface SessionEventsDeps {
  store: SessionStore;
  handoff: Handoff;
  streams: OpenStreams;
  now: () => number;
  timers: Timers;
  heartbeatMs: number;
  /** Open streams of the whole process at most. */
  maxStreams: number;
  /** Events a stream that is behind gets before it ends and is resumed (default 200). */
  replayLimit?: number;
  /** The bench's measure of the proxy's own time per relayed event (absent in production). */
  probe?: RelayProbe;
}

/** Open streams of one session at most (on this instance): tabs share one, so this only stops a flood. */
export const MAX_STREAMS_PER_SESSION = 4;

/** Seconds a refused stream is told to wait before it tries again. */
const STREAM_RETRY_AFTER = '5';

/** The conversation's last event: nothing follows it. */
const isLast = (event: ChatEvent) =>
  event.type === 'status' && (event.status === 'ended' || event.status === 'failed');

/** The route, to mount under `/handoff/sessions`. */
export function sessionEventRoutes(deps: SessionEventsDeps): Hono<ProxyEnv> {
  const {store, handoff, streams, now, timers, heartbeatMs, maxStreams, probe} = deps;
  const replayLimit = deps.replayLimit ?? 200;
  const app = new Hono<ProxyEnv>();

  app.get('/:id/events', async (c) => {
    const session = await authenticate(c, store, now);
    if (session instanceof Response) return session;
    const position = c.req.header('last-event-id') ?? c.req.query('after') ?? '0';
    if (!/^\d{1,15}$/.test(position.trim())) {
      return validationResponse(
        c,
        'Last-Event-ID (or ?after=) must be an event id: a whole number'
      );
    }
    const {id} = session;
    if (streams.count(id) >= MAX_STREAMS_PER_SESSION) {
      return errorResponse(
        c,
        429,
        {
          code: 'too-many-streams',
          message: `This session has ${MAX_STREAMS_PER_SESSION} open event streams already; close one first.`,
        },
        {'Retry-After': STREAM_RETRY_AFTER}
      );
    }
    if (streams.total >= maxStreams) {
      return errorResponse(
        c,
        503,
        {
          code: 'busy',
          message: 'The proxy serves as many event streams as it can; try again soon.',
        },
        {'Retry-After': STREAM_RETRY_AFTER}
      );
    }
    // Watch before reading, so nothing appended in between is missed (repeats are skipped by id).
    const pending: LoggedEvent[] = [];
    let gone = false;
    let wake: ((why: Wake) => void) | undefined;
    let live: SseStream | undefined;
    const at: Progress = {cursor: 0, sent: 0, writing: false, touchedAt: 0};
    const unwatch = store.events.watch(id, (event) => {
      if (event === 'gone') {
        // The session was forgotten (idle, shutdown): the stream ends after what it was sent,
        // even while a write waits for a reader that stopped.
        gone = true;
        if (at.writing) live?.end();
      } else pending.push(event);
      wake?.('event');
    });
    // What the stream's closures keep for their whole life is only what they need: not the
    // Context (`c`, with its request, headers and a dozen closures of its own), not the record;
    // the request's logger is one small object. At 10,000 streams each of these counted.
    const log = c.var.log;
    const engaged = session.status === 'engaged';
    let backlog: LoggedEvent[] | undefined;
    try {
      backlog = await store.events.read(id, 0);
    } catch (error) {
      unwatch();
      throw error;
    }
    at.cursor = Number(position.trim());
    if (at.cursor > (backlog.at(-1)?.id ?? 0)) {
      // The client saw events this log no longer holds: it lost its latest events (Redis restored
      // from an older copy, or a replica that was behind took over). Not a client that is behind:
      // later events are numbered after what it saw, so it takes them, and the transcript
      // catch-up below brings back the agent's lost messages (the widget shows each message once).
      log.warn('a stream resumed beyond the end of its log: the store lost events', {
        session: id,
        lastEventId: at.cursor,
        logEnd: backlog.at(-1)?.id ?? 0,
      });
      try {
        await store.events.continueAfter(id, at.cursor);
      } catch (error) {
        unwatch();
        throw error;
      }
    }
    return respondWithSse(c, async (stream) => {
      live = stream;
      let stopping = false;
      const leave = streams.enter(id, () => {
        stopping = true;
        wake?.('abort');
      });
      stream.onClose(() => wake?.('abort'));
      try {
        const over = await writeEvents(stream, id, backlog ?? [], at, replayLimit, probe);
        backlog = undefined;
        if (over) return;
        if (engaged) void handoff.catchUp(id);
        for (;;) {
          while (pending.length > 0 && !stream.closed) {
            const next = pending.shift() as LoggedEvent;
            // A gap (an event this instance did not hear): read it from the log.
            const events =
              next.id > at.cursor + 1 ? await store.events.read(id, at.cursor) : [next];
            if (await writeEvents(stream, id, events, at, replayLimit, probe)) return;
          }
          // Events that went out mark the session active, at most once per heartbeat interval
          // (the resolution of a quiet stream's marks too): not once per message, which on Redis
          // was a round trip per message.
          if (at.sent > 0 && now() - at.touchedAt >= heartbeatMs) {
            at.touchedAt = now();
            await store.idle.touch(id, at.touchedAt);
          }
          at.sent = 0;
          if (stream.closed || gone || stopping) return;
          let timer: unknown;
          const woke = await new Promise<Wake>((resolve) => {
            wake = resolve;
            timer = timers.setTimeout(() => resolve('heartbeat'), heartbeatMs);
            if (pending.length > 0 || gone || stopping || stream.closed) resolve('event');
          });
          timers.clearTimeout(timer);
          wake = undefined;
          if (woke === 'abort') return;
          if (woke === 'heartbeat') {
            // Resolves once the connection took it: a reader that stopped leaves it pending.
            at.writing = true;
            await stream.write(SSE_HEARTBEAT);
            at.writing = false;
            at.touchedAt = now();
            await store.idle.touch(id, at.touchedAt);
          }
        }
      } catch (error) {
        // The store failed mid-stream: end it; the browser reconnects (here or elsewhere).
        log.warn('event stream ended by a store failure', {session: id, error});
      } finally {
        unwatch();
        leave();
      }
    });
  });

  return app;
}

type Wake = 'event' | 'heartbeat' | 'abort';

/** Where a stream is: the last event id it sent, how many since it last caught up, a write waiting. */
interface Progress {
  cursor: number;
  sent: number;
  writing: boolean;
  /** When the stream last marked its session active (ms). */
  touchedAt: number;
}

/**
 * Writes the events after the cursor, in order; true once the stream should end: the last event
 * went out, or `replayLimit` events did without catching up (the client resumes). A function of
 * its own, not a closure per stream.
 */
async function writeEvents(
  stream: SseStream,
  id: string,
  events: LoggedEvent[],
  at: Progress,
  replayLimit: number,
  probe: RelayProbe | undefined
): Promise<boolean> {
  for (const {id: eventId, event, json} of events) {
    if (eventId <= at.cursor || stream.closed) continue;
    if (at.sent >= replayLimit) return true;
    at.writing = true;
    const written = stream.write(sseFrame(eventId, event.type, json ?? JSON.stringify(event)));
    probe?.written(id, eventId);
    await written;
    at.writing = false;
    at.cursor = eventId;
    at.sent++;
    if (isLast(event)) return true;
  }
  return false;
}
