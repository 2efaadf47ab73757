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
    let wake: ((why: 'event' | 'heartbeat' | 'abort') => void) | undefined;
    /** Ends the stream even while a write waits for a reader that stopped. */
    let cut: (() => void) | undefined;
    const unwatch = store.events.watch(id, (event) => {
      if (event === 'gone') {
        // The session was forgotten (idle, shutdown): the stream ends after what it was sent.
        gone = true;
        cut?.();
      } else pending.push(event);
      wake?.('event');
    });
    let backlog: LoggedEvent[];
    try {
      backlog = await store.events.read(id, 0);
    } catch (error) {
      unwatch();
      throw error;
    }
    let cursor = Number(position.trim());
    if (cursor > (backlog.at(-1)?.id ?? 0)) {
      // The client saw events this log no longer holds: it lost its latest events (Redis restored
      // from an older copy, or a replica that was behind took over). Not a client that is behind:
      // later events are numbered after what it saw, so it takes them, and the transcript
      // catch-up below brings back the agent's lost messages (the widget shows each message once).
      c.var.log.warn('a stream resumed beyond the end of its log: the store lost events', {
        session: id,
        lastEventId: cursor,
        logEnd: backlog.at(-1)?.id ?? 0,
      });
      try {
        await store.events.continueAfter(id, cursor);
      } catch (error) {
        unwatch();
        throw error;
      }
    }
    return respondWithSse(c, async (stream) => {
      let stopping = false;
      const leave = streams.enter(id, () => {
        stopping = true;
        wake?.('abort');
      });
      stream.onClose(() => wake?.('abort'));
      let writing = false;
      cut = () => {
        if (writing) stream.end();
      };
      /** Events sent since the stream last caught up. */
      let sent = 0;
      /**
       * Writes the events after the cursor, in order; true once the stream should end: the last
       * event went out, or `replayLimit` events did without catching up (the client resumes).
       */
      const write = async (events: LoggedEvent[]): Promise<boolean> => {
        for (const {id: eventId, event} of events) {
          if (eventId <= cursor || stream.closed) continue;
          if (sent >= replayLimit) return true;
          writing = true;
          const written = stream.write(sseFrame(eventId, event.type, JSON.stringify(event)));
          probe?.written(id, eventId);
          await written;
          writing = false;
          cursor = eventId;
          sent++;
          if (isLast(event)) return true;
        }
        return false;
      };
      try {
        if (await write(backlog)) return;
        if (session.status === 'engaged') void handoff.catchUp(id);
        for (;;) {
          while (pending.length > 0 && !stream.closed) {
            const next = pending.shift() as LoggedEvent;
            // A gap (an event this instance did not hear): read it from the log.
            const events = next.id > cursor + 1 ? await store.events.read(id, cursor) : [next];
            if (await write(events)) return;
          }
          if (sent > 0) await store.idle.touch(id, now());
          sent = 0;
          if (stream.closed || gone || stopping) return;
          const woke = await new Promise<'event' | 'heartbeat' | 'abort'>((resolve) => {
            const timer = timers.setTimeout(() => done('heartbeat'), heartbeatMs);
            const done = (why: 'event' | 'heartbeat' | 'abort') => {
              timers.clearTimeout(timer);
              wake = undefined;
              resolve(why);
            };
            wake = done;
            if (pending.length > 0 || gone || stopping || stream.closed) done('event');
          });
          if (woke === 'abort') return;
          if (woke === 'heartbeat') {
            // Resolves once the connection took it: a reader that stopped leaves it pending.
            writing = true;
            await stream.write(SSE_HEARTBEAT);
            writing = false;
            await store.idle.touch(id, now());
          }
        }
      } catch (error) {
        // The store failed mid-stream: end it; the browser reconnects (here or elsewhere).
        c.var.log.warn('event stream ended by a store failure', {session: id, error});
      } finally {
        unwatch();
        leave();
      }
    });
  });

  return app;
}
