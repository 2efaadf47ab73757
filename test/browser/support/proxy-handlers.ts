/**
 * An in-memory fake of the glia-handoff proxy for browser tests, as msw handlers. It keeps the
 * contract of docs/contract.md ("Browser ⇄ proxy"): request bodies are
 * validated with the wire schemas (400 on bad input), session routes need the bearer token, every
 * change is an event in a per-session log streamed as SSE frames with integer ids, and a stream
 * resumes after `Last-Event-ID`. `operator` plays the agent's side.
 */
import {http, HttpResponse, type HttpHandler} from 'msw';
import {
  SendMessageRequest,
  StartSessionRequest,
  TypingRequest,
  type ChatEvent,
  type ChatMessage,
  type EndedBy,
  type SessionSnapshot,
} from '../../../src/wire/handoff/index.js';

/** The proxy origin every test widget points at. */
export const PROXY = 'https://proxy.test';
const SESSIONS = `${PROXY}/handoff/sessions`;

/** A session as the fake proxy keeps it. */
export interface FakeSession {
  id: string;
  token: string;
  createdAt: string;
  /** The start request as the proxy received it (what the agent sees with the ticket). */
  request: StartSessionRequest;
  status: SessionSnapshot['status'];
  operator: {name: string} | null;
  messages: ChatMessage[];
  endedBy?: EndedBy;
  reason?: string;
  /** The event log: position i holds event id i + 1. */
  log: string[];
  streams: Set<ReadableStreamDefaultController<Uint8Array>>;
  visitorTyping: boolean;
}

const encoder = new TextEncoder();

function problem(status: number, code: string, message: string, hint?: string) {
  return HttpResponse.json({error: {code, message, ...(hint ? {hint} : {})}}, {status});
}

let counter = 0;

export class FakeProxy {
  readonly sessions = new Map<string, FakeSession>();
  /** False = the proxy cannot be reached: every request fails like a dropped network. */
  reachable = true;
  /** How long ago the next session was created (a visitor who has waited a while). */
  nextCreatedAgoMs = 0;
  /** The queue's average wait the proxy reports while queued (undefined: Glia said nothing). */
  estimatedWaitSeconds: number | undefined = undefined;

