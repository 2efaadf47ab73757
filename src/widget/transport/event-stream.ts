/**
 * @module A session's event stream, read with fetch (EventSource cannot send `Authorization`).
 * It reconnects with backoff (a 503's `Retry-After` when the proxy gives one), at once on `online`
 * and when the page becomes visible, and resumes
 * after the last event id (`Last-Event-ID`). A silent connection (no byte, not even the 15 s
 * heartbeat, for `silenceMs`) is treated as dead: proxies that buffer or drop idle streams would
 * otherwise leave a chat that looks healthy and is stale (docs/architecture.md, "Why the boundaries are where they are").
 * Every frame is checked against ChatEvent (src/wire/handoff/checks.generated.ts); a bad frame is
 * reported, never thrown.
 */
import {backoffMs as backoff} from '../../kit/backoff.js';
import type {Frame} from '../../kit/sse.js';
import {createFrameParser} from '../../kit/sse.js';
import * as checks from '../../wire/handoff/checks.generated.js';
import type {ChatEvent} from '../../wire/handoff/index.js';
import type {Link} from '../store/session-state.js';

export type {Frame} from '../../kit/sse.js';

/** A frame as the consumer gets it: a valid ChatEvent, or the reason it is not one. */
export type FrameResult =
  | {ok: true; id: string | null; event: ChatEvent}
  | {ok: false; id: string | null; data: string; error: string};

/** Validate a frame's JSON against the ChatEvent union. */
export function parseFrame(frame: Frame): FrameResult {
  let json: unknown;
  try {
    json = JSON.parse(frame.data);
  } catch {
    return {ok: false, id: frame.id, data: frame.data, error: 'not JSON'};
  }
  const parsed = checks.ChatEvent.safeParse(json);
  return parsed.success
    ? {ok: true, id: frame.id, event: parsed.data}
    : {ok: false, id: frame.id, data: frame.data, error: 'not a ChatEvent'};
}

export interface EventStreamOptions {
  url: string;
  token: string;
  /** Resume after this id (the last event this tab has applied). */
  lastEventId: string | null;
  onFrame: (result: FrameResult) => void;
  /** The connection as the visitor should see it. */
  onLink: (link: Link) => void;
  /** Called on every successful (re)connect: the moment for a REST catch-up. */
  onOpen: () => void;
  /** The proxy refused the session (401/403/404/410): the stream stops for good. */
  onGone: (status: number) => void;
  fetcher?: typeof fetch;
  /** Reconnect when nothing arrived for this long; default 45 s (three missed heartbeats). */
  silenceMs?: number;
}

/** Backoff before reconnect attempt `n` (0-based): up to 1 s, 2 s, 4 s … 30 s, never under half. */
export const backoffMs = (attempt: number): number =>
  backoff(attempt, {baseMs: 1000, maxMs: 30_000});

/** Statuses that mean the proxy no longer knows the session (for the stream and REST alike). */
export const GONE = new Set([401, 403, 404, 410]);

/** Reads one session's events until `close()`. Starts connecting at once. */
export class EventStream {
  readonly #options: EventStreamOptions;
  #lastEventId: string | null;
  #closed = false;
  #connection: AbortController | null = null;
  /** Resolves the current backoff wait early (online, visible again). */
  #wake: (() => void) | null = null;
  #silence: ReturnType<typeof setTimeout> | undefined;
  /** The browser said `offline` and not yet `online` again. */
  #offline = false;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#lastEventId = options.lastEventId;
    addEventListener('online', this.#handleOnline);
    addEventListener('offline', this.#handleOffline);
    document.addEventListener('visibilitychange', this.#handleVisible);
    void this.#run();
  }

  close(): void {
    this.#closed = true;
    removeEventListener('online', this.#handleOnline);
    removeEventListener('offline', this.#handleOffline);
    document.removeEventListener('visibilitychange', this.#handleVisible);
    clearTimeout(this.#silence);
    this.#connection?.abort();
    this.#wake?.();
  }

  readonly #handleOnline = () => {
    this.#offline = false;
    this.#wake?.();
  };
  readonly #handleOffline = () => {
    this.#offline = true;
    this.#options.onLink('offline');
    this.#connection?.abort();
  };
  readonly #handleVisible = () => {
    if (document.visibilityState === 'visible') this.#wake?.();
  };

  async #run(): Promise<void> {
    const {onLink, onOpen, onGone} = this.#options;
    const fetcher = this.#options.fetcher ?? ((...args) => fetch(...args));
    for (let attempt = 0; !this.#closed;) {
      this.#connection = new AbortController();
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        Authorization: `Bearer ${this.#options.token}`,
      };
      if (this.#lastEventId !== null) headers['Last-Event-ID'] = this.#lastEventId;
      let retryAfter: number | undefined;
      try {
        const response = await fetcher(this.#options.url, {
          headers,
          cache: 'no-store',
          signal: this.#connection.signal,
        });
        if (GONE.has(response.status)) {
          if (!this.#closed) onGone(response.status);
          return;
        }
        if (!response.ok || !response.body) {
          retryAfter = Number(response.headers.get('Retry-After')) || undefined;
          throw new Error(`event stream answered ${response.status}`);
        }
        attempt = 0;
        onLink('live');
        onOpen();
        await this.#read(response.body);
        // The proxy closed a healthy stream (restart, idle timeout): reconnect soon, quietly.
        await this.#pause(backoffMs(0));
        continue;
      } catch {
        if (this.#closed) return;
        // The visitor's network, or the chat service: they call for different words.
        onLink(this.#offline || !navigator.onLine ? 'offline' : 'down');
      } finally {
        clearTimeout(this.#silence);
      }
      // The link keeps saying offline/down until a connection is live again (no flicker).
      await this.#pause(retryAfter ? retryAfter * 1000 : backoffMs(attempt++));
    }
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parse = createFrameParser((frame) => {
      if (frame.id !== null) this.#lastEventId = frame.id;
      this.#options.onFrame(parseFrame(frame));
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const connection = this.#connection;
    const watch = () => {
      clearTimeout(this.#silence);
      this.#silence = setTimeout(() => connection?.abort(), this.#options.silenceMs ?? 45_000);
    };
    watch();
    try {
      for (;;) {
        const {done, value} = await reader.read();
        if (done) return;
        watch();
        parse(decoder.decode(value, {stream: true}));
      }
    } finally {
      reader.releaseLock();
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
