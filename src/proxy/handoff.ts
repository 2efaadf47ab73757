/**
 * @module The handoff flow of docs/architecture.md, as the imperative shell around the pure session
 * reducer (`sessions/session-reducer.ts`): create the visitor, set the details, file the queue
 * ticket with webhooks back to this proxy; turn webhook deliveries into the session's events; send
 * the visitor's messages and typing; cancel or end; catch up from Glia's transcript when webhooks
 * were lost. Glia is reached only through the Glia client, the session only through the store's
 * ports, so any instance can take any request.
 */
import {randomBytes, randomUUID} from 'node:crypto';
import type {WebhookPayload, WebhookRegistration} from '../wire/glia/index.js';
import {WEBHOOK_EVENTS} from '../wire/glia/index.js';
import type {ChatMessage, EndedBy, StartSessionRequest} from '../wire/handoff/index.js';
import {cleanLine} from '../wire/handoff/index.js';
import type {ProxyConfig} from './config.js';
import type {GliaClient} from './glia/glia-client.js';
import {GliaVisitor, visitorAccessToken} from './glia/glia-client.js';
import {GliaError} from './glia/glia-error.js';
import {GENERIC_OPERATOR_NAME, messageAudience} from './glia/to-chat-event.js';
import type {Logger, SecretRegistry} from './logger.js';
import type {Metrics} from './metrics.js';
import type {Committed, SessionStore} from './sessions/ports.js';
import type {
  GliaMessageFact,
  Reduction,
  SessionEffect,
  SessionInput,
  WebhookOutcome,
} from './sessions/session-reducer.js';
import {reduce} from './sessions/session-reducer.js';
import type {LoggedEvent, SessionRecord} from './sessions/session-record.js';
import {hashSecret, isTerminal, newRecord} from './sessions/session-record.js';

export type {WebhookOutcome} from './sessions/session-reducer.js';

/** The header each webhook delivery carries with the session's secret. */
export const WEBHOOK_SECRET_HEADER = 'x-glia-handoff-webhook-secret';

/**
 * The webhook a session's queue ticket registers: every handoff event, to
 * `<PUBLIC_URL>/handoff/webhooks/glia/<session id>`, carrying the session's secret. `doctor --ticket`
 * registers the same, so it tests what the proxy really asks of Glia.
 */
export function webhookRegistration(
  config: Pick<ProxyConfig, 'publicUrl' | 'operatorTypingEvent'>,
  sessionId: string,
  secret: string
): WebhookRegistration {
  return {
    url: `${config.publicUrl}/handoff/webhooks/glia/${sessionId}`,
    method: 'POST',
    headers: {[WEBHOOK_SECRET_HEADER]: secret},
    events: WEBHOOK_EVENTS.filter(
      (event) => event !== 'engagement.operator_typing' || config.operatorTypingEvent
    ),
  };
}

/** `setTimeout`/`clearTimeout` as the proxy uses them; a fake clock's fit. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A refusal that is not Glia's: the browser asked for something the session cannot do now. */
export class HandoffError extends Error {
  readonly status: 400 | 403 | 404 | 409;
  readonly code: string;

  constructor(status: 400 | 403 | 404 | 409, code: string, message: string) {
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
}

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

/** The Glia custom attribute that carries the bot conversation. */
export const TRANSCRIPT_ATTRIBUTE = 'transcript';

/** The flow. Per-instance state is only what cannot matter to another instance: caches, timers, work in flight. */
export class Handoff {
  private readonly deps: HandoffDeps;
  private readonly operatorNames = new Map<string, string>();
  /** Each session's bearer token and webhook secret, to take off the redaction list when it goes. */
  private readonly sessionSecrets = new Map<string, string[]>();
  /** Work on one session runs one task at a time on this instance (the store's version check covers the others). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly typing = new Map<string, TypingState>();
  private readonly sending = new Map<string, Promise<{message: ChatMessage; created: boolean}>>();
  private readonly catchingUp = new Map<string, Promise<void>>();
  /** Opened visitor tokens, by session: the sealed value they came from and the visitor. */
  private readonly visitors = new Map<string, {sealed: string; visitor: GliaVisitor}>();

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
  async start(
    request: StartSessionRequest
  ): Promise<{record: SessionRecord; token: string; log: LoggedEvent[]}> {
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
    const token = randomBytes(32).toString('base64url');
    const webhookSecret = randomBytes(32).toString('base64url');
    const id = (this.deps.randomUUID ?? randomUUID)();
    await store.sessions.create(
      newRecord({
        id,
        tokenHash: hashSecret(token),
        webhookSecretHash: hashSecret(webhookSecret),
        createdAt: this.deps.now(),
        queueId,
      })
    );
    for (const secret of [token, webhookSecret]) secrets.add(secret);
    this.sessionSecrets.set(id, [token, webhookSecret]);
    try {
      await this.update(id, {type: 'created'});
      const visitor = await glia.createVisitor();
      const sealedToken = store.box.seal(visitorAccessToken(visitor) ?? '');
      this.visitors.set(id, {sealed: sealedToken, visitor});
      let record = (
        await this.update(id, {type: 'visitor-created', visitor: {id: visitor.id, sealedToken}})
      )?.record;
      if (!record) throw gone();
      await this.asVisitor(record, (v) => glia.updateVisitor(v.id, visitorDetails(request)));
      const {ticket} = await this.asVisitor(record, (v) =>
        glia.createQueueTicket(v, {
          queueId,
          webhooks: [webhookRegistration(config, id, webhookSecret)],
        })
      );
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
      return {record, token, log: await store.events.read(id, 0)};
    } catch (error) {
      await this.forget(id).catch(() => undefined);
      this.deps.metrics.inc('glia_handoff_sessions_created_total', {outcome: 'error'});
      throw error;
    }
  }

