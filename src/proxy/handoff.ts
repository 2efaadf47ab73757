/**
 * @module The handoff flow of docs/architecture.md, as the imperative shell around the pure session
 * reducer (`sessions/session-reducer.ts`): create the visitor, set the details, file the queue
 * ticket with webhooks back to this proxy; turn webhook deliveries into the session's events; send
 * the visitor's messages and typing; cancel or end; catch up from Glia's transcript when webhooks
 * were lost. Glia is reached only through the Glia client, the session only through the store's
 * ports, so any instance can take any request.
 */
import {createHash, randomBytes, randomUUID} from 'node:crypto';
import type {OutgoingAttachment, WebhookPayload, WebhookRegistration} from '../wire/glia/index.js';
import {DEFAULT_FILE_SCAN_EVENT, WEBHOOK_EVENTS} from '../wire/glia/index.js';
import type {
  ChatMessage,
  EndedBy,
  FilePolicy,
  SendMessageRequest,
  StartSessionRequest,
  Upload,
} from '../wire/handoff/index.js';
import {cleanLine} from '../wire/handoff/index.js';
import type {ProxyConfig} from './config.js';
import {SNIFF_BYTES, bareType, sniffMatches} from './files/file-types.js';
import {multipartFile, peekBody} from './files/upload-stream.js';
import type {EngagementDetails, GliaClient} from './glia/glia-client.js';
import {GliaVisitor, visitorAccessToken} from './glia/glia-client.js';
import {GliaError} from './glia/glia-error.js';
import {GENERIC_OPERATOR_NAME, messageAudience} from './glia/to-chat-event.js';
import type {Logger, SecretRegistry} from './logger.js';
import type {Metrics} from './metrics.js';
import type {RelayProbe} from './relay-probe.js';
import type {Committed, SessionStore} from './sessions/ports.js';
import type {
  GliaMessageFact,
  Reduction,
  SessionEffect,
  SessionInput,
  WebhookOutcome,
} from './sessions/session-reducer.js';
import {reduce} from './sessions/session-reducer.js';
import type {AgentFile, LoggedEvent, SessionRecord} from './sessions/session-record.js';
import {hashSecret, isTerminal, newRecord, toUpload} from './sessions/session-record.js';

export type {WebhookOutcome} from './sessions/session-reducer.js';

/** The header each webhook delivery carries with the session's secret. */
export const WEBHOOK_SECRET_HEADER = 'x-glia-handoff-webhook-secret';

/**
 * The webhook a session's queue ticket registers: every handoff event and the file scan's (by its
 * configured name), to `<PUBLIC_URL>/handoff/webhooks/glia/<session id>`, carrying the session's
 * secret. `doctor --ticket` registers the same, so it tests what the proxy really asks of Glia.
 */
export function webhookRegistration(
  config: Pick<ProxyConfig, 'publicUrl' | 'operatorTypingEvent'> & {
    files?: Pick<ProxyConfig['files'], 'scanEvent'>;
  },
  sessionId: string,
  secret: string
): WebhookRegistration {
  return {
    url: `${config.publicUrl}/handoff/webhooks/glia/${sessionId}`,
    method: 'POST',
    headers: {[WEBHOOK_SECRET_HEADER]: secret},
    events: [
      ...WEBHOOK_EVENTS.filter(
        (event) => event !== 'engagement.operator_typing' || config.operatorTypingEvent
      ),
      config.files?.scanEvent ?? DEFAULT_FILE_SCAN_EVENT,
    ],
  };
}

/** An upload an agent's instance left unfinished this long ago (it died) may be started again. */
export const UPLOAD_STALE_MS = 10 * 60 * 1000;

/** A visitor's upload as the route hands it over: the bytes still on their way in. */
export interface IncomingUpload {
  /** The browser's uuid. */
  id: string;
  name: string;
  /** The declared type, bare (`image/png`). */
  contentType: string;
  /** The declared `Content-Length`, when there is one. */
  size?: number;
  body: ReadableStream<Uint8Array> | null;
}

/** `setTimeout`/`clearTimeout` as the proxy uses them; a fake clock's fit. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type HandoffErrorStatus = 400 | 403 | 404 | 409 | 413 | 415;

/** A refusal that is not Glia's: the browser asked for something the session cannot do now. */
export class HandoffError extends Error {
  readonly status: HandoffErrorStatus;
  readonly code: string;

  constructor(status: HandoffErrorStatus, code: string, message: string) {
    super(message);
    this.name = 'HandoffError';
    this.status = status;
    this.code = code;
  }
}

const gone = () =>
  new HandoffError(
    404,
    'not-found',
    'There is no such session; it may have ended or expired. Start a new one.'
  );

const taken = () =>
  new HandoffError(
    409,
    'message-id-taken',
    'This message id belongs to another message in the conversation; send the text with a new id.'
  );

export interface HandoffDeps {
  glia: GliaClient;
  store: SessionStore;
  config: ProxyConfig;
  logger: Logger;
  metrics: Metrics;
  secrets: SecretRegistry;
  now: () => number;
  timers: Timers;
  /** At most one typing update to Glia per this many ms (docs/glia.md: ~3 s). */
  typingIntervalMs: number;
  randomUUID?: () => string;
  /** The bench's measure of the proxy's own time per relayed event (absent in production). */
  probe?: RelayProbe;
}

/** A webhook delivery as the reducer takes it. */
type WebhookInput = Extract<SessionInput, {type: 'webhook'}>;

