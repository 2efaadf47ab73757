/**
 * @module `GET /handoff/sessions/:id/events`: the session's event log as Server-Sent Events. Each
 * frame's `id` is the event's position; a reconnect with `Last-Event-ID` (or `?after=`) gets
 * exactly the events after it. A `: ping` comment keeps proxies from closing an idle stream. The
 * stream ends after the conversation's last event.
 */
import {Hono} from 'hono';
import type {Timers} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {validationResponse} from '../http.js';
import type {SessionStore} from '../sessions/session-store.js';
import {isTerminal} from '../sessions/session-store.js';
import {SSE_HEARTBEAT, respondWithSse, sseFrame} from '../sse.js';
import {authenticate} from './sessions.js';

export interface SessionEventsDeps {
  store: SessionStore;
  now: () => number;
  timers: Timers;
  heartbeatMs: number;
}

/** The route, to mount under `/handoff/sessions`. */
export function sessionEventRoutes(deps: SessionEventsDeps): Hono<ProxyEnv> {
  const {store, now, timers, heartbeatMs} = deps;
  const app = new Hono<ProxyEnv>();

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
    return respondWithSse(c, async (stream) => {
      session.openStreams++;
      let wake: ((why: 'abort') => void) | undefined;
      stream.onClose(() => wake?.('abort'));
      try {
        for (;;) {
          // Writes wait for the reader, and events may arrive meanwhile: drain until caught up.
          while (cursor < session.log.lastId && !stream.closed) {
            for (const {id, event} of session.log.after(cursor)) {
              await stream.write(sseFrame(id, event.type, JSON.stringify(event)));
              cursor = id;
            }
          }
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
            session.lastActivity = now();
            await stream.write(SSE_HEARTBEAT);
          }
        }
      } finally {
        session.openStreams--;
      }
    });
  });

  return app;
}
