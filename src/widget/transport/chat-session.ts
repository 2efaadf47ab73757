/**
 * @module One visitor's conversation with one proxy, without any UI: it restores the shared
 * record, starts a session (once across tabs), and, in the one tab that holds the stream lock,
 * reads the event stream, catches up over REST after every (re)connect and delivers the outbox in
 * order. Every change goes through `transition` inside the store's lock, so every tab renders the
 * same conversation.
 */
import type {ChoiceAnswer, StartSessionRequest} from '../../wire/handoff/index.js';
import {dropFile, fileBytes, keepFile, pruneFiles} from '../store/file-store.js';
import {
  chatOf,
  deliverable,
  isActive,
  outboxFiles,
  sortFiles,
  transition,
  type Chat,
  type FileRefusal,
  type OutboxFile,
  type OutboxItem,
  type Problem,
  type SessionEvent,
} from '../store/session-state.js';
import {SessionStore, withLock, type ViewState} from '../store/session-store.js';
import {sessionKey} from '../store/stored-session.js';
import {EventStream, GONE, backoffMs} from './event-stream.js';
import {ProxyClient, ProxyError} from './proxy-client.js';

export interface ChatSessionOptions {
  /** The proxy's base URL as the page gave it (`` = same origin). */
  proxyUrl: string;
  fetcher?: typeof fetch;
}

const now = () => new Date().toISOString();