/** The engagement an `engagement.start` or `engagement.transfer` delivery names. */
type StartedEngagement = Extract<
  WebhookPayload,
  {event_type: 'engagement.start' | 'engagement.transfer'}
>['engagement'];

/** What the proxy sends to Glia for the visitor's typing on this instance, and when it last did. */
interface TypingState {
  wanted: boolean;
  sent: boolean;
  sentAt: number;
  timer: unknown;
  record: SessionRecord;
}

/** A committed change and the reduction it came from. */
interface Update extends Committed {
  reduction: Reduction;
}

/** A session started, or (`created` false) the one an earlier start under its `startId` made. */
export interface StartedSession {
  record: SessionRecord;
  token: string;
  log: LoggedEvent[];
  created: boolean;
}

/** A start that has not filed its ticket in this long has stopped (its instance died). */
const STALE_START_MS = 60_000;

/**
 * The session id and bearer token of the start the browser named `startId` (a UUID v4 it keeps
 * like the token): the same for every repeat, and not to be guessed without it.
 */
export function startIdentity(startId: string): {id: string; token: string} {
  const digest = (purpose: string) =>
    createHash('sha256').update(`glia-handoff ${purpose}\0${startId}`).digest();
  const b = digest('session id');
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return {id, token: digest('bearer token').toString('base64url')};
}

/** The Glia custom attribute that carries the bot conversation. */
export const TRANSCRIPT_ATTRIBUTE = 'transcript';

/** The flow. Per-instance state is only what cannot matter to another instance: caches, timers, work in flight. */
export class Handoff {
  private readonly deps: HandoffDeps;
  private readonly operatorNames = new Map<string, string>();
  /** Each session's bearer token, to take off the redaction list when it goes. */
  private readonly bearerTokens = new Map<string, string>();
  /** Work on one session runs one task at a time on this instance (the store's version check covers the others). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly typing = new Map<string, TypingState>();
  private readonly sending = new Map<string, Promise<{message: ChatMessage; created: boolean}>>();
  private readonly uploading = new Map<string, Promise<{upload: Upload; created: boolean}>>();
  private readonly catchingUp = new Map<string, Promise<void>>();
  /** The file policy of a session whose engagement allows every configured type: one for all. */
  private everyFile: FilePolicy | undefined;

  constructor(deps: HandoffDeps) {
    this.deps = deps;
  }

  /**
   * Starts a session: visitor, details, ticket, in that order. Token and visitor cannot overlap
   * (the visitor needs the token), and the ticket waits for the details on purpose: the agent
   * decides on the note, and a refused update (missing policy) must not leave a ticket waiting.
   * On a failure the session is forgotten and the error thrown. The webhook secret goes to Glia
   * and is kept only as its hash.
   */
  async start(request: StartSessionRequest): Promise<StartedSession> {
    const {glia, store, config, secrets} = this.deps;
    const queueId = request.queue ?? config.glia.queueId;
    if (!queueAllowed(config, queueId)) {
      // Before anything is created: a page may not file tickets in the site's other queues.
      throw new HandoffError(
        403,
        'queue-not-allowed',
        'This proxy does not hand off to that queue; leave the queue out, or ask its administrator to add it to ALLOWED_QUEUES.'
      );
    }
    const named = request.startId === undefined ? undefined : startIdentity(request.startId);
    const token = named?.token ?? randomBytes(32).toString('base64url');
    const webhookSecret = randomBytes(32).toString('base64url');
    const id = named?.id ?? (this.deps.randomUUID ?? randomUUID)();
    const created = await store.sessions.create(
      newRecord({
        id,
        tokenHash: hashSecret(token),
        webhookSecretHash: hashSecret(webhookSecret),
        createdAt: this.deps.now(),
        queueId,
      })
    );
    if (!created) return this.startedBefore(id, token, request);
    secrets.add(token);
    this.bearerTokens.set(id, token);
    try {
      await this.update(id, {type: 'created'});
      const visitor = await glia.createVisitor();
      const sealedToken = store.box.seal(visitorAccessToken(visitor) ?? '');
      let record = (
        await this.update(id, {type: 'visitor-created', visitor: {id: visitor.id, sealedToken}})
      )?.record;
      if (!record) throw gone();
      await this.asVisitor(record, (v) => glia.updateVisitor(v.id, visitorDetails(request)));
      // The webhook secret is on the redaction list only while it goes to Glia (the client keeps
      // it out of Glia's error text too): from then on the proxy holds only its hash, and never
      // logs a delivery's headers.
      secrets.add(webhookSecret);
      const {ticket} = await this.asVisitor(record, (v) =>
        glia.createQueueTicket(v, {
          queueId,
          webhooks: [webhookRegistration(config, id, webhookSecret)],
        })
      ).finally(() => secrets.delete(webhookSecret));
      record = (
        await this.update(id, {
          type: 'ticket-filed',
          ticketId: ticket.id,
          failed: ticket.state === 'failed',
        })
      )?.record;
      if (!record) throw gone();
      this.deps.metrics.inc('glia_handoff_sessions_created_total', {outcome: 'ok'});
      this.deps.logger.info('session started', {session: id, status: record.status});
      return {record, token, log: await store.events.read(id, 0), created: true};
    } catch (error) {
      await this.forget(id).catch(() => undefined);
      this.deps.metrics.inc('glia_handoff_sessions_created_total', {outcome: 'error'});
      throw error;
    }
  }

