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
  type Choice,
  type EndedBy,
  type FilePolicy,
  type MessageFile,
  type SessionSnapshot,
  type Upload,
} from '../../../src/wire/handoff/index.js';

/** An upload as the fake proxy received it. */
export interface UploadRequest {
  id: string;
  name: string;
  contentType: string;
  size: number;
  authorization: string | null;
}

/** What agents and tests may upload, unless a test says otherwise. */
export const POLICY: FilePolicy = {
  contentTypes: ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'],
  maxBytes: 25 * 1024 * 1024,
};

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
  filePolicy?: FilePolicy;
  /** The visitor's uploads by id, sent in a message or not. */
  uploads: Map<string, Upload>;
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
  /** Every upload PUT that reached the proxy, repeats included, in order. */
  uploadRequests: UploadRequest[] = [];
  /** The next this many uploads are answered 500. */
  failUploads = 0;
  /** While set, uploads wait for it before they answer (an upload in progress). */
  uploadGate: Promise<void> | null = null;
  /** An agent's files by id, and the Authorization header each GET of one carried. */
  readonly agentFiles = new Map<string, Blob>();
  fileRequests: Array<{id: string; authorization: string | null}> = [];

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
        uploads: new Map(),
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
      const files: MessageFile[] = [];
      for (const uploadId of parsed.data.files ?? []) {
        const upload = session.uploads.get(uploadId);
        if (upload?.status !== 'ready') return problem(409, 'upload-not-ready', 'Not scanned.');
        files.push({id: upload.id, name: upload.name, contentType: upload.contentType});
      }
      const message: ChatMessage = {
        id,
        from: 'visitor',
        text: parsed.data.text,
        at: new Date().toISOString(),
        ...(files.length ? {files} : {}),
        ...(parsed.data.answer ? {answer: parsed.data.answer} : {}),
      };
      session.messages.push(message);
      this.emit(session, {type: 'message', message});
      return HttpResponse.json({message}, {status: 201});
    }),

    http.put(`${SESSIONS}/:id/uploads/:uploadId`, async ({request, params}) => {
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      const id = String(params.uploadId);
      // The record of the test the request came in: a reset while the body arrives (the next
      // test's) starts a new one, which this request is not part of.
      const recorded = this.uploadRequests;
      const body = await request.arrayBuffer();
      const received: UploadRequest = {
        id,
        name: decodeURIComponent(request.headers.get('X-File-Name') ?? ''),
        contentType: request.headers.get('Content-Type') ?? '',
        size: body.byteLength,
        authorization: request.headers.get('Authorization'),
      };
      recorded.push(received);
      await this.uploadGate;
      if (this.failUploads > 0) {
        this.failUploads--;
        return problem(500, 'glia-unavailable', 'Glia did not take the file.');
      }
      const known = session.uploads.get(id);
      if (known) return HttpResponse.json({upload: known});
      const upload: Upload = {
        id,
        name: received.name,
        size: received.size,
        contentType: received.contentType,
        status: 'scanning',
      };
      session.uploads.set(id, upload);
      return HttpResponse.json({upload}, {status: 201});
    }),

    http.get(`${SESSIONS}/:id/files/:fileId`, ({request, params}) => {
      const id = String(params.fileId);
      this.fileRequests.push({id, authorization: request.headers.get('Authorization')});
      const session = this.authorize(request, params.id);
      if (session instanceof Response) return session;
      const file = this.agentFiles.get(id);
      return file
        ? new HttpResponse(file, {headers: {'Content-Type': file.type}})
        : problem(404, 'not-found', 'No such file.');
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
    /** The agent joins; `filePolicy` says what the visitor may upload (none: no files). */
    accept: (name = 'Sam', filePolicy?: FilePolicy) => {
      const session = this.latest();
      session.operator = {name};
      this.emit(session, {type: 'operator', operator: {name}, change: 'joined'});
      session.status = 'engaged';
      session.filePolicy = filePolicy;
      this.emit(session, {type: 'status', status: 'engaged', ...(filePolicy ? {filePolicy} : {})});
    },
    /** A message from the agent, with files (`agentFiles` serves them) or a question. */
    say: (text: string, extra: {files?: MessageFile[]; choice?: Choice} = {}): ChatMessage => {
      const session = this.latest();
      const message: ChatMessage = {
        id: `op-${++counter}`,
        from: 'operator',
        text,
        at: new Date().toISOString(),
        ...extra,
      };
      session.messages.push(message);
      this.emit(session, {type: 'message', message});
      return message;
    },
    /** Glia's scan reports on an upload. */
    scan: (uploadId: string, status: 'ready' | 'infected') => {
      const session = this.latest();
      const upload = session.uploads.get(uploadId);
      if (!upload) throw new Error(`No upload ${uploadId}`);
      upload.status = status;
      this.emit(session, {type: 'upload', upload});
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
    this.uploadRequests = [];
    this.failUploads = 0;
    this.uploadGate = null;
    this.agentFiles.clear();
    this.fileRequests = [];
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
      ...(session.status === 'engaged' && session.filePolicy
        ? {filePolicy: session.filePolicy}
        : {}),
      ...(session.uploads.size ? {uploads: this.unsentUploads(session)} : {}),
    };
  }

  /** Uploads no message names yet. */
  private unsentUploads(session: FakeSession): Upload[] {
    const sent = new Set(session.messages.flatMap((m) => m.files?.map((f) => f.id) ?? []));
    return [...session.uploads.values()].filter((u) => !sent.has(u.id));
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
