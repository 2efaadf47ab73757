/**
 * @module The Glia client: the only module that knows Glia's URLs and holds the credentials. It
 * exchanges the key for a token (cached, single-flight, re-minted once on 401), calls each endpoint
 * of the handoff with a timeout, retries where that is safe, parses every answer with
 * `src/wire/glia`, and turns every failure into a `GliaError` with a hint. `doctor` uses it step by
 * step; the proxy uses it for the whole flow.
 */
import {backoffMs} from '../../kit/backoff.js';
import {retryAfterMs} from '../../kit/retry-after.js';
import type {z} from 'zod/mini';
import {
  ChatTranscriptEntries,
  EndEngagementResponse,
  Engagement,
  GLIA_ACCEPT,
  Operator,
  OperatorTokenResponse,
  QUEUE_STATUSES,
  Queue,
  QueueTicket,
  SentChatMessage,
  SiteTokenResponse,
  TranscriptEntry,
  UploadFileResponse,
  Visitor,
  VisitorCredentials,
  gliaErrorMessage,
  isSiteApiKeySecret,
} from '../../wire/glia/index.js';
import type {
  CredentialType,
  CredentialTypeSetting,
  OutgoingAttachment,
  UpdateVisitorRequest,
  WebhookRegistration,
} from '../../wire/glia/index.js';
import type {Drift} from './drift.js';
import {GliaError, gliaHint} from './glia-error.js';
import type {GliaFailure, GliaStep} from './glia-error.js';
import {gliaTime} from './to-chat-event.js';

/** `fetch` as the client calls it; the simulator's `app.request` fits, and so does global fetch. */
export type GliaFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    /** A stream only for an upload, sent as it is read (`duplex: 'half'`). */
    body?: string | ReadableStream<Uint8Array>;
    duplex?: 'half';
    signal?: AbortSignal;
  }
) => Promise<Response> | Response;

/** A request body streamed to Glia as it is read (an upload), with its type and length when known. */
export interface StreamedBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  length?: number;
}

/** An engagement's facts the proxy reads: who serves it, and what the visitor may upload. */
export interface EngagementDetails {
  operatorId?: string;
  /** Each `undefined` when Glia did not say. */
  fileSending: {allowed?: boolean; contentTypes?: string[]};
}

/** What one call reports to metrics: its step and Glia's status (or how it failed). */
export interface GliaCallReport {
  step: GliaStep;
  status: number | 'network' | 'timeout';
}

/** Retry policy for calls that are safe to repeat. */
export interface RetryOptions {
  /** Total attempts, the first included (default 3). */
  attempts: number;
  /** The first backoff; doubled per attempt, with jitter (default 200 ms). */
  baseDelayMs: number;
  /** The largest backoff (default 2 s). */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with a hint (default 10 s). */
  maxRetryAfterMs: number;
}

export interface GliaClientOptions {
  /** Base URL without trailing slash, e.g. `https://api.glia.com`. */
  apiBase: string;
  siteId: string;
  apiKeyId: string;
  apiKeySecret: string;
  /** `auto` routes on the secret's `gls_` prefix. */
  credentialType: CredentialTypeSetting;
  fetch: GliaFetch;
  /** Clock in ms since the epoch (default `Date.now`); token expiry is judged against it. */
  now?: () => number;
  /** Per attempt (default 10 s, docs/glia.md, "Rate limits and timeouts"). */
  timeoutMs?: number;
  /** For an upload, until Glia answers (default 5 min: 25 MB over a slow link). */
  uploadTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Waits between attempts (default a real timer); tests pass one that records and returns. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Seconds a token lives when Glia does not say (Glia's CLI assumes 55 min, docs/glia.md, "Token lifetimes"). */
  defaultTokenTtlSeconds?: number;
  onCall?: (report: GliaCallReport) => void;
  onTokenExchange?: (report: {credentialType: CredentialType; ok: boolean}) => void;
  /** An answer lacked a field the client reads, or had a value it does not know (see drift.ts). */
  onUnexpected?: (step: GliaStep, drift: Drift) => void;
  /**
   * Told of every token the moment it is minted (service, site and visitor tokens) and when it is
   * no longer used: the proxy's log redaction list.
   */
  secrets?: {add(secret: string): void; delete(secret: string): void};
}

/** What `exchangeToken` tells `doctor`: never the token itself. */
export interface TokenExchangeResult {
  credentialType: CredentialType;
  /** As Glia said, or the assumed default. */
  expiresInSeconds: number;
}

/** The visitor tokens, kept off the visitor objects so no log or JSON of one can carry it. */
const visitorTokens = new WeakMap<GliaVisitor, string>();

/**
 * A Glia visitor as the proxy holds it: its id, and (hidden) its access token. `JSON.stringify`
 * of one gives only the id.
 */
export class GliaVisitor {
  readonly id: string;