  /**
   * A start the browser repeats under its `startId` (the first one's answer was lost, or its tab
   * closed): the session it made, with the same token, and no second ticket. While the first is
   * still on its way, `409 start-in-progress`; one that stopped half-way (its instance died) is
   * forgotten and made again.
   */
  private async startedBefore(
    id: string,
    token: string,
    request: StartSessionRequest
  ): Promise<StartedSession> {
    const {store, secrets, logger} = this.deps;
    const record = await store.sessions.get(id);
    if (
      record &&
      record.ticketId === undefined &&
      this.deps.now() - record.createdAt > STALE_START_MS
    ) {
      await this.forget(id);
      return this.start(request);
    }
    if (!record || record.ticketId === undefined) {
      throw new HandoffError(
        409,
        'start-in-progress',
        'This conversation is still being started; try again in a moment.'
      );
    }
    secrets.add(token);
    this.bearerTokens.set(id, token);
    logger.info('session start repeated', {session: id, status: record.status});
    return {record, token, log: await store.events.read(id, 0), created: false};
  }

  /** Applies one webhook delivery, after any earlier one of the session on this instance. */
  receiveWebhook(
    id: string,
    payload: WebhookPayload,
    delivery: {receivedAt?: number; record?: SessionRecord; current?: boolean} = {}
  ): Promise<WebhookOutcome | 'gone'> {
    const {receivedAt, current = true} = delivery;
    // The record the delivery was authenticated with: read just now, or (`current` false) the one
    // this instance held, perhaps older. With no other work of the session queued here, start
    // from it rather than read again (on Redis a round trip per message): the commit checks its
    // version in any case, and `update` decides again on the latest what it would not change.
    const known = this.queues.has(id) ? undefined : delivery.record;
    return this.serially(id, async () => {
      const done = await this.update(
        id,
        (record) => this.webhookInput(id, record, payload),
        known,
        current
      );
      if (!done) return 'gone';
      if (isTerminal(done.record)) this.stopTyping(id);
      const {outcome, events} = done.reduction;
      const shown = done.appended.some((logged) => logged !== null);
      if (shown && receivedAt !== undefined && this.deps.probe) {
        const ids = done.appended.flatMap((logged) => (logged ? [logged.id] : []));
        this.deps.probe.appended(id, ids, receivedAt);
      }
      if (outcome === 'taken') return 'ignored';
      return outcome === 'applied' && events.length > 0 && !shown ? 'duplicate' : outcome;
    });
  }

  /**
   * What a delivery is to the reducer. Most are what Glia sent, at once (no promise: this runs for
   * every chat message); an engagement's start or transfer first learns who serves.
   */
  private webhookInput(
    id: string,
    record: SessionRecord,
    payload: WebhookPayload
  ): SessionInput | Promise<SessionInput> {
    const input: WebhookInput = {type: 'webhook', payload, at: this.deps.now()};
    if (payload.event_type === 'engagement.chat.message') {
      return messageAudience(payload.message) === 'unknown'
        ? this.withVisitorSaid(id, input, payload.message.content)
        : input;
    }
    if (payload.event_type !== 'engagement.start' && payload.event_type !== 'engagement.transfer')
      return input;
    const {outcome} = reduce(record, input);
    if (payload.event_type === 'engagement.start')
      return outcome === 'applied' ? this.withServingOperator(input, payload.engagement) : input;
    return outcome === 'applied' || outcome === 'deferred'
      ? this.withTransferOperator(input, payload.engagement)
      : input;
  }

  /** A start the reducer takes: who serves, and what the visitor may upload (one read of the engagement). */
  private async withServingOperator(
    input: WebhookInput,
    engagement: StartedEngagement
  ): Promise<SessionInput> {
    const said = engagement.current_sub_engagement?.operator_id;
    const details = await this.engagementDetails(engagement.id, !said);
    const operatorId = said ?? details?.operatorId;
    const name = await this.operatorName(operatorId);
    const filePolicy = this.filePolicy(details?.fileSending);
    return {
      ...input,
      operator: operatorId ? {id: operatorId, name} : {name},
      ...(filePolicy ? {filePolicy} : {}),
    };
  }

  /** A transfer that will be shown or kept: who serves now, and their name. */
  private async withTransferOperator(
    input: WebhookInput,
    engagement: StartedEngagement
  ): Promise<SessionInput> {
    const operatorId = await this.servingOperator(engagement);
    const name = await this.operatorName(operatorId);
    return {...input, operator: operatorId ? {id: operatorId, name} : {name}};
  }

  /** A message Glia does not say the audience of: whether the visitor said just that. */
  private async withVisitorSaid(
    id: string,
    input: WebhookInput,
    content: string
  ): Promise<SessionInput> {
    const log = await this.deps.store.events.read(id, 0);
    const visitorSaid = log.some(
      ({event}) =>
        event.type === 'message' &&
        event.message.from === 'visitor' &&
        event.message.text === content
    );
    return {...input, visitorSaid};
  }

