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
import type {Logger} from '../logger.js';
import type {RelayProbe} from '../relay-probe.js';
import type {OpenStream, OpenStreams} from '../sessions/open-streams.js';
import type {SessionStore} from '../sessions/ports.js';
import type {LoggedEvent} from '../sessions/session-record.js';
import {SSE_HEARTBEAT, sseFrame} from '../../kit/sse.js';
import {SharedTimeouts} from '../../kit/timeouts.js';
import type {SseStream, SseWriter} from '../sse.js';
import {respondWithSse} from '../sse.js';
import {authenticate} from './sessions.js';

export interface SessionEventsDeps {
  store: SessionStore;
  handoff: Handoff;
  streams: OpenStreams;
  /** The process's logger: a stream's own lines carry its request id (a logger per stream costs). */
  logger: Logger;
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
  const {store, streams, maxStreams} = deps;
  const route: Route = {
    ...deps,
    replayLimit: deps.replayLimit ?? 200,
    // Each stream waits here between what it writes; due, it sends its heartbeat.
    heartbeats: new SharedTimeouts<EventStream>(
      deps.heartbeatMs,
      (stream) => stream.heartbeat(),
      deps.now,
      deps.timers
    ),
  };
  const app = new Hono<ProxyEnv>();

  app.get('/:id/events', async (c) => {
    const session = await authenticate(c, store, deps.now);
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
    // What the stream keeps for its whole life is only what it needs: not the Context (`c`, with
    // its request, headers and a dozen closures of its own), not the record, not a logger.
    const stream = new EventStream(
      route,
      id,
      c.var.requestId,
      Number(position.trim()),
      session.status === 'engaged'
    );
    // Watch before reading, so nothing appended in between is missed (repeats are skipped by id).
    const unwatch = store.events.watch(id, stream.hear.bind(stream));
    stream.unwatch = unwatch;
    let backlog: LoggedEvent[];
    try {
      backlog = await store.events.read(id, 0);
      const logEnd = backlog.at(-1)?.id ?? 0;
      if (stream.cursor > logEnd) {
        // The client saw events this log no longer holds: it lost its latest events (Redis
        // restored from an older copy, or a replica that was behind took over). Not a client
        // that is behind: later events are numbered after what it saw, so it takes them, and
        // the transcript catch-up brings back the agent's lost messages (the widget shows each
        // message once).
        c.var.log.warn('a stream resumed beyond the end of its log: the store lost events', {
          session: id,
          lastEventId: stream.cursor,
          logEnd,
        });
        await store.events.continueAfter(id, stream.cursor);
      }
    } catch (error) {
      unwatch();
      throw error;
    }
    stream.batch = backlog;
    return respondWithSse(c, stream);
  });

  return app;
}

/** What every stream of the route shares: one object, not a copy in each stream. */
interface Route extends SessionEventsDeps {
  replayLimit: number;
  heartbeats: SharedTimeouts<EventStream>;
}

/**
 * Where a stream is. `idle`: caught up, waiting for an event or its heartbeat; `writing`: in
 * `pump`; `reading`: a gap is being read from the log; `touching`: marking the session active;
 * `draining…`: a write waits for the reader (then, for `-last`, the stream ends; for `-ping`, the
 * heartbeat marks the session active).
 */
type State =
  | 'opening'
  | 'idle'
  | 'writing'
  | 'reading'
  | 'touching'
  | 'draining'
  | 'draining-last'
  | 'draining-ping'
  | 'ended';

/**
 * One open stream: an object that reacts to what happens (an event heard, a write drained, its
 * heartbeat due, the client gone) and writes what it can at once. Not a loop in an async function:
 * a stream waits for most of its life, and a waiting async function keeps a generator, its
 * registers, promises, their reactions and a timer (about 1 KB per stream at 10,000 streams).
 */
class EventStream implements SseWriter, OpenStream {
  readonly sessionId: string;
  /** The last event id sent. */
  cursor: number;
  /** Events read from the log (the backlog, a gap) to write from `batchAt` on. */
  batch: LoggedEvent[] | undefined;
  unwatch: (() => void) | undefined;
  private readonly route: Route;
  private readonly requestId: string;
  private stream: SseStream | undefined;
  private state: State;
  private batchAt: number;
  /** Events heard from the watch, not yet written. */
  private heard: LoggedEvent[] | undefined;
  /** Events sent since the stream last caught up (at most `replayLimit`). */
  private sent: number;
  /** When the stream last marked its session active (ms). */
  private touchedAt: number;
  /** The session was forgotten (idle, shutdown): end once caught up. */
  private gone: boolean;
  /** This instance stops: end once caught up. */
  private stopping: boolean;
  /** Catch up from Glia's transcript once the backlog went out. */
  private catchUp: boolean;