  readonly handlers: HttpHandler[] = [
    http.all(`${PROXY}/*`, () => (this.reachable ? undefined : HttpResponse.error())),

    http.post(SESSIONS, async ({request}) => {
      const parsed = StartSessionRequest.safeParse(await request.json().catch(() => null));
      if (!parsed.success) {
        return problem(400, 'validation', 'The request is not valid.', parsed.error.message);
      }
      const id = `s-${++counter}`;
      const session: FakeSession = {
        id,
        token: `token-${id}-${'x'.repeat(32)}`,
        createdAt: new Date(Date.now() - this.nextCreatedAgoMs).toISOString(),
        request: parsed.data,
        status: 'queued',
        operator: null,
        messages: [],
        log: [],
        streams: new Set(),
        visitorTyping: false,
      };
      this.sessions.set(id, session);
      this.emit(session, {type: 'status', status: 'queued'});
      return HttpResponse.json(
        {session: {...this.snapshot(session), token: session.token}},
        {status: 201}
      );
    }),

    http.get(`${SESSIONS}/:id/events`, ({request, params}) => {
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      const after = Number(
        request.headers.get('Last-Event-ID') ?? new URL(request.url).searchParams.get('after') ?? 0
      );
      let own: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          own = controller;
          session.log.slice(after).forEach((frame) => controller.enqueue(encoder.encode(frame)));
          session.streams.add(controller);
        },
        cancel: () => {
          session.streams.delete(own);
        },
      });
      return new HttpResponse(body, {
        headers: {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache'},
      });
    }),

    http.get(`${SESSIONS}/:id`, ({request, params}) => {
      const session = this.authorize(request, params.id);
      return session instanceof Response ? session : HttpResponse.json(this.snapshot(session));
    }),

    http.put(`${SESSIONS}/:id/messages/:messageId`, async ({request, params}) => {
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      const parsed = SendMessageRequest.safeParse(await request.json().catch(() => null));
      if (!parsed.success) return problem(400, 'validation', 'The message is not valid.');
      const id = String(params.messageId);
      const known = session.messages.find((m) => m.id === id);
      if (known) return HttpResponse.json({message: known});
      if (session.status !== 'engaged') {
        return problem(409, 'not-engaged', 'No agent is connected to this chat.');
      }
      const message: ChatMessage = {
        id,
        from: 'visitor',
        text: parsed.data.text,
        at: new Date().toISOString(),
      };
      session.messages.push(message);
      this.emit(session, {type: 'message', message});
      return HttpResponse.json({message}, {status: 201});
    }),

    http.put(`${SESSIONS}/:id/typing`, async ({request, params}) => {
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      const parsed = TypingRequest.safeParse(await request.json().catch(() => null));
      if (!parsed.success) return problem(400, 'validation', 'The typing update is not valid.');
      session.visitorTyping = parsed.data.typing;
      return new HttpResponse(null, {status: 204});
    }),

    http.delete(`${SESSIONS}/:id`, ({request, params}) => {
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      if (session.status === 'queued' || session.status === 'engaged')
        this.finish(session, 'visitor');
      return HttpResponse.json(this.snapshot(session));
    }),
  ];

  /** The agent's side of the most recent session. */
  readonly operator = {
    accept: (name = 'Sam') => {
      const session = this.latest();
      session.operator = {name};
      this.emit(session, {type: 'operator', operator: {name}, change: 'joined'});
      session.status = 'engaged';
      this.emit(session, {type: 'status', status: 'engaged'});
    },
    say: (text: string) => {
      const session = this.latest();
      const message: ChatMessage = {
        id: `op-${++counter}`,
        from: 'operator',
        text,
        at: new Date().toISOString(),
      };
      session.messages.push(message);
      this.emit(session, {type: 'message', message});
    },
    typing: (typing: boolean) => this.emit(this.latest(), {type: 'typing', typing}),
    transfer: (name: string) => {
      const session = this.latest();
      session.operator = {name};
      this.emit(session, {type: 'operator', operator: {name}, change: 'transferred'});
    },
    end: () => this.finish(this.latest(), 'operator'),
    fail: (reason: string) => {
      const session = this.latest();
      session.status = 'failed';
      session.reason = reason;
      this.emit(session, {type: 'status', status: 'failed', reason});
    },
    error: (error: {code: string; message: string; hint?: string}) =>
      this.emit(this.latest(), {type: 'error', error}),
    /** A frame that breaks the contract, with the next event id. */
    badFrame: (data: string) => this.emitRaw(this.latest(), 'message', data),
  };

  /** The most recently created session. */
  latest(): FakeSession {
    const all = [...this.sessions.values()];
    const last = all[all.length - 1];
    if (!last) throw new Error('The fake proxy has no session yet');
    return last;
  }

  /** The visitor's messages as the agent received them. */
  visitorMessages(): ChatMessage[] {
    return this.latest().messages.filter((m) => m.from === 'visitor');
  }

  /** Make the proxy unreachable (open streams break) or reachable again. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
    if (reachable) return;
    for (const session of this.sessions.values()) {
      for (const stream of session.streams) {
        try {
          stream.error(new TypeError('network connection lost'));
        } catch {
          // already closed
        }
      }
      session.streams.clear();
    }
  }

  reset(): void {
    this.setReachable(false);
    this.sessions.clear();
    this.reachable = true;
    this.nextCreatedAgoMs = 0;
    this.estimatedWaitSeconds = undefined;
  }

  snapshot(session: FakeSession): SessionSnapshot {
    return {
      id: session.id,
      status: session.status,
      createdAt: session.createdAt,
      operator: session.operator,
      messages: session.messages,
      lastEventId: session.log.length ? String(session.log.length) : null,
      ...(session.reason ? {reason: session.reason} : {}),
      ...(session.endedBy ? {endedBy: session.endedBy} : {}),
      ...(session.status === 'queued' && this.estimatedWaitSeconds
        ? {estimatedWaitSeconds: this.estimatedWaitSeconds}
        : {}),
    };
  }

  private finish(session: FakeSession, by: EndedBy) {
    session.status = 'ended';
    session.endedBy = by;
    this.emit(session, {type: 'ended', by});
    this.emit(session, {type: 'status', status: 'ended'});
  }

  private authorize(request: Request, id: unknown): FakeSession | Response {
    const session = this.sessions.get(String(id));
    if (!session) return problem(404, 'not-found', 'This conversation no longer exists.');
    if (request.headers.get('Authorization') !== `Bearer ${session.token}`) {
      return problem(401, 'unauthorized', 'This conversation belongs to someone else.');
    }
    return session;
  }

  private emit(session: FakeSession, event: ChatEvent) {
    this.emitRaw(session, event.type, JSON.stringify(event));
  }

  private emitRaw(session: FakeSession, type: string, data: string) {
    const frame = `id: ${session.log.length + 1}\nevent: ${type}\ndata: ${data}\n\n`;
    session.log.push(frame);
    for (const stream of session.streams) {
      try {
        stream.enqueue(encoder.encode(frame));
      } catch {
        session.streams.delete(stream);
      }
    }
  }
}