  /**
   * Sends the visitor's message with the browser's uuid: text, ready uploads, or the answer to an
   * agent's question. A repeat of an accepted message (on any instance) returns it again without a
   * second event, and Glia's PUT is idempotent by the same uuid, so a retry after a crash stores
   * it once. The same id with other content is refused.
   */
  async sendMessage(
    record: SessionRecord,
    messageId: string,
    request: SendMessageRequest
  ): Promise<{message: ChatMessage; created: boolean}> {
    const key = `${record.id}:${messageId}`;
    // No await before `sending.set` below: a concurrent repeat must find this send in flight.
    const inflight = this.sending.get(key);
    const sending =
      inflight ??
      (async () => {
        const known = await this.deps.store.idempotency.recall(record.id, messageId);
        if (known) return {message: known, created: false};
        const {visitor, engagementId} = record;
        if (record.status !== 'engaged' || !visitor || !engagementId) {
          throw new HandoffError(
            409,
            'not-engaged',
            record.status === 'queued'
              ? 'No agent has joined yet: the message can be sent once one does.'
              : 'The conversation is over.'
          );
        }
        const log = await this.deps.store.events.read(record.id, 0);
        const logged = log.flatMap(({event}) =>
          event.type === 'message' && event.message.id === messageId ? [event.message.from] : []
        );
        const {attachment, extra} = outgoing(record, request);
        const proposed: ChatMessage = {
          id: messageId,
          from: 'visitor',
          text: request.text,
          at: '',
          ...extra,
        };
        // Refused before Glia is asked when the log already shows the id as another's.
        if (
          reduce(record, {type: 'visitor-message', message: proposed, logged}).outcome === 'taken'
        )
          throw taken();
        const sent = await this.asVisitor(record, (v) =>
          this.deps.glia.sendChatMessage(v, engagementId, messageId, request.text, attachment)
        );
        const message: ChatMessage = {...proposed, at: sent.at};
        const done = await this.serially(record.id, () =>
          this.update(record.id, {
            type: 'visitor-message',
            message,
            logged,
            ...(sent.senderType === undefined ? {} : {gliaSender: sent.senderType}),
          })
        );
        if (!done) throw gone();
        if (done.reduction.outcome === 'taken') throw taken();
        await this.deps.store.idempotency.remember(record.id, message);
        return {message, created: done.appended[0] !== null};
      })();
    if (!inflight) this.sending.set(key, sending);
    try {
      const result = await sending;
      if (!sameContent(result.message, request)) {
        throw new HandoffError(
          409,
          'message-id-reused',
          'This message id was used for another message.'
        );
      }
      return inflight ? {message: result.message, created: false} : result;
    } finally {
      if (!inflight) this.sending.delete(key);
    }
  }

  /**
   * Takes the visitor's upload under the browser's uuid and streams it to Glia, never holding it:
   * the declared type must be one the conversation allows, the first bytes must be that type, and
   * the body at most the allowed size (counted as it streams; cut beyond). A repeat of a taken id
   * answers the same upload and uploads nothing. Glia's scan reports later (`receiveFileScan`).
   */
  async upload(
    record: SessionRecord,
    incoming: IncomingUpload
  ): Promise<{upload: Upload; created: boolean}> {
    const key = `${record.id}:${incoming.id}`;
    const inflight = this.uploading.get(key);
    if (inflight) {
      await incoming.body?.cancel().catch(() => undefined);
      return {upload: (await inflight).upload, created: false};
    }
    const task = this.takeUpload(record, incoming);
    this.uploading.set(key, task);
    try {
      return await task;
    } finally {
      this.uploading.delete(key);
    }
  }

  private async takeUpload(
    record: SessionRecord,
    incoming: IncomingUpload
  ): Promise<{upload: Upload; created: boolean}> {
    const refuse = async (error: HandoffError): Promise<never> => {
      await incoming.body?.cancel().catch(() => undefined);
      throw error;
    };
    const known = record.uploads.find((u) => u.id === incoming.id);
    const shown = known && toUpload(known);
    if (shown) {
      await incoming.body?.cancel().catch(() => undefined);
      return {upload: shown, created: false};
    }
    if (known && known.at >= this.deps.now() - UPLOAD_STALE_MS) return refuse(uploadInProgress());
    const {visitor, engagementId, filePolicy} = record;
    if (record.status !== 'engaged' || !visitor || !engagementId) {
      return refuse(
        new HandoffError(
          409,
          'not-engaged',
          record.status === 'queued'
            ? 'No agent has joined yet: files can be sent once one does.'
            : 'The conversation is over.'
        )
      );
    }
    if (!filePolicy) {
      return refuse(
        new HandoffError(403, 'file-sending-off', 'Files cannot be sent in this conversation.')
      );
    }
    const {contentType} = incoming;
    if (!filePolicy.contentTypes.includes(contentType)) {
      return refuse(
        new HandoffError(
          415,
          'file-type-not-allowed',
          `Files of type ${contentType.slice(0, 100) || '(none)'} cannot be sent here; these can: ${filePolicy.contentTypes.join(', ')}.`
        )
      );
    }
    const {maxBytes} = filePolicy;
    if (incoming.size !== undefined && incoming.size > maxBytes) return refuse(tooLarge(maxBytes));
    if (!incoming.body || incoming.size === 0) return refuse(emptyFile());
    const peeked = await peekBody(incoming.body, SNIFF_BYTES, maxBytes);
    const cancel = () => peeked.reader.cancel().catch(() => undefined);
    if (peeked.read === 0) {
      await cancel();
      throw emptyFile();
    }
    if (peeked.read > maxBytes) {
      await cancel();
      throw tooLarge(maxBytes);
    }
    if (!sniffMatches(contentType, peeked.head)) {
      await cancel();
      throw new HandoffError(
        415,
        'file-type-mismatch',
        `The file's content is not ${contentType}: it was not sent.`
      );
    }
    const at = this.deps.now();
    const claimed = await this.serially(record.id, () =>
      this.update(record.id, {
        type: 'upload-started',
        upload: {
          id: incoming.id,
          name: incoming.name,
          size: incoming.size ?? 0,
          contentType,
          status: 'uploading',
          sent: false,
          at,
        },
        staleBefore: at - UPLOAD_STALE_MS,
      })
    );
    const mine = claimed?.record.uploads.find((u) => u.id === incoming.id);
    if (!claimed || !mine || mine.at !== at || mine.status !== 'uploading') {
      await cancel();
      if (!claimed) throw gone();
      const other = mine && toUpload(mine);
      if (other) return {upload: other, created: false};
      throw uploadInProgress();
    }
    const body = multipartFile(peeked, {
      field: 'content',
      name: incoming.name,
      contentType,
      ...(incoming.size === undefined ? {} : {size: incoming.size}),
      maxBytes,
    });
    let stored: {fileId: string; scanning: boolean};
    try {
      stored = await this.asVisitor(record, (v) =>
        this.deps.glia.uploadFile(v, engagementId, body)
      );
    } catch (error) {
      await cancel();
      await this.serially(record.id, () =>
        this.update(record.id, {type: 'upload-failed', id: incoming.id, at})
      ).catch(() => undefined);
      if (body.tooLarge()) throw tooLarge(maxBytes);
      if (error instanceof GliaError && error.status === 403)
        throw new HandoffError(
          403,
          'file-sending-off',
          'Files cannot be sent in this conversation.'
        );
      if (error instanceof GliaError && error.status === 413) throw tooLarge(maxBytes);
      throw error;
    }
    const done = await this.serially(record.id, () =>
      this.update(record.id, {
        type: 'upload-stored',
        id: incoming.id,
        at,
        size: body.sent(),
        fileId: stored.fileId,
        scanning: stored.scanning,
      })
    );
    const upload = done?.record.uploads.find((u) => u.id === incoming.id);
    if (!done || !upload) throw gone();
    const result = toUpload(upload);
    if (!result) throw gone();
    return {upload: result, created: true};
  }

