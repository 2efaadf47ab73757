/**
 * @module `GET /handoff/sessions/:id/events`: the session's event log as Server-Sent Events. Each
 * frame's `id` is the event's position; a reconnect with `Last-Event-ID` (or `?after=`) gets
 * exactly the events after it. A `: ping` comment keeps proxies from closing an idle stream. The
 * stream ends after the conversation's last event.
 *
 * Bounds: a few streams per session (the widget's tabs share one through a Web Lock), a cap per
 * process, and at most `replayLimit` events sent to a stream that is behind: then the stream ends
 * and the client resumes with `Last-Event-ID`, as after any dropped connection. A stream keeps its
 * session alive only while its writes drain (a heartbeat that went out refreshes `lastActivity`):
 * one that stopped reading counts as idle.
 */
import {Hono} from 'hono';
import type {Timers} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {errorResponse, validationResponse} from '../http.js';
import type {SessionStore} from '../sessions/session-store.js';
import {isTerminal} from '../sessions/session-store.js';
import {SSE_HEARTBEAT, respondWithSse, sseFrame} from '../sse.js';
import {authenticate} from './sessions.js';

export interface SessionEventsDeps {
  store: SessionStore;
  now: () => number;
  timers: Timers;
  heartbeatMs: number;
  /** Open streams of the whole process at most. */
  maxStreams: number;
  /** Events a stream that is behind gets before it ends and is resumed (default 200). */
  replayLimit?: number;
}

/** Open streams of one session at most: tabs share one, so this only stops a flood. */
export const MAX_STREAMS_PER_SESSION = 4;

/** Seconds a refused stream is told to wait before it tries again. */
const STREAM_RETRY_AFTER = '5';

/** The route, to mount under `/handoff/sessions`. */
export function sessionEventRoutes(deps: SessionEventsDeps): Hono<ProxyEnv> {
  const {store, now, timers, heartbeatMs, maxStreams} = deps;
  const replayLimit = deps.replayLimit ?? 200;
  const app = new Hono<ProxyEnv>();
  let openStreams = 0;

  app.get('/:id/events', (c) => {
    const session = authenticate(c, store, now);
    if (session instanceof Response) return session;
    const position = c.req.header('last-event-id') ?? c.req.query('after') ?? '0';
    if (!/^\d{1,15}$/.test(position.trim())) {
      return validationResponse(
        c,
        'Last-Event-ID (or ?after=) must be an event id: a whole number'
      );
    }
    // An id beyond the log cannot have been seen: resend from the end of the log rather than skip.
    let cursor = Math.min(Number(position.trim()), session.log.lastId);
    if (session.openStreams >= MAX_STREAMS_PER_SESSION) {
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
    if (openStreams >= maxStreams) {
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
    session.openStreams++;
    openStreams++;
    return respondWithSse(c, async (stream) => {
      let wake: ((why: 'abort') => void) | undefined;
      stream.onClose(() => wake?.('abort'));
      // The session was forgotten (idle, shutdown): end the stream, even one stuck on a write.
      const unwatch = session.log.subscribe(() => {
        if (session.log.closed) stream.end();
      });
      try {
        for (;;) {
          // Writes wait for the reader, and events may arrive meanwhile: drain until caught up,
          // or until this stream was sent `replayLimit` events without catching up.
          let sent = 0;
          while (cursor < session.log.lastId && !stream.closed) {
            if (sent >= replayLimit) return;
            for (const {id, event} of session.log.after(cursor, replayLimit - sent)) {
              await stream.write(sseFrame(id, event.type, JSON.stringify(event)));
              cursor = id;
              sent++;
            }
          }
          if (sent > 0) session.lastActivity = now();
          if (stream.closed || session.log.closed || isTerminal(session)) return;
          const woke = await new Promise<'event' | 'heartbeat' | 'abort'>((resolve) => {
            const done = (why: 'event' | 'heartbeat' | 'abort') => {
              unsubscribe();
              timers.clearTimeout(timer);
              wake = undefined;
              resolve(why);
            };
            const unsubscribe = session.log.subscribe(() => done('event'));
            const timer = timers.setTimeout(() => done('heartbeat'), heartbeatMs);
            wake = done;
          });
          if (woke === 'abort') return;
          if (woke === 'heartbeat') {
            // Resolves once the connection took it: a reader that stopped leaves it pending.
            await stream.write(SSE_HEARTBEAT);
            session.lastActivity = now();
          }
        }
      } finally {
        unwatch();
        session.openStreams--;
        openStreams--;
      }
    });
  });

  return app;
}
