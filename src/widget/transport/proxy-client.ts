/**
 * @module The proxy's REST routes over fetch (docs/contract.md, "Browser ⇄ proxy"). Every
 * answer is parsed with the wire schemas; every failure becomes one ProxyError that says whether
 * the network, the proxy or the answer was at fault.
 */
import {retryAfterMs} from '../../kit/retry-after.js';
import {z} from 'zod/mini';
import {
  ErrorBody,
  SendMessageResponse,
  SessionSnapshot,
  type ChatMessage,
  type StartSessionRequest,
} from '../../wire/handoff/index.js';
import type {StartedSession} from '../store/session-state.js';

/**
 * StartSessionResponse as the browser checks it: every field, but not the token's minimum
 * length. That is the proxy's promise about the tokens it makes, nothing the browser could act
 * on, and checking it would bring zod's length checks into the bundle (0.3 KB gzip).
 */
const StartSessionAnswer = z.strictObject({
  session: z.strictObject({...SessionSnapshot.shape, token: z.string()}),
});

/** What went wrong with a request that did not succeed. */
export interface ProxyErrorDetail {
  /** `network`: no answer (offline, proxy down); `http`: an error status; `invalid`: a success
   * status whose body broke the contract. */
  kind: 'network' | 'http' | 'invalid';
  /** The HTTP status (0 without an answer). */
  status: number;
  /** ErrorBody's code, or `network` / `invalid-response` / `http-<status>`. */
  code: string;
  /** ErrorBody's message: plain words for a person ('' when the proxy gave none). */
  message: string;
  /** ErrorBody's hint: what to do about it. */
  hint?: string;
  /** Seconds from `Retry-After` (429, 503). */
  retryAfter?: number;
}

/** A request that did not succeed; `detail` says why. */
export class ProxyError extends Error {
  readonly detail: ProxyErrorDetail;

  constructor(detail: ProxyErrorDetail) {
    super(detail.message || detail.code);
    this.detail = detail;
  }
}

/** `Retry-After` in whole seconds (rounded up). */
function retryAfterSeconds(value: string | null): number | undefined {
  const ms = retryAfterMs(value, Date.now());
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

type Schema<T> = {safeParse(data: unknown): {success: true; data: T} | {success: false}};

/** A client for one proxy, e.g. `https://handoff.example.com` or `` (same origin). */
export class ProxyClient {
  readonly #base: string;
  readonly #fetcher: typeof fetch;

  /** `fetcher` defaults to the page's fetch, looked up per call (so test doubles apply). */
  constructor(proxyUrl: string, fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.#fetcher = fetcher;
    this.#base = `${proxyUrl.replace(/\/+$/, '')}/handoff/sessions`;
  }

  /** The URL of a session's event stream. */
  eventsUrl(sessionId: string): string {
    return `${this.#base}/${encodeURIComponent(sessionId)}/events`;
  }

  /** POST /handoff/sessions: file the ticket. */
  async start(request: StartSessionRequest): Promise<StartedSession> {
    const body = await this.#call('', 'POST', undefined, request, StartSessionAnswer);
    return body.session;
  }

  /** GET /handoff/sessions/:id: everything so far (the catch-up after a reconnect). */
  snapshot(id: string, token: string): Promise<SessionSnapshot> {
    return this.#call(`/${encodeURIComponent(id)}`, 'GET', token, undefined, SessionSnapshot);
  }

  /** PUT /handoff/sessions/:id/messages/:uuid: idempotent on `messageId`, so retries are safe. */
  async send(id: string, token: string, messageId: string, text: string): Promise<ChatMessage> {
    const path = `/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}`;
    const body = await this.#call(path, 'PUT', token, {text}, SendMessageResponse);
    return body.message;
  }

  /** PUT /handoff/sessions/:id/typing. */
  async typing(id: string, token: string, typing: boolean): Promise<void> {
    await this.#call(`/${encodeURIComponent(id)}/typing`, 'PUT', token, {typing});
  }

  /** DELETE /handoff/sessions/:id: cancel the wait or end the chat; idempotent. */
  end(id: string, token: string): Promise<SessionSnapshot> {
    return this.#call(`/${encodeURIComponent(id)}`, 'DELETE', token, undefined, SessionSnapshot);
  }

  async #call(
    path: string,
    method: string,
    token: string | undefined,
    body: unknown
  ): Promise<undefined>;
  async #call<T>(
    path: string,
    method: string,
    token: string | undefined,
    body: unknown,
    schema: Schema<T>
  ): Promise<T>;
  async #call<T>(
    path: string,
    method: string,
    token: string | undefined,
    body: unknown,
    schema?: Schema<T>
  ): Promise<T | undefined> {
    const headers: Record<string, string> = {Accept: 'application/json'};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetcher(this.#base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ProxyError({kind: 'network', status: 0, code: 'network', message: ''});
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const parsed = ErrorBody.safeParse(json);
      const error = parsed.success ? parsed.data.error : undefined;
      throw new ProxyError({
        kind: 'http',
        status: response.status,
        code: error?.code ?? `http-${response.status}`,
        message: error?.message ?? '',
        hint: error?.hint,
        retryAfter: retryAfterSeconds(response.headers.get('Retry-After')),
      });
    }
    if (!schema) return undefined;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ProxyError({
        kind: 'invalid',
        status: response.status,
        code: 'invalid-response',
        message: '',
      });
    }
    return parsed.data;
  }
}