  /** Applies Glia's scan verdict for one of the session's uploads. */
  receiveFileScan(
    id: string,
    scan: {fileId: string; clean: boolean; engagementId?: string}
  ): Promise<WebhookOutcome | 'gone'> {
    return this.serially(id, async () => {
      const done = await this.update(id, {type: 'file-scanned', ...scan});
      if (!done) return 'gone';
      // `taken` answers only a visitor's message, never a scan.
      return done.reduction.outcome === 'taken' ? 'ignored' : done.reduction.outcome;
    });
  }

  /**
   * One of the agent's files, fetched from Glia with the visitor's token, to stream on: Glia's
   * answer (unread) and what the session knows of the file. 404 for an id this session was not sent.
   */
  async agentFile(
    record: SessionRecord,
    fileId: string
  ): Promise<{file: AgentFile; response: Response}> {
    const file = record.agentFiles.find((f) => f.id === fileId);
    const missing = () =>
      new HandoffError(404, 'file-not-found', 'There is no such file, or it was deleted.');
    if (!file || !record.visitor) throw missing();
    const answer = await this.asVisitor(record, (v) =>
      this.deps.glia.downloadFile(v, file.engagementId, file.fileId)
    );
    if (answer === 'not-found') throw missing();
    return {file, response: answer};
  }

  /**
   * Records the visitor's typing and tells Glia at most once per interval; the last state (the
   * final `false`) always goes out, on a trailing timer if it must wait.
   */
  setTyping(record: SessionRecord, typing: boolean): void {
    let state = this.typing.get(record.id);
    if (!state) {
      state = {
        wanted: false,
        sent: false,
        sentAt: Number.NEGATIVE_INFINITY,
        timer: undefined,
        record,
      };
      this.typing.set(record.id, state);
    }
    state.record = record;
    state.wanted = typing;
    this.flushTyping(state);
  }

  /**
   * Ends the session for the visitor (or the system: idle, shutdown): cancels the waiting ticket
   * or ends the engagement. Idempotent. A Glia failure leaves the session as it was and is thrown.
   * Resolves to the record as it is then (`undefined` if it is gone).
   */
  end(id: string, by: Extract<EndedBy, 'visitor' | 'system'>): Promise<SessionRecord | undefined> {
    return this.serially(id, async () => {
      const record = await this.deps.store.sessions.get(id);
      if (!record || isTerminal(record)) return record;
      const {glia} = this.deps;
      const {ticketId, engagementId} = record;
      let endOnStart = false;
      if (record.status === 'queued' && record.visitor) {
        // Glia's ticket answer carried no id: the ticket cannot be cancelled, like a Glia without
        // a cancel route.
        const outcome = ticketId
          ? await this.asVisitor(record, (v) => glia.cancelQueueTicket(v, ticketId))
          : 'unsupported';
        // No cancel route, or an operator is accepting right now: end it when it starts.
        endOnStart = outcome !== 'cancelled';
      } else if (record.status === 'engaged' && record.visitor && engagementId) {
        this.stopTyping(id);
        // Glia's one documented reason: the system ended it, so the agent does not read "visitor".
        await this.asVisitor(record, (v) =>
          glia.endEngagement(v, engagementId, by === 'system' ? 'error' : undefined)
        );
      }
      return (await this.update(id, {type: 'left', by, endOnStart}))?.record;
    });
  }