  /** Applies one webhook delivery, after any earlier one of the session on this instance. */
  receiveWebhook(id: string, payload: WebhookPayload): Promise<WebhookOutcome | 'gone'> {
    return this.serially(id, async () => {
      const done = await this.update(id, async (record): Promise<SessionInput> => {
        const input: SessionInput = {type: 'webhook', payload, at: this.deps.now()};
        if (
          payload.event_type === 'engagement.start' ||
          payload.event_type === 'engagement.transfer'
        ) {
          // Find out who serves (and their name) only when the delivery will be shown or kept.
          const probe = reduce(record, input);
          if (probe.outcome === 'applied' || probe.outcome === 'deferred') {
            const operatorId = await this.servingOperator(payload.engagement);
            const name = await this.operatorName(operatorId);
            return {...input, operator: operatorId ? {id: operatorId, name} : {name}};
          }
        }
        if (
          payload.event_type === 'engagement.chat.message' &&
          messageAudience(payload.message) === 'unknown'
        ) {
          const log = await this.deps.store.events.read(id, 0);
          const visitorSaid = log.some(
            ({event}) =>
              event.type === 'message' &&
              event.message.from === 'visitor' &&
              event.message.text === payload.message.content
          );
          return {...input, visitorSaid};
        }
        return input;
      });
      if (!done) return 'gone';
      if (isTerminal(done.record)) this.stopTyping(id);
      const {outcome, events} = done.reduction;
      const shown = done.appended.some((logged) => logged !== null);
      if (outcome === 'taken') return 'ignored';
      return outcome === 'applied' && events.length > 0 && !shown ? 'duplicate' : outcome;
    });
  }

  /**
   * Sends the visitor's message with the browser's uuid. A repeat of an accepted message (on any
   * instance) returns it again without a second event, and Glia's PUT is idempotent by the same
   * uuid, so a retry after a crash stores it once.
   */
  async sendMessage(
    record: SessionRecord,
    messageId: string,
    text: string
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
        const proposed: ChatMessage = {id: messageId, from: 'visitor', text, at: ''};
        // Refused before Glia is asked when the log already shows the id as another's.
        if (
          reduce(record, {type: 'visitor-message', message: proposed, logged}).outcome === 'taken'
        )
          throw taken();
        const sent = await this.asVisitor(record, (v) =>
          this.deps.glia.sendChatMessage(v, engagementId, messageId, text)
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
      if (result.message.text !== text) {
        throw new HandoffError(
          409,
          'message-id-reused',
          'This message id was used for another text.'
        );
      }
      return inflight ? {message: result.message, created: false} : result;
    } finally {
      if (!inflight) this.sending.delete(key);
    }
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
        if (!from || typeof entry.message !== 'string' || !entry.created_at) return [];
        return [
          {...(entry.id ? {id: entry.id} : {}), from, text: entry.message, at: entry.created_at},
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
    const opened = this.visitors.get(id);
    if (opened) this.deps.glia.releaseVisitor(opened.visitor);
    this.visitors.delete(id);
    for (const secret of this.sessionSecrets.get(id) ?? []) this.deps.secrets.delete(secret);
    this.sessionSecrets.delete(id);
    await this.deps.store.sessions.delete(id);
  }

  /**
   * Reads the record, reduces `input` (or what `prepare` makes of the record), commits under the
   * version check with the events, then runs the effects. Redone from a fresh read on a conflict.
   * `undefined`: the session is gone.
   */
  private async update(
    id: string,
    input: SessionInput | ((record: SessionRecord) => Promise<SessionInput>)
  ): Promise<Update | undefined> {
    const {sessions} = this.deps.store;
    for (let attempt = 0; ; attempt++) {
      const current = await sessions.get(id);
      if (!current) return undefined;
      const reduction = reduce(current, typeof input === 'function' ? await input(current) : input);
      if (
        reduction.events.length === 0 &&
        reduction.effects.length === 0 &&
        sameRecord(current, reduction.record)
      ) {
        return {record: current, appended: [], reduction};
      }
      const committed = await sessions.commit(current, reduction.record, reduction.events);
      if (committed === 'gone') return undefined;
      if (committed === 'conflict') {
        if (attempt >= 50) throw new Error(`session ${id}: too many concurrent changes`);
        continue;
      }
      await this.runEffects(committed.record, reduction.effects);
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
    let opened = this.visitors.get(record.id);
    if (opened?.sealed !== stored.sealedToken) {
      const token = this.deps.store.box.open(stored.sealedToken);
      this.deps.secrets.add(token);
      opened = {sealed: stored.sealedToken, visitor: new GliaVisitor(stored.id, token)};
      this.visitors.set(record.id, opened);
    }
    const {visitor} = opened;
    const before = visitorAccessToken(visitor);
    try {
      return await call(visitor);
    } finally {
      const after = visitorAccessToken(visitor);
      if (after && after !== before) {
        this.deps.secrets.add(after);
        const sealedToken = this.deps.store.box.seal(after);
        this.visitors.set(record.id, {sealed: sealedToken, visitor});
        await this.update(record.id, {type: 'visitor-token-renewed', sealedToken}).catch(
          () => undefined
        );
      }
    }
  }

  /** Runs `task` after every earlier task of the session on this instance. */
  private serially<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return run;
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