  constructor(
    route: Route,
    sessionId: string,
    requestId: string,
    cursor: number,
    engaged: boolean
  ) {
    // Every field is set here, so that all streams share one hidden class with room for them.
    this.sessionId = sessionId;
    this.cursor = cursor;
    this.batch = undefined;
    this.unwatch = undefined;
    this.route = route;
    this.requestId = requestId;
    this.stream = undefined;
    this.state = 'opening';
    this.batchAt = 0;
    this.heard = undefined;
    this.sent = 0;
    this.touchedAt = 0;
    this.gone = false;
    this.stopping = false;
    this.catchUp = engaged;
  }

  opened(stream: SseStream): void {
    this.stream = stream;
    this.route.streams.enter(this);
    this.pump();
  }

  /** What the store's watch says: a new event, or the session's end. */
  hear(event: LoggedEvent | 'gone'): void {
    if (this.state === 'ended') return;
    if (event === 'gone') {
      // The session was forgotten (idle, shutdown): the stream ends after what it was sent,
      // even while a write waits for a reader that stopped.
      this.gone = true;
      if (this.state.startsWith('draining')) return this.end();
    } else (this.heard ??= []).push(event);
    if (this.state === 'idle') this.pump();
  }

  drained(): void {
    const {state} = this;
    if (state === 'draining-last') this.end();
    else if (state === 'draining-ping') this.touch();
    else if (state === 'draining') this.pump();
  }

  closed(): void {
    this.end();
  }

  /** This instance stops: end now if caught up, else once caught up. */
  close(): void {
    this.stopping = true;
    if (this.state === 'idle') this.end();
  }

  /** Quiet for `heartbeatMs`: a comment keeps proxies from closing the stream. */
  heartbeat(): void {
    if (this.state !== 'idle' || !this.stream) return;
    // The session counts as active once the connection took it: a reader that stopped leaves it
    // waiting, and the session idle.
    if (this.stream.write(SSE_HEARTBEAT)) this.touch();
    else this.state = 'draining-ping';
  }

  /** Writes what there is, in order, until it is caught up or must wait. */
  private pump(): void {
    const {stream, route} = this;
    if (!stream || this.state === 'ended') return;
    this.state = 'writing';
    for (;;) {
      if (stream.closed) return this.end();
      let event: LoggedEvent | undefined;
      if (this.batch) {
        event = this.batch[this.batchAt++];
        if (!event) {
          this.batch = undefined;
          this.batchAt = 0;
          if (this.catchUp) {
            this.catchUp = false;
            void route.handoff.catchUp(this.sessionId);
          }
          continue;
        }
      } else if (this.heard) {
        event = this.heard.shift();
        if (!event) {
          // Dropped, not emptied: an array that held events keeps the room it grew.
          this.heard = undefined;
          continue;
        }
        // A gap (an event this instance did not hear): read it from the log.
        if (event.id > this.cursor + 1) return this.readGap();
      } else break;
      if (event.id <= this.cursor) continue;
      // Behind by more than a replay: end; the client resumes with Last-Event-ID.
      if (this.sent >= route.replayLimit) return this.end();
      const flowing = stream.write(
        sseFrame(event.id, event.event.type, event.json ?? JSON.stringify(event.event))
      );
      route.probe?.written(this.sessionId, event.id);
      this.cursor = event.id;
      this.sent++;
      const last = isLast(event.event);
      if (!flowing) {
        this.state = last ? 'draining-last' : 'draining';
        return;
      }
      if (last) return this.end();
    }
    // Caught up. Events that went out mark the session active, at most once per heartbeat
    // interval (the resolution of a quiet stream's marks too): not once per message, which on
    // Redis was a round trip per message.
    const sent = this.sent;
    this.sent = 0;
    if (sent > 0 && route.now() - this.touchedAt >= route.heartbeatMs) return this.touch();
    if (this.gone || this.stopping) return this.end();
    this.state = 'idle';
    route.heartbeats.start(this);
  }

  /** Marks the session active, then writes on. */
  private touch(): void {
    this.state = 'touching';
    this.touchedAt = this.route.now();
    this.route.store.idle.touch(this.sessionId, this.touchedAt).then(
      () => {
        if (this.state === 'touching') this.pump();
      },
      (error: unknown) => this.fail(error)
    );
  }

  private readGap(): void {
    this.state = 'reading';
    this.route.store.events.read(this.sessionId, this.cursor).then(
      (events) => {
        if (this.state !== 'reading') return;
        this.batch = events;
        this.batchAt = 0;
        this.pump();
      },
      (error: unknown) => this.fail(error)
    );
  }

  /** The store failed mid-stream: end it; the browser reconnects (here or elsewhere). */
  private fail(error: unknown): void {
    if (this.state === 'ended') return;
    this.route.logger.warn('event stream ended by a store failure', {
      requestId: this.requestId,
      session: this.sessionId,
      error,
    });
    this.end();
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.unwatch?.();
    this.unwatch = undefined;
    this.batch = this.heard = undefined;
    this.route.heartbeats.stop(this);
    this.route.streams.leave(this);
    this.stream?.end();
  }
}