  /**
   * Catches up from Glia's transcript: messages whose webhooks never arrived are appended in
   * order, those already shown are not (by id, or by engagement, time and text when Glia gives no
   * id). One at a time per session on this instance; a failure is logged, never shown.
   */
  catchUp(id: string): Promise<void> {
    const running = this.catchingUp.get(id);
    if (running) return running;
    const task = (async () => {
      const record = await this.deps.store.sessions.get(id);
      const {engagementId} = record ?? {};
      if (!record || record.status !== 'engaged' || !engagementId) return;
      const entries = await this.asVisitor(record, (v) =>
        this.deps.glia.getChatTranscript(v, engagementId)
      );
      const messages = entries.flatMap((entry): GliaMessageFact[] => {
        // An entry without sender is shown as the agent's, like a webhook that names no side.
        const from = SENDERS[entry.sender?.type ?? 'operator'];
        // A message with only an attachment has no text (`null`).
        const text = entry.message ?? (entry.attachment === undefined ? undefined : '');
        if (!from || typeof text !== 'string' || !entry.created_at) return [];
        return [
          {
            ...(entry.id ? {id: entry.id} : {}),
            from,
            text,
            at: entry.created_at,
            ...(entry.attachment === undefined ? {} : {attachment: entry.attachment}),
          },
        ];
      });
      if (messages.length === 0) return;
      const done = await this.serially(id, () => this.update(id, {type: 'transcript', messages}));
      const caught = done?.appended.filter((logged) => logged !== null).length ?? 0;
      if (caught > 0)
        this.deps.logger.info('caught up from the transcript', {session: id, messages: caught});
    })()
      .catch((error: unknown) => {
        this.deps.logger.warn('could not catch up from the transcript', {session: id, error});
      })
      .finally(() => this.catchingUp.delete(id));
    this.catchingUp.set(id, task);
    return task;
  }

  /** Catches up every engaged session (after this instance starts), a few at a time. */
  async catchUpAll(): Promise<void> {
    const ids = await this.deps.store.sessions.ids();
    const next = () => ids.shift();
    const worker = async () => {
      for (let id = next(); id !== undefined; id = next()) await this.catchUp(id);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  /**
   * Ends and forgets sessions idle longer than the configured time (no request, and no stream
   * that took a heartbeat), once across the cluster. Returns how many were forgotten here.
   */
  async sweep(): Promise<number> {
    const {store, config, now} = this.deps;
    let swept = 0;
    await store.exclusive('idle-sweep', 60_000, async () => {
      // A stream keeps its session alive only through the heartbeats it drains (they touch it).
      const idle = await store.idle.idleSince(now() - config.sessionIdleSeconds * 1000);
      swept = idle.length;
      // Independent sessions: end them in Glia side by side.
      await Promise.all(
        idle.map(async (id) => {
          await this.end(id, 'system').catch((error: unknown) => {
            this.deps.logger.warn('could not end an idle session in Glia', {session: id, error});
          });
          await this.forget(id);
          this.deps.logger.info('idle session forgotten', {session: id});
        })
      );
    });
    return swept;
  }

  /** Forgets a session: its streams close, its secrets leave the redaction list. */
  async forget(id: string): Promise<void> {
    this.stopTyping(id);
    this.typing.delete(id);
    const visitor = (await this.deps.store.sessions.get(id).catch(() => undefined))?.visitor;
    if (visitor) this.forgetVisitorToken(visitor.sealedToken);
    const token = this.bearerTokens.get(id);
    if (token) this.deps.secrets.delete(token);
    this.bearerTokens.delete(id);
    await this.deps.store.sessions.delete(id);
  }

  /**
   * Reads the record (or starts from `known`), reduces `input` (or what `prepare` makes of the
   * record), commits under the version check with the events, then runs the effects. Redone from a
   * fresh read on a conflict, and on a change to nothing when `known` may be stale (`current`
   * false): only a commit proves the version it was decided on.
   * `undefined`: the session is gone.
   */
  private async update(
    id: string,
    input: SessionInput | ((record: SessionRecord) => SessionInput | Promise<SessionInput>),
    known?: SessionRecord,
    current = true
  ): Promise<Update | undefined> {
    const {sessions} = this.deps.store;
    for (let attempt = 0; ; attempt++) {
      const fromKnown = attempt === 0 && known !== undefined;
      const record = fromKnown ? known : await sessions.get(id);
      if (!record) return undefined;
      const prepared = typeof input === 'function' ? input(record) : input;
      const reduction = reduce(record, prepared instanceof Promise ? await prepared : prepared);
      if (
        reduction.events.length === 0 &&
        reduction.effects.length === 0 &&
        sameRecord(record, reduction.record)
      ) {
        if (fromKnown && !current) continue;
        return {record, appended: [], reduction};
      }
      const committed = await sessions.commit(record, reduction.record, reduction.events);
      if (committed === 'gone') return undefined;
      if (committed === 'conflict') {
        if (attempt >= 50) throw new Error(`session ${id}: too many concurrent changes`);
        continue;
      }
      if (reduction.effects.length > 0) await this.runEffects(committed.record, reduction.effects);
      return {...committed, reduction};
    }
  }

  private async runEffects(record: SessionRecord, effects: SessionEffect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.type === 'end-engagement' && record.visitor) {
        await this.asVisitor(record, (v) =>
          this.deps.glia.endEngagement(v, effect.engagementId)
        ).catch((error: unknown) => {
          this.deps.logger.warn('could not end an engagement the visitor had left', {error});
        });
      }
    }
  }

  /** Calls Glia as the session's visitor; a token Glia renewed on the way is sealed back into the record. */
  private async asVisitor<T>(
    record: SessionRecord,
    call: (visitor: GliaVisitor) => Promise<T>
  ): Promise<T> {
    const stored = record.visitor;
    if (!stored) throw new Error('the session has no visitor yet');
    // Opened for this call only, not kept: the record has it sealed, and a kept plaintext was
    // some 500 B of every session's memory. A token that is not a JWT stays on the redaction
    // list until the session is forgotten (a JWT needs no entry: the logger knows its shape).
    const token = this.deps.store.box.open(stored.sealedToken);
    this.deps.secrets.add(token);
    const visitor = new GliaVisitor(stored.id, token);
    try {
      return await call(visitor);
    } finally {
      // The Glia client renewed it on a 401 (and registered the new one).
      const after = visitorAccessToken(visitor);
      if (after && after !== token) {
        const sealedToken = this.deps.store.box.seal(after);
        await this.update(record.id, {type: 'visitor-token-renewed', sealedToken}).catch(
          () => undefined
        );
      }
    }
  }

