/**
 * @module The proxy's REST routes over fetch (docs/contract.md, "Browser ⇄ proxy"). Every
 * answer is parsed with the wire schemas (their checks compiled without zod,
 * src/wire/handoff/checks.generated.ts); every failure becomes one ProxyError that says whether
 * the network, the proxy or the answer was at fault.
 */
import {retryAfterMs} from '../../kit/retry-after.js';
import * as checks from '../../wire/handoff/checks.generated.js';
import type {
  ChatMessage,
  SendMessageRequest,
  SessionSnapshot,
  StartSessionRequest,
  Upload,
} from '../../wire/handoff/index.js';
import type {StartedSession} from '../store/session-state.js';

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

type Schema<T> = {safeParse(data: unknown): checks.Result<T>};

/** No answer: offline, the proxy down, or the request aborted. */
const noAnswer = () => new ProxyError({kind: 'network', status: 0, code: 'network', message: ''});

/** A success whose body broke the contract. */
const invalid = (status: number) =>
  new ProxyError({kind: 'invalid', status, code: 'invalid-response', message: ''});

/** The ProxyError for an error status and its (maybe ErrorBody) JSON. */
function httpError(status: number, json: unknown, retryAfter: string | null): ProxyError {
  const parsed = checks.ErrorBody.safeParse(json);
  const error = parsed.success ? parsed.data.error : undefined;
  return new ProxyError({
    kind: 'http',
    status,
    code: error?.code ?? `http-${status}`,
    message: error?.message ?? '',
    hint: error?.hint,
    retryAfter: retryAfterSeconds(retryAfter),
  });
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

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
    const body = await this.#call('', 'POST', undefined, request, checks.StartSessionResponse);
    return body.session;
  }

  /** GET /handoff/sessions/:id: everything so far (the catch-up after a reconnect). */
  snapshot(id: string, token: string): Promise<SessionSnapshot> {
    return this.#call(
      `/${encodeURIComponent(id)}`,
      'GET',
      token,
      undefined,
      checks.SessionSnapshot
    );
  }

  /** PUT /handoff/sessions/:id/messages/:uuid: idempotent on `messageId`, so retries are safe. */
  async send(
    id: string,
    token: string,
    messageId: string,
    request: SendMessageRequest
  ): Promise<ChatMessage> {
    const path = `/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}`;
    const body = await this.#call(path, 'PUT', token, request, checks.SendMessageResponse);
    return body.message;
  }

  /**
   * PUT /handoff/sessions/:id/uploads/:uploadId: the raw bytes, idempotent on `uploadId`. Over
   * XMLHttpRequest, the one browser API that reports upload progress (`onProgress(0…1)`).
   * `signal` aborts it (the person cancelled); that rejects with a `network` ProxyError.
   */
  upload(
    id: string,
    token: string,
    uploadId: string,
    file: Blob,
    name: string,
    onProgress: (fraction: number) => void,
    signal?: AbortSignal
  ): Promise<Upload> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const url = `${this.#base}/${encodeURIComponent(id)}/uploads/${encodeURIComponent(uploadId)}`;
      xhr.open('PUT', url);
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(name));
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onerror = xhr.onabort = () => reject(noAnswer());
      xhr.onload = () => {
        const json = parseJson(xhr.responseText);
        if (xhr.status < 200 || xhr.status > 299) {
          reject(httpError(xhr.status, json, xhr.getResponseHeader('Retry-After')));
          return;
        }
        const parsed = checks.UploadResponse.safeParse(json);
        if (parsed.success) resolve(parsed.data.upload);
        else reject(invalid(xhr.status));
      };
      signal?.addEventListener('abort', () => xhr.abort());
      xhr.send(file);
    });
  }

  /** GET /handoff/sessions/:id/files/:fileId: an agent's file, as a Blob (the route needs the token). */
  async file(id: string, token: string, fileId: string): Promise<Blob> {
    const path = `/${encodeURIComponent(id)}/files/${encodeURIComponent(fileId)}`;
    const response = await this.#fetch(path, {headers: {Authorization: `Bearer ${token}`}});
    return response.blob();
  }

  /** PUT /handoff/sessions/:id/typing. */
  async typing(id: string, token: string, typing: boolean): Promise<void> {
    await this.#call(`/${encodeURIComponent(id)}/typing`, 'PUT', token, {typing});
  }

  /** DELETE /handoff/sessions/:id: cancel the wait or end the chat; idempotent. */
  end(id: string, token: string): Promise<SessionSnapshot> {
    return this.#call(
      `/${encodeURIComponent(id)}`,
      'DELETE',
      token,
      undefined,
      checks.SessionSnapshot
    );
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
    const response = await this.#fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (!schema) return undefined;
    const json: unknown = await response.json().catch(() => undefined);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw invalid(response.status);
    return parsed.data;
  }

  /** A fetch that succeeded (2xx); anything else is thrown as a ProxyError. */
  async #fetch(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetcher(this.#base + path, init);
    } catch {
      throw noAnswer();
    }
    if (!response.ok) {
      const json: unknown = await response.json().catch(() => undefined);
      throw httpError(response.status, json, response.headers.get('Retry-After'));
    }
    return response;
  }
}