  constructor(id: string, accessToken: string) {
    this.id = id;
    visitorTokens.set(this, accessToken);
  }

  toJSON(): {id: string} {
    return {id: this.id};
  }
}

/** The visitor's current access token (renewed in place after a 401), to seal in its session. */
export function visitorAccessToken(visitor: GliaVisitor): string | undefined {
  return visitorTokens.get(visitor);
}

/** `POST /queue_tickets` answers 201 for a new ticket and 200 for the visitor's existing one. */
export interface QueueTicketResult {
  /** Read tolerantly: without an id the ticket cannot be cancelled, and the handoff goes on. */
  ticket: QueueTicket;
  created: boolean;
}

/** A queue as the proxy and `doctor` use it, from whichever of Glia's shapes it came in. */
export interface GliaQueue {
  id?: string;
  name?: string;
  siteId?: string;
  /** `opened`, `closed`, `full`, `unstaffed`, or `unknown` for a missing or new value. */
  status: (typeof QUEUE_STATUSES)[number] | 'unknown';
  /** The media it takes (`text` is chat), when Glia said. */
  media?: string[];
  /** Glia's average wait in seconds, when it reported one. */
  averageWaitSeconds?: number;
}

/** The operator id at the end of an href like `https://api.glia.com/operators/{id}`. */
const hrefId = (href: string | undefined): string | undefined =>
  href?.split(/[?#]/)[0]?.split('/').filter(Boolean).at(-1);

/**
 * A waiting ticket was cancelled; or Glia has no cancel route (404/405); or the ticket is no longer
 * waiting (422/409: an operator is accepting it right now). In the last two cases the caller ends
 * the engagement when `engagement.start` arrives.
 */
export type CancelOutcome = 'cancelled' | 'unsupported' | 'too-late';

const DEFAULT_RETRY: RetryOptions = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  maxRetryAfterMs: 10_000,
};

type Auth = 'none' | 'service' | GliaVisitor;

interface CallSpec<S extends z.ZodMiniType | undefined> {
  step: GliaStep;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  auth: Auth;
  body?: unknown;
  /**
   * Safe to repeat after a 5xx, a timeout or a network error (the request may have been carried
   * out). A 429 is retried for every call: Glia refused it, so it was not carried out.
   */
  idempotent: boolean;
  /** The success body's schema; `undefined` for bodiless answers. */
  schema: S;
  /** Non-2xx statuses the caller handles itself (returned, not thrown). */
  tolerate?: readonly number[];
  /** What the parsed answer lacks or has unexpectedly, reported through `onUnexpected`. */
  drift?: (data: S extends z.ZodMiniType ? z.infer<S> : undefined) => Drift[];
  /** A body streamed instead of `body`'s JSON: made once, so never repeated. */
  streamed?: StreamedBody;
  /** `Accept` other than Glia's media type (a file's bytes). */
  accept?: string;
  /** A 2xx answer is handed back unread (a file's bytes, streamed on). */
  rawAnswer?: boolean;
  /** Secrets the request carries besides its token (webhook secrets): Glia's text must not repeat them. */
  secrets?: readonly string[];
}

interface CallResult<T> {
  status: number;
  /** Only meaningful for a 2xx: a tolerated status carries no data, and its callers read none. */
  data: T;
  /** With `rawAnswer`, the 2xx answer, unread. */
  response?: Response;
}

/** Creates a client for one credential and site. */
export function createGliaClient(options: GliaClientOptions): GliaClient {
  return new GliaClient(options);
}

/**
 * Calls Glia for the handoff. Each public method is one step of `GLIA_STEPS`; each throws a
 * `GliaError` on failure.
 */
export class GliaClient {
  private readonly options: GliaClientOptions;
  private readonly retry: RetryOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private cached: {token: string; expiresAt: number} | undefined;
  private readonly secrets: {add(secret: string): void; delete(secret: string): void};
  private inflight: Promise<string> | undefined;

  constructor(options: GliaClientOptions) {
    this.options = options;
    this.retry = {...DEFAULT_RETRY, ...options.retry};
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 300_000;
    this.secrets = options.secrets ?? {add: () => undefined, delete: () => undefined};
  }

  /** The credential type in use: forced by configuration, or read from the secret's prefix. */
  get credentialType(): CredentialType {
    const setting = this.options.credentialType;
    if (setting !== 'auto') return setting;
    return isSiteApiKeySecret(this.options.apiKeySecret) ? 'site' : 'service';
  }

  /** The configured base URL (for messages). */
  get apiBase(): string {
    return this.options.apiBase;
  }

  /**
   * One token exchange for `type` (default: the configured one), bypassing the cache: `doctor`'s
   * first step. The token stays inside the client.
   */
  async exchangeToken(type: CredentialType = this.credentialType): Promise<TokenExchangeResult> {
    const minted = await this.mint(type);
    return {credentialType: type, expiresInSeconds: minted.expiresInSeconds};
  }

  /** Makes sure a valid token is cached (mints one if needed): the readiness check. */
  async ensureToken(): Promise<void> {
    await this.serviceToken();
  }

  /** `POST /visitors`: a new visitor and its token. Not repeated on 5xx: a retry would make a second visitor. */
  async createVisitor(): Promise<GliaVisitor> {
    const {data} = await this.call({
      step: 'create-visitor',
      method: 'POST',
      path: '/visitors',
      auth: 'service',
      body: {},
      idempotent: false,
      schema: VisitorCredentials,
    });
    this.secrets.add(data.access_token);
    return new GliaVisitor(data.id, data.access_token);
  }

  /** `POST /visitors/{id}/token`: a fresh token for a visitor whose token was rejected. */
  async renewVisitorToken(visitor: GliaVisitor): Promise<void> {
    const {data} = await this.call({
      step: 'visitor-token',
      method: 'POST',
      path: `/visitors/${encodeURIComponent(visitor.id)}/token`,
      auth: 'service',
      idempotent: true,
      schema: VisitorCredentials,
    });
    const old = visitorTokens.get(visitor);
    this.secrets.add(data.access_token);
    if (old && old !== data.access_token) this.secrets.delete(old);
    visitorTokens.set(visitor, data.access_token);
  }

  /** `GET /sites/{site}/visitors/{id}`. */
  async getVisitor(visitorId: string): Promise<Visitor> {
    const {data} = await this.call({
      step: 'update-visitor',
      method: 'GET',
      path: `${this.sitePath()}/visitors/${encodeURIComponent(visitorId)}`,
      auth: 'service',
      idempotent: true,
      schema: Visitor,
    });
    return data;
  }

  /** `PATCH /sites/{site}/visitors/{id}`: idempotent (the same patch gives the same visitor). */
  async updateVisitor(visitorId: string, patch: UpdateVisitorRequest): Promise<Visitor> {
    const {data} = await this.call({
      step: 'update-visitor',
      method: 'PATCH',
      path: `${this.sitePath()}/visitors/${encodeURIComponent(visitorId)}`,
      auth: 'service',
      body: patch,
      idempotent: true,
      schema: Visitor,
    });
    return data;
  }

  /** `GET /queues/{id}`, in the recorded shape or the SDK's `state` shape. */
  async getQueue(queueId: string): Promise<GliaQueue> {
    const {data} = await this.call({
      step: 'queue',
      method: 'GET',
      path: `/queues/${encodeURIComponent(queueId)}`,
      auth: 'service',
      idempotent: true,
      schema: Queue,
      drift: (queue) => {
        const status = queue.status ?? queue.state?.status;
        const drift: Drift[] = [];
        if (status === undefined) drift.push({kind: 'missing_field', field: 'status'});
        else if (!(QUEUE_STATUSES as readonly string[]).includes(status))
          drift.push({kind: 'unknown_value', field: 'status'});
        if ((queue.available_properties?.media ?? queue.state?.medias) === undefined)
          drift.push({kind: 'missing_field', field: 'available_properties.media'});
        return drift;
      },
    });
    const status = data.status ?? data.state?.status;
    const wait = data.average_wait_time;
    return {
      id: data.id,
      name: data.name,
      siteId: data.site_id,
      status: (QUEUE_STATUSES as readonly string[]).includes(status ?? '')
        ? (status as GliaQueue['status'])
        : 'unknown',
      media: data.available_properties?.media ?? data.state?.medias,
      averageWaitSeconds:
        wait !== undefined && Number.isFinite(wait) && wait >= 0 ? wait : undefined,
    };
  }

  /**
   * `POST /queue_tickets` with the visitor's token. Retried like an idempotent call: Glia keeps one
   * active ticket per visitor and answers 200 with that same ticket when the criteria are the same
   * (docs/glia.md, "Queues and queue tickets"), so a repeat after a lost answer cannot queue the visitor twice.
   */
  async createQueueTicket(
    visitor: GliaVisitor,
    request: {queueId: string; webhooks?: WebhookRegistration[]}
  ): Promise<QueueTicketResult> {
    const {status, data} = await this.call({
      step: 'queue-ticket',
      method: 'POST',
      path: '/queue_tickets',
      auth: visitor,
      body: {
        site_id: this.options.siteId,
        media: 'text',
        queue_ids: [request.queueId],
        source: 'visitor_integrator',
        webhooks: request.webhooks ?? [],
      },
      idempotent: true,
      secrets: (request.webhooks ?? []).flatMap((hook) => Object.values(hook.headers ?? {})),
      schema: QueueTicket,
      drift: (ticket) => (ticket.id === undefined ? [{kind: 'missing_field', field: 'id'}] : []),
    });
    return {ticket: data, created: status === 201};
  }

  /** `DELETE /queue_tickets/{id}` ([SIM-CHOICE]: Glia publishes no cancel route, docs/glia.md, "Queues and queue tickets"). */
  async cancelQueueTicket(visitor: GliaVisitor, ticketId: string): Promise<CancelOutcome> {
    const {status} = await this.call({
      step: 'cancel-ticket',
      method: 'DELETE',
      path: `/queue_tickets/${encodeURIComponent(ticketId)}`,
      auth: visitor,
      idempotent: true,
      schema: undefined,
      tolerate: [404, 405, 409, 422],
    });
    if (status === 404 || status === 405) return 'unsupported';
    return status === 409 || status === 422 ? 'too-late' : 'cancelled';
  }

  /**
   * `PUT /engagements/{id}/chat_messages/{uuid}`: idempotent by the uuid the browser chose. Glia
   * has stored the message once it answers 2xx, so nothing in the body is required: `at` is Glia's
   * timestamp, or the time of the answer; `senderType` who wrote the message Glia holds under the
   * id, when it says (someone else's, if the id was taken).
   */
  async sendChatMessage(
    visitor: GliaVisitor,
    engagementId: string,
    messageId: string,
    content: string,
    attachment?: OutgoingAttachment
  ): Promise<{at: string; senderType?: string}> {
    const {data} = await this.call({
      step: 'send-message',
      method: 'PUT',
      path: `/engagements/${encodeURIComponent(engagementId)}/chat_messages/${encodeURIComponent(messageId)}`,
      auth: visitor,
      body: attachment ? {content, attachment} : {content},
      idempotent: true,
      schema: SentChatMessage,
      drift: (sent) =>
        gliaTime(sent.timestamp) === undefined ? [{kind: 'missing_field', field: 'timestamp'}] : [],
    });
    return {
      at: gliaTime(data.timestamp) ?? new Date(this.now()).toISOString(),
      ...(data.sender?.type ? {senderType: data.sender.type} : {}),
    };
  }

  /**
   * `POST /engagements/{id}/files` as the visitor: the multipart body streamed as it is read, never
   * held. Made once (a stream cannot be replayed): a 401 renews the visitor's token for the retry the
   * browser makes, and fails this one.
   */
  async uploadFile(
    visitor: GliaVisitor,
    engagementId: string,
    upload: StreamedBody
  ): Promise<{fileId: string; scanning: boolean}> {
    const {data} = await this.call({
      step: 'upload-file',
      method: 'POST',
      path: `/engagements/${encodeURIComponent(engagementId)}/files`,
      auth: visitor,
      streamed: upload,
      idempotent: false,
      schema: UploadFileResponse,
    });
    // Unsaid means scanned: a file is sent only once Glia says it is clean.
    return {fileId: data.file_id, scanning: data.security_scanning_required !== false};
  }

  /**
   * `GET /engagements/{id}/files/{file_id}` as the visitor: the answer with the file's bytes, unread,
   * to stream on. Asked for as bytes (with a JSON `Accept` Glia answers a URL instead).
   * `not-found`: Glia deleted it, or never had it.
   */
  async downloadFile(
    visitor: GliaVisitor,
    engagementId: string,
    fileId: string
  ): Promise<Response | 'not-found'> {
    const {status, response} = await this.call({
      step: 'download-file',
      method: 'GET',
      path: `/engagements/${encodeURIComponent(engagementId)}/files/${encodeURIComponent(fileId)}`,
      auth: visitor,
      accept: 'application/octet-stream, */*;q=0.1',
      idempotent: true,
      schema: undefined,
      rawAnswer: true,
      tolerate: [404, 410],
    });
    return response && status >= 200 && status < 300 ? response : 'not-found';
  }

  /** `PUT /engagements/{id}/typing_indicator`. */
  async setTyping(visitor: GliaVisitor, engagementId: string, typing: boolean): Promise<void> {
    await this.call({
      step: 'typing',
      method: 'PUT',
      path: `/engagements/${encodeURIComponent(engagementId)}/typing_indicator`,
      auth: visitor,
      body: {typing},
      idempotent: true,
      schema: undefined,
    });
  }

  /**
   * `PATCH /engagements/{id}` `{action: "end"}` as the visitor. An engagement that is already over
   * answers 422, which counts as done: ending is idempotent.
   */
  async endEngagement(
    visitor: GliaVisitor,
    engagementId: string,
    reason?: 'error'
  ): Promise<'ended' | 'already-ended'> {
    const {status} = await this.call({
      step: 'end',
      method: 'PATCH',
      path: `/engagements/${encodeURIComponent(engagementId)}`,
      auth: visitor,
      // `reason: error` (the one documented reason) says the system ended it, not the visitor.
      body: reason ? {action: 'end', reason} : {action: 'end'},
      idempotent: true,
      schema: EndEngagementResponse,
      tolerate: [422],
    });
    return status === 422 ? 'already-ended' : 'ended';
  }

  /**
   * `GET /engagements/{id}/chat_transcript` as the visitor: what Glia holds of the conversation,
   * to catch up on messages whose webhooks never arrived. Read tolerantly: an entry may lack an id,
   * say `type: "user"`, or carry a null message; entries that cannot be shown are left out.
   */
  async getChatTranscript(visitor: GliaVisitor, engagementId: string): Promise<TranscriptEntry[]> {
    const {data} = await this.call({
      step: 'transcript',
      method: 'GET',
      path: `/engagements/${encodeURIComponent(engagementId)}/chat_transcript`,
      auth: visitor,
      idempotent: true,
      schema: ChatTranscriptEntries,
    });
    return data.flatMap((entry) => {
      const parsed = TranscriptEntry.safeParse(entry);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /**
   * `GET /operators/{id}`: the operator's name for the widget, from the object or, as Glia's docs
   * show for this route, from a list holding it. `undefined` when Glia did not say.
   */
  async getOperator(operatorId: string): Promise<{name?: string}> {
    const {data} = await this.call({
      step: 'operator',
      method: 'GET',
      path: `/operators/${encodeURIComponent(operatorId)}`,
      auth: 'service',
      idempotent: true,
      schema: Operator,
      drift: (operator) =>
        operatorName(operator, operatorId) === undefined
          ? [{kind: 'missing_field', field: 'name'}]
          : [],
    });
    return {name: operatorName(data, operatorId)};
  }

  /**
   * `GET /engagements/{id}`: who serves the visitor now, for a webhook that did not say. The last
   * leg names its operator; else the last of `operators`, by href.
   */
  async getEngagementOperator(engagementId: string): Promise<string | undefined> {
    return (await this.getEngagementDetails(engagementId)).operatorId;
  }

  /**
   * `GET /engagements/{id}`: who serves the visitor (unless `needOperator` is false: then its
   * absence is not drift) and the file permissions, read loosely (docs/glia.md, "Files and choices").
   */
  async getEngagementDetails(
    engagementId: string,
    {needOperator = true}: {needOperator?: boolean} = {}
  ): Promise<EngagementDetails> {
    const pick = (engagement: Engagement) =>
      engagement.legs?.at(-1)?.operator?.id ?? hrefId(engagement.operators?.at(-1)?.href);
    const {data} = await this.call({
      step: 'engagement',
      method: 'GET',
      path: `/engagements/${encodeURIComponent(engagementId)}`,
      auth: 'service',
      idempotent: true,
      schema: Engagement,
      drift: (engagement) =>
        needOperator && pick(engagement) === undefined
          ? [{kind: 'missing_field', field: 'legs.operator.id'}]
          : [],
    });
    const types = data.allowed_file_content_types;
    return {
      operatorId: pick(data),
      fileSending: {
        allowed: data.allow_file_sending,
        contentTypes: types?.filter((type): type is string => typeof type === 'string'),
      },
    };
  }

  private sitePath(): string {
    return `/sites/${encodeURIComponent(this.options.siteId)}`;
  }

  /** The cached token, or one exchange shared by every caller waiting for it. */
  private async serviceToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt) return this.cached.token;
    this.inflight ??= this.mint(this.credentialType)
      .then(({token, expiresInSeconds}) => {
        // Renew ahead of expiry: 5 min like Glia's CLI, less for short-lived tokens.
        const marginMs = Math.min(300_000, expiresInSeconds * 100);
        if (this.cached && this.cached.token !== token) this.secrets.delete(this.cached.token);
        this.cached = {token, expiresAt: this.now() + expiresInSeconds * 1000 - marginMs};
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** Forgets `token` if it is still the cached one (a 401 proved it dead). */
  private invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async mint(type: CredentialType): Promise<{token: string; expiresInSeconds: number}> {
    const body = {api_key_id: this.options.apiKeyId, api_key_secret: this.options.apiKeySecret};
    const fallbackTtl = this.options.defaultTokenTtlSeconds ?? 3300;
    try {
      if (type === 'site') {
        const {data} = await this.call({
          step: 'token',
          method: 'POST',
          path: '/sites/tokens',
          auth: 'none',
          body,
          idempotent: true,
          schema: SiteTokenResponse,
          credentialType: type,
        });
        this.options.onTokenExchange?.({credentialType: type, ok: true});
        this.secrets.add(data.access_token);
        return {token: data.access_token, expiresInSeconds: data.expires_in ?? fallbackTtl};
      }
      const {data} = await this.call({
        step: 'token',
        method: 'POST',
        path: '/operator_authentication/tokens',
        auth: 'none',
        body,
        idempotent: true,
        schema: OperatorTokenResponse,
        credentialType: type,
      });
      this.options.onTokenExchange?.({credentialType: type, ok: true});
      this.secrets.add(data.token);
      return {token: data.token, expiresInSeconds: data.expires_in ?? fallbackTtl};
    } catch (error) {
      this.options.onTokenExchange?.({credentialType: type, ok: false});
      throw error;
    }
  }

  private backoff(attempt: number): number {
    const {baseDelayMs: baseMs, maxDelayMs: maxMs} = this.retry;
    return backoffMs(attempt, {baseMs, maxMs, random: this.random});
  }

  private error(
    spec: {step: GliaStep; credentialType?: CredentialType; secrets?: readonly string[]},
    failure: GliaFailure,
    status: number | null,
    gliaMessage?: string,
    retryAfterSeconds?: number,
    usedToken?: string
  ): GliaError {
    // Glia (or a gateway before it) may echo the request, Authorization header included.
    const message = [
      this.options.apiKeySecret,
      usedToken,
      this.cached?.token,
      ...(spec.secrets ?? []),
    ]
      .filter((secret): secret is string => secret !== undefined && secret.length >= 8)
      .reduce((text, secret) => text.split(secret).join('[redacted]'), gliaMessage ?? '');
    return new GliaError({
      step: spec.step,
      failure,
      status,
      gliaMessage: gliaMessage === undefined ? undefined : message,
      retryAfterSeconds,
      hint: gliaHint({
        step: spec.step,
        failure,
        status,
        gliaMessage: gliaMessage === undefined ? undefined : message,
        apiBase: this.options.apiBase,
        credentialType: spec.credentialType,
        secretLooksLikeSiteKey: isSiteApiKeySecret(this.options.apiKeySecret),
        retryAfterSeconds,
        timeoutMs: this.timeoutMs,
      }),
    });
  }

  private async authorization(auth: Auth): Promise<string | undefined> {
    if (auth === 'none') return undefined;
    if (auth === 'service') return this.serviceToken();
    const token = visitorTokens.get(auth);
    if (!token) throw new Error('unknown visitor');
    return token;
  }

  /** One fetch with a timeout; resolves to the response, or to how it failed. */
  private async attempt(
    url: string,
    init: {
      method: string;
      headers: Record<string, string>;
      body?: string | ReadableStream<Uint8Array>;
      duplex?: 'half';
    },
    timeoutMs = this.timeoutMs
  ): Promise<Response | 'network' | 'timeout'> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, timeoutMs);
    });
    try {
      const response = Promise.resolve(
        this.options.fetch(url, {...init, signal: controller.signal})
      ).catch((): 'network' => 'network');
      return await Promise.race([response, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async call<S extends z.ZodMiniType | undefined>(
    spec: CallSpec<S> & {credentialType?: CredentialType}
  ): Promise<CallResult<S extends z.ZodMiniType ? z.infer<S> : undefined>> {
    type Out = S extends z.ZodMiniType ? z.infer<S> : undefined;
    const url = `${this.options.apiBase}${spec.path}`;
    let reauthorised = false;
    for (let attempt = 0; ; attempt++) {
      const lastAttempt = attempt >= this.retry.attempts - 1;
      const token = await this.authorization(spec.auth);
      const headers: Record<string, string> = {Accept: spec.accept ?? GLIA_ACCEPT};
      if (token) headers.Authorization = `Bearer ${token}`;
      if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
      const {streamed} = spec;
      if (streamed) {
        headers['Content-Type'] = streamed.contentType;
        if (streamed.length !== undefined) headers['Content-Length'] = String(streamed.length);
      }
      const outcome = await this.attempt(
        url,
        streamed
          ? {method: spec.method, headers, body: streamed.body, duplex: 'half'}
          : {
              method: spec.method,
              headers,
              body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
            },
        streamed ? Math.max(this.timeoutMs, this.uploadTimeoutMs) : this.timeoutMs
      );
      this.options.onCall?.({
        step: spec.step,
        status: typeof outcome === 'string' ? outcome : outcome.status,
      });
      if (typeof outcome === 'string') {
        if (spec.idempotent && !lastAttempt) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw this.error(spec, outcome, null, undefined, undefined, token);
      }
      if (spec.rawAnswer && outcome.status >= 200 && outcome.status < 300)
        return {status: outcome.status, data: undefined as Out, response: outcome};
      const text = await outcome.text().catch(() => '');
      let json: unknown = undefined;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const {status} = outcome;
      if (status === 401 && token && !reauthorised) {
        // A token can die before its time (revoked, clock skew): mint or renew once, then retry.
        reauthorised = true;
        if (spec.auth === 'service') this.invalidate(token);
        else if (spec.auth instanceof GliaVisitor) await this.renewVisitorToken(spec.auth);
        // A streamed body is gone: the next try is the caller's, with the renewed token.
        if (streamed)
          throw this.error(spec, 'http', status, gliaErrorMessage(json), undefined, token);
        attempt--;
        continue;
      }
      if (status === 429) {
        const wait = retryAfterMs(outcome.headers.get('retry-after'), this.now());
        const seconds = wait === undefined ? undefined : Math.ceil(wait / 1000);
        if (!lastAttempt && !streamed && (wait ?? 0) <= this.retry.maxRetryAfterMs) {
          await this.sleep(wait ?? this.backoff(attempt));
          continue;
        }
        throw this.error(spec, 'http', status, gliaErrorMessage(json), seconds, token);
      }
      if (status >= 500 && spec.idempotent && !lastAttempt) {
        await this.sleep(this.backoff(attempt));
        continue;
      }
      if (spec.tolerate?.includes(status)) return {status, data: undefined as Out};
      if (status < 200 || status >= 300) {
        throw this.error(
          spec,
          'http',
          status,
          gliaErrorMessage(json) ?? text.slice(0, 200),
          undefined,
          token
        );
      }
      if (!spec.schema) return {status, data: undefined as Out};
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) throw this.error(spec, 'invalid-response', status);
      const data = parsed.data as Out;
      for (const drift of spec.drift?.(data) ?? []) this.options.onUnexpected?.(spec.step, drift);
      return {status, data};
    }
  }
}

/** The name of operator `id` in an answer of either shape (the object, or a list holding it). */
function operatorName(answer: Operator, id: string): string | undefined {
  if (answer.name !== undefined) return answer.name;
  const list = answer.operators ?? [];
  return (list.find((operator) => operator.id === id) ?? (list.length === 1 ? list[0] : undefined))
    ?.name;
}