  /** Takes a session's visitor token off the redaction list. */
  private forgetVisitorToken(sealedToken: string): void {
    let token: string;
    try {
      token = this.deps.store.box.open(sealedToken);
    } catch {
      return; // Sealed with another key: this instance never opened it.
    }
    this.deps.secrets.delete(token);
  }

  /** Runs `task` after every earlier task of the session on this instance. */
  private serially<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id);
    // With nothing queued, start now: a promise hop less on every delivery.
    const run = previous ? previous.then(task, task) : task();
    // Two anonymous arrows, not one named `done`: tsx (esbuild's keepNames) names a named closure
    // at run time, a property write on every delivery.
    const settled: Promise<void> = run.then(
      () => this.dequeue(id, settled),
      () => this.dequeue(id, settled)
    );
    this.queues.set(id, settled);
    return run;
  }

  /** The session's queue is empty once `settled`, its last task, has. */
  private dequeue(id: string, settled: Promise<void>): void {
    if (this.queues.get(id) === settled) this.queues.delete(id);
  }

  private async operatorName(operatorId: string | undefined): Promise<string> {
    if (!operatorId) return GENERIC_OPERATOR_NAME;
    const known = this.operatorNames.get(operatorId);
    if (known) return known;
    try {
      const {name: raw} = await this.deps.glia.getOperator(operatorId);
      // Shown to the visitor: nothing in it may reorder the text around it.
      const name = raw === undefined ? '' : cleanLine(raw).trim();
      if (name === '') return GENERIC_OPERATOR_NAME;
      if (this.operatorNames.size > 1000) this.operatorNames.clear();
      this.operatorNames.set(operatorId, name);
      return name;
    } catch (error) {
      this.deps.logger.warn('operator name lookup failed; showing a generic name', {error});
      return GENERIC_OPERATOR_NAME;
    }
  }

  /** The engagement's details, or `undefined` (logged) when Glia would not say. */
  private async engagementDetails(
    engagementId: string,
    needOperator: boolean
  ): Promise<EngagementDetails | undefined> {
    // Nothing to learn: the webhook named the operator and the proxy takes no files.
    if (!needOperator && this.deps.config.files.contentTypes.length === 0) return undefined;
    return this.deps.glia
      .getEngagementDetails(engagementId, {needOperator})
      .catch((error: unknown) => {
        this.deps.logger.warn('could not read the engagement', {error});
        return undefined;
      });
  }

  /**
   * What the visitor may upload: the proxy's types that the engagement also allows, at most
   * FILE_MAX_BYTES. Glia not saying counts as allowing (it refuses an upload itself if not).
   */
  private filePolicy(
    fileSending: EngagementDetails['fileSending'] | undefined
  ): FilePolicy | undefined {
    const {contentTypes, maxBytes} = this.deps.config.files;
    if (fileSending?.allowed === false) return undefined;
    const allowed = fileSending?.contentTypes?.map(bareType);
    const kept = allowed ? contentTypes.filter((type) => allowed.includes(type)) : contentTypes;
    if (kept.length === 0) return undefined;
    // Every session whose engagement allows all the configured types shares one policy, with the
    // configured list (a copy per session was 184 B of each open stream's memory, the policy 32 B).
    if (kept.length < contentTypes.length) return {contentTypes: kept, maxBytes};
    this.everyFile ??= Object.freeze({contentTypes, maxBytes});
    return this.everyFile;
  }

  /**
   * Who serves the engagement: the webhook's operator id, or (integrators' webhooks carry none)
   * the one `GET /engagements/{id}` names. Undefined when neither says.
   */
  private async servingOperator(engagement: {
    id: string;
    current_sub_engagement?: {operator_id?: string};
  }): Promise<string | undefined> {
    const said = engagement.current_sub_engagement?.operator_id;
    if (said) return said;
    return this.deps.glia.getEngagementOperator(engagement.id).catch((error: unknown) => {
      this.deps.logger.warn('could not read who serves the engagement', {error});
      return undefined;
    });
  }

  private stopTyping(id: string): void {
    const state = this.typing.get(id);
    if (state?.timer !== undefined) this.deps.timers.clearTimeout(state.timer);
    if (state) state.timer = undefined;
  }

  private flushTyping(state: TypingState): void {
    const {record} = state;
    const {engagementId} = record;
    if (record.status !== 'engaged' || !record.visitor || !engagementId) return;
    if (state.wanted === state.sent || state.timer !== undefined) return;
    const wait = state.sentAt + this.deps.typingIntervalMs - this.deps.now();
    if (wait > 0) {
      state.timer = this.deps.timers.setTimeout(() => {
        state.timer = undefined;
        this.flushTyping(state);
      }, wait);
      return;
    }
    const typing = state.wanted;
    state.sent = typing;
    state.sentAt = this.deps.now();
    if (!typing) {
      // The visitor stopped: once a new state could go out at once anyway, this one (and the
      // record it holds) goes, instead of staying for the session's life. A change meanwhile
      // waits for this timer, as it would for the interval.
      state.timer = this.deps.timers.setTimeout(() => {
        state.timer = undefined;
        if (!state.wanted && this.typing.get(record.id) === state) this.typing.delete(record.id);
        else this.flushTyping(state);
      }, this.deps.typingIntervalMs);
    }
    this.asVisitor(record, (v) => this.deps.glia.setTyping(v, engagementId, typing)).catch(
      (error: unknown) => {
        // Typing is a courtesy: a failure is logged, never shown.
        this.deps.logger.warn('typing update failed', {
          session: record.id,
          error: error instanceof GliaError ? error.toJSON() : String(error),
        });
      }
    );
  }
}