/** A uuid for a message; `randomUUID` exists only in secure contexts (https, localhost). */
function newId(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The widget's view of a failed request. */
export function toProblem(error: unknown): Problem {
  if (!(error instanceof ProxyError)) return {code: 'unexpected', message: ''};
  const {code, message, hint, retryAfter} = error.detail;
  return {
    code,
    message,
    hint,
    retryAt: retryAfter === undefined ? undefined : Date.now() + retryAfter * 1000,
  };
}

/** The proxy no longer knows the session; the widget words it itself. */
const LOST: Problem = {code: 'session-lost', message: ''};
/** This browser no longer has a waiting file's bytes (storage was cleared). */
const LOST_FILE: Problem = {code: 'file-lost', message: ''};

const isGone = (error: unknown) => error instanceof ProxyError && GONE.has(error.detail.status);

/** No answer, or a 429/503: worth trying again, after `Retry-After` when the proxy gave one. */
const isTransient = ({kind, status}: ProxyError['detail']) =>
  kind === 'network' || status === 429 || status === 503;
const waitMs = ({retryAfter}: ProxyError['detail'], attempt: number) =>
  retryAfter === undefined ? backoffMs(attempt) : retryAfter * 1000;
/** A refusal in the proxy's words, for the alert; none when it gave no words. */
const refusal = (error: ProxyError) => (error.detail.message ? toProblem(error) : undefined);

/** Outbox files that still have to go up, in the order they were attached. */
const toUpload = (chat: Chat): OutboxFile[] =>
  outboxFiles(chat).filter((f) => f.stage === 'waiting' || f.stage === 'uploading');

export class ChatSession {
  readonly store: SessionStore;
  /** Resolves once the stored record is loaded: render nothing before it. */
  readonly ready: Promise<void>;

  readonly #client: ProxyClient;
  readonly #fetcher: typeof fetch | undefined;
  readonly #startLock: string;
  readonly #disposed = new AbortController();
  #leading = false;
  #stream: EventStream | null = null;
  #streamSessionId: string | null = null;
  #flushing = false;
  #uploading = false;
  /** Uploads in a row that got no answer: the backoff grows with them. */
  #uploadMisses = 0;
  /** The uploads this tab is sending now, to abort one the person cancelled (in any tab). */
  readonly #uploads = new Map<string, AbortController>();
  /** How far each of this tab's uploads has got (0…1): not shared, it changes too often. */
  readonly progress = new Map<string, number>();
  /** Runs when `progress` changed. */
  onProgress: () => void = () => undefined;
  /** Problems no state shows (a frame that broke the contract): for the page's error listeners. */
  onReport: (problem: Problem) => void = () => undefined;
  /** Cut delivery and upload backoffs short (the stream is live again). */
  readonly #wakers = new Set<() => void>();
  #typingSentAt = 0;
  #pendingView: Partial<ViewState> = {};
  /** A view write is on its way; later changes wait in #pendingView. */
  #viewWriting: Promise<unknown> | null = null;
  /** The newest draft handed to saveView. */
  #draft: string | null = null;

  constructor(options: ChatSessionOptions) {
    const key = sessionKey(options.proxyUrl);
    this.store = new SessionStore(key);
    this.#client = new ProxyClient(options.proxyUrl, options.fetcher);
    this.#fetcher = options.fetcher;
    this.#startLock = `glia-handoff:start:${key}`;
    this.store.subscribe(() => this.#react());
    const {signal} = this.#disposed;
    addEventListener('pagehide', this.#rescueDraft, {signal});
    document.addEventListener('visibilitychange', this.#flushView, {signal});
    this.ready = this.#restore();
  }

  /** File a ticket, unless this or another tab already has a session (single-flight). */
  async start(request: StartSessionRequest): Promise<void> {
    const requested: SessionEvent = {
      type: 'start-requested',
      description: request.description,
      startId: newId(),
    };
    await withLock(this.#startLock, async () => {
      if (this.#isDisposed) return;
      // Claimed in the store's transaction, against the stored record: another tab may have
      // started while this one waited, or beside it on a page without Web Locks.
      let startId: string | undefined;
      await this.store.updateSession((session) => {
        const next = transition(session, requested);
        startId = next !== session && next.status === 'starting' ? next.startId : undefined;
        return next;
      });
      if (!startId) return;
      try {
        const session = await this.#client.start({...request, startId});
        await this.apply({type: 'start-succeeded', session});
      } catch (error) {
        await this.apply({type: 'start-failed', problem: toProblem(error)});
      }
    });
  }

  /** Queue a message; the stream tab delivers it (now, or when the proxy is reachable again). */
  async send(text: string, answer?: ChoiceAnswer): Promise<void> {
    this.typing(false);
    await this.apply({type: 'message-queued', id: newId(), text, at: now(), answer});
  }

  /**
   * Attach files (with the text typed alongside): the ones the chat's policy and the pending
   * quota take are kept in IndexedDB and queued as one message that goes once they are scanned;
   * the rest come back with the reason, for the person to be told.
   */
  async attach(files: File[], text: string): Promise<Array<[File, FileRefusal]>> {
    const {session} = this.store.record;
    if (session.status !== 'engaged') return [];
    const {taken, refused} = sortFiles(session.chat, files);
    const queued = [];
    for (const file of taken) {
      const id = newId();
      if (!(await keepFile(id, file))) refused.push([file, 'quota']);
      else queued.push({id, name: file.name || 'file', size: file.size, contentType: file.type});
    }
    if (queued.length) {
      this.typing(false);
      await this.apply({type: 'message-queued', id: newId(), text, at: now(), files: queued});
    }
    return refused;
  }

  /** An agent's file, fetched with the session token (the route needs it). */
  fileBlob(fileId: string): Promise<Blob> {
    const chat = chatOf(this.store.record.session);
    if (!chat) return Promise.reject(new Error('no chat'));
    return this.#client.file(chat.id, chat.token, fileId);
  }

  /** Cancel an upload or remove a file from its message (an infected one). */
  async removeFile(id: string): Promise<void> {
    await this.apply({type: 'upload-removed', id});
    await dropFile(id);
  }

  /** Cancel the wait or end the chat. */
  async end(): Promise<void> {
    const {session} = this.store.record;
    if (!isActive(session)) return;
    try {
      const snapshot = await this.#client.end(session.chat.id, session.chat.token);
      await this.apply({type: 'snapshot-loaded', snapshot});
    } catch (error) {
      await this.apply(
        isGone(error)
          ? {type: 'session-lost', problem: LOST}
          : {type: 'alert-raised', problem: toProblem(error)}
      );
    }
  }

  /** Tell the agent the visitor is typing; at most one update per 3 s (Glia's advice, G11). */
  typing(active: boolean): void {
    const {session} = this.store.record;
    if (session.status !== 'engaged') return;
    const time = Date.now();
    if (active ? time - this.#typingSentAt < 3000 : this.#typingSentAt === 0) return;
    this.#typingSentAt = active ? time : 0;
    this.#client.typing(session.chat.id, session.chat.token, active).catch(() => undefined);
  }

  /**
   * Remember panel state for a reload, every keystroke of a draft included: the write is asked
   * for at once (a reload 50 ms after typing keeps the text). While one write is on its way the
   * next changes gather and go in one write after it; `pagehide` and a hidden page send what
   * has gathered without waiting.
   */
  saveView(change: Partial<ViewState>): void {
    if (change.draft !== undefined) this.#draft = change.draft;
    Object.assign(this.#pendingView, change);
    if (!this.#viewWriting) this.#writeView();
  }

  dispose(): void {
    this.#writeView();
    this.#disposed.abort();
    this.#leading = false;
    this.#stream?.close();
    this.#stream = null;
    for (const upload of this.#uploads.values()) upload.abort();
    for (const wake of this.#wakers) wake();
    this.store.dispose();
  }

  get #isDisposed() {
    return this.#disposed.signal.aborted;
  }

  /**
   * Change the shared record with what happened; the panel's own events too (a retry, a reset, a
   * dismissed alert: the state machine says what each changes). A disposed session (its tab is
   * gone) changes nothing.
   */
  async apply(event: SessionEvent): Promise<unknown> {
    if (this.#isDisposed) return;
    return this.store.updateSession((session) => transition(session, event));
  }

  #writeView(): void {
    const view = this.#pendingView;
    this.#pendingView = {};
    if (Object.keys(view).length === 0) return;
    const writing = this.store.update((record) => ({...record, view: {...record.view, ...view}}));
    this.#viewWriting = writing;
    void writing.finally(() => {
      if (this.#viewWriting !== writing) return;
      this.#viewWriting = null;
      this.#writeView();
    });
  }

  /** The page is out of sight: write what waits now. */
  readonly #flushView = () => {
    if (document.visibilityState === 'hidden') this.#writeView();
  };

  get #rescueKey() {
    return `glia-handoff:draft:${this.store.key}`;
  }

  /**
   * The page is going away (a reload 20 ms after the last key): a write to IndexedDB may not
   * finish before it does, so the newest draft also goes, synchronously, to this tab's
   * sessionStorage, for the reload to pick up (restoreDraft).
   */
  readonly #rescueDraft = () => {
    const unwritten = this.#viewWriting !== null || 'draft' in this.#pendingView;
    this.#writeView();
    try {
      if (unwritten && this.#draft !== null) sessionStorage.setItem(this.#rescueKey, this.#draft);
    } catch {
      // No sessionStorage (sandboxed frames): the IndexedDB write is all there is.
    }
  };

  /** A draft rescued by the last pagehide of this tab wins over the stored one. */
  async #restoreDraft(): Promise<void> {
    let draft: string | null = null;
    try {
      draft = sessionStorage.getItem(this.#rescueKey);
      sessionStorage.removeItem(this.#rescueKey);
    } catch {
      return;
    }
    if (draft === null || draft === this.store.record.view.draft) return;
    await this.store.update((record) => ({...record, view: {...record.view, draft}}));
  }

  async #restore(): Promise<void> {
    const {session} = await this.store.restore();
    await this.#restoreDraft();
    if (session.status === 'starting') {
      const locks = await navigator.locks?.query();
      if (!locks?.held?.some((lock) => lock.name === this.#startLock)) {
        await this.apply({type: 'start-abandoned'});
      }
    }
    // Bytes of files no message names any more (their chat ended while they waited).
    const held = isActive(session) ? outboxFiles(session.chat) : [];
    void pruneFiles(new Set(held.map((f) => f.id)));
    this.#claimStream();
  }

  /** One tab per proxy holds the stream; when it closes, the lock passes to another tab. */
  #claimStream(): void {
    const {signal} = this.#disposed;
    const hold = () => {
      this.#leading = true;
      this.#react();
      return new Promise<void>((release) => signal.addEventListener('abort', () => release()));
    };
    if (!navigator.locks) {
      void hold();
      return;
    }
    navigator.locks
      .request(`glia-handoff:stream:${this.store.key}`, {signal}, hold)
      .catch(() => undefined);
  }

  /** Bring the stream and the outbox in line with the current state (stream tab only). */
  #react(): void {
    if (!this.#leading || this.#isDisposed) return;
    const {session} = this.store.record;
    const chat = isActive(session) ? session.chat : null;
    if (this.#stream && this.#streamSessionId !== chat?.id) {
      this.#stream.close();
      this.#stream = null;
      this.#streamSessionId = null;
    }
    if (chat && !this.#stream) this.#openStream(chat);
    // A file cancelled in any tab stops going up.
    const pending = new Set(chat ? toUpload(chat).map((f) => f.id) : []);
    for (const [id, upload] of this.#uploads) if (!pending.has(id)) upload.abort();
    if (session.status !== 'engaged') return;
    if (session.chat.outbox.some(deliverable)) void this.#flush();
    if (pending.size) void this.#pumpUploads();
  }

  /** Upload waiting files one at a time, oldest first; an upload its tab left behind too. */
  async #pumpUploads(): Promise<void> {
    if (this.#uploading) return;
    this.#uploading = true;
    try {
      for (;;) {
        const {session} = this.store.record;
        if (!this.#leading || this.#isDisposed || session.status !== 'engaged') return;
        // Offline, files wait; the link coming back changes the state and starts them again.
        if (session.chat.link === 'offline') return;
        const file = toUpload(session.chat)[0];
        if (!file) return;
        await this.#upload(session.chat, file);
      }
    } finally {
      this.#uploading = false;
    }
  }

  /**
   * PUT one file's bytes. Without an answer it waits and goes again (at once when the stream is
   * live again); a 429/503 waits `Retry-After`; a refusal marks it failed, for the retry button.
   */
  async #upload(chat: Chat, file: OutboxFile): Promise<void> {
    const blob = await fileBytes(file.id);
    if (!blob) {
      await this.apply({type: 'upload-failed', id: file.id, problem: LOST_FILE});
      return;
    }
    await this.apply({type: 'upload-started', id: file.id});
    const abort = new AbortController();
    this.#uploads.set(file.id, abort);
    const report = (fraction: number) => {
      this.progress.set(file.id, fraction);
      this.onProgress();
    };
    try {
      const upload = await this.#client.upload(
        chat.id,
        chat.token,
        file.id,
        blob,
        file.name,
        report,
        abort.signal
      );
      this.#uploadMisses = 0;
      await this.apply({type: 'upload-accepted', upload});
      await dropFile(file.id);
    } catch (error) {
      if (abort.signal.aborted || !(error instanceof ProxyError)) return;
      if (isGone(error)) {
        await this.apply({type: 'session-lost', problem: LOST});
        return;
      }
      if (isTransient(error.detail)) {
        await this.apply({type: 'upload-interrupted', id: file.id});
        await this.#sleep(waitMs(error.detail, this.#uploadMisses++));
        return;
      }
      await this.apply({type: 'upload-failed', id: file.id, problem: refusal(error)});
    } finally {
      this.#uploads.delete(file.id);
      this.progress.delete(file.id);
      this.onProgress();
    }
  }

  #openStream(chat: Chat): void {
    this.#streamSessionId = chat.id;
    this.#stream = new EventStream({
      url: this.#client.eventsUrl(chat.id),
      token: chat.token,
      lastEventId: chat.lastEventId,
      fetcher: this.#fetcher,
      onFrame: (result) => {
        if (!result.ok) {
          const message = `Skipped event ${result.id ?? '(no id)'}: ${result.error}`;
          this.onReport({code: 'invalid-event', message});
        }
        void this.apply(
          result.ok
            ? {type: 'event-received', id: result.id, event: result.event, at: now()}
            : {type: 'frame-rejected', id: result.id}
        );
      },
      onLink: (link) => {
        void this.apply({type: 'link-changed', link});
        if (link === 'live') for (const wake of this.#wakers) wake();
      },
      onOpen: () => void this.#catchUp(chat),
      onGone: () => void this.apply({type: 'session-lost', problem: LOST}),
    });
  }

  /** After a (re)connect, fetch the snapshot in case the stream's replay missed something. */
  async #catchUp(chat: Chat): Promise<void> {
    try {
      const snapshot = await this.#client.snapshot(chat.id, chat.token);
      await this.apply({type: 'snapshot-loaded', snapshot});
    } catch (error) {
      if (isGone(error)) {
        await this.apply({type: 'session-lost', problem: LOST});
      }
    }
  }

  /** Deliver queued messages one at a time, oldest first. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (;;) {
        const {session} = this.store.record;
        if (!this.#leading || session.status !== 'engaged') return;
        // A message waits for its files' scan; the ones after it need not.
        const item = session.chat.outbox.find(deliverable);
        if (!item) return;
        await this.#deliver(session.chat, item);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * PUT one message until it is accepted or refused. Without an answer (offline, proxy down) it
   * stays queued and is tried again with backoff, at once when the stream is live again; a 429
   * waits `Retry-After`; a 5xx is tried three times and then marked failed, for the retry button.
   */
  async #deliver(chat: Chat, item: OutboxItem): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const {text, files, answer} = item;
        const message = await this.#client.send(chat.id, chat.token, item.id, {
          text,
          ...(files ? {files: files.map((f) => f.id)} : {}),
          ...(answer ? {answer} : {}),
        });
        await this.apply({type: 'message-accepted', message});
        return;
      } catch (error) {
        if (!(error instanceof ProxyError)) throw error;
        if (isGone(error)) {
          // The proxy forgot the session (a restart without shared storage): say so at once,
          // rather than a refused message while the chat still looks alive.
          await this.apply({type: 'session-lost', problem: LOST});
          return;
        }
        if (!isTransient(error.detail) && (error.detail.status < 500 || attempt >= 2)) {
          await this.apply({type: 'message-failed', id: item.id, problem: refusal(error)});
          return;
        }
        await this.#sleep(waitMs(error.detail, attempt));
      }
      const {session} = this.store.record;
      const current =
        session.status === 'engaged' && session.chat.id === chat.id
          ? session.chat.outbox.find((m) => m.id === item.id)
          : undefined;
      if (this.#isDisposed || current?.delivery !== 'sending') return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}