/** Who wrote a transcript entry, as the widget names them; other senders are not shown. */
const SENDERS: Record<string, ChatMessage['from'] | undefined> = {
  operator: 'operator',
  omniguide: 'operator',
  system: 'system',
  visitor: 'visitor',
};

/** Whether a page may hand off to `queueId`: the configured queue, or one `ALLOWED_QUEUES` lists. */
export function queueAllowed(
  config: Pick<ProxyConfig, 'glia' | 'allowedQueues'>,
  queueId: string
): boolean {
  const id = queueId.toLowerCase();
  return id === config.glia.queueId.toLowerCase() || config.allowedQueues.includes(id);
}

const emptyFile = () => new HandoffError(400, 'file-empty', 'The file is empty.');
const tooLarge = (maxBytes: number) =>
  new HandoffError(
    413,
    'file-too-large',
    `The file is larger than ${Math.floor(maxBytes / (1024 * 1024)) || maxBytes} ${maxBytes >= 1024 * 1024 ? 'MB' : 'bytes'}, the most that can be sent.`
  );
const uploadInProgress = () =>
  new HandoffError(
    409,
    'upload-in-progress',
    'This file is still being uploaded; try again shortly.'
  );

/**
 * What a visitor's message attaches for Glia, and what the browser is shown of it: the session's
 * ready uploads (each sent once), or the answer to one of the agent's questions, checked here.
 */
function outgoing(
  record: SessionRecord,
  request: SendMessageRequest
): {attachment?: OutgoingAttachment; extra: Pick<ChatMessage, 'files' | 'answer'>} {
  if (request.files && request.answer) {
    throw new HandoffError(
      400,
      'validation',
      'A message either carries files or answers a question, not both.'
    );
  }
  if (request.files) {
    const ids = [...new Set(request.files)];
    const uploads = ids.map((id) => {
      const upload = record.uploads.find((u) => u.id === id);
      if (!upload)
        throw new HandoffError(
          400,
          'unknown-upload',
          `There is no upload ${id.slice(0, 64)} in this conversation.`
        );
      if (upload.status === 'infected')
        throw new HandoffError(
          409,
          'file-infected',
          `${upload.name} failed the security scan and cannot be sent.`
        );
      if (upload.status !== 'ready' || !upload.fileId)
        throw new HandoffError(
          409,
          'file-not-ready',
          `${upload.name} is still being checked; send it once it is ready.`
        );
      if (upload.sent)
        throw new HandoffError(409, 'upload-already-sent', `${upload.name} was sent already.`);
      return {...upload, fileId: upload.fileId};
    });
    return {
      attachment: {type: 'files', files: uploads.map((u) => ({id: u.fileId}))},
      extra: {
        files: uploads.map(({id, name, contentType, size}) => ({id, name, contentType, size})),
      },
    };
  }
  if (request.answer) {
    const {messageId, value} = request.answer;
    const question = record.questions.find((q) => q.messageId === messageId);
    if (!question)
      throw new HandoffError(
        400,
        'unknown-question',
        'There is no such question in this conversation.'
      );
    if (!question.options.some((option) => option.value === value))
      throw new HandoffError(
        400,
        'unknown-option',
        'That is not one of the options of the question.'
      );
    if (question.answered !== undefined)
      throw new HandoffError(409, 'already-answered', 'This question was answered already.');
    return {
      attachment: {type: 'single_choice_response', selected_option: value},
      extra: {answer: {messageId, value}},
    };
  }
  return {extra: {}};
}

/** Whether an accepted message is what `request` asks to send (so a repeat, not a reuse of its id). */
function sameContent(message: ChatMessage, request: SendMessageRequest): boolean {
  const files = (message.files ?? []).map((file) => file.id);
  const asked = [...new Set(request.files ?? [])];
  return (
    message.text === request.text &&
    JSON.stringify(files) === JSON.stringify(asked) &&
    JSON.stringify(message.answer ?? null) === JSON.stringify(request.answer ?? null)
  );
}

function sameRecord(a: SessionRecord, b: SessionRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The visitor's details for Glia: the description as the note, the bot conversation and page facts as custom attributes. */
export function visitorDetails(request: StartSessionRequest): {
  note: string;
  name?: string;
  email?: string;
  custom_attributes?: Record<string, string>;
  custom_attributes_update_method?: 'merge';
} {
  const attributes: Record<string, string> = {...request.attributes};
  if (request.transcript?.length) {
    attributes[TRANSCRIPT_ATTRIBUTE] = request.transcript
      .map((turn) => `${turn.from === 'bot' ? 'Bot' : 'Visitor'}: ${turn.text}`)
      .join('\n');
  }
  return {
    note: request.description,
    ...(request.name ? {name: request.name} : {}),
    ...(request.email ? {email: request.email} : {}),
    ...(Object.keys(attributes).length > 0
      ? {custom_attributes: attributes, custom_attributes_update_method: 'merge' as const}
      : {}),
  };
}
