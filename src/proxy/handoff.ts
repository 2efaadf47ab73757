/**
 * @module The handoff flow (docs/architecture.md): create the visitor, set the details, file the queue ticket
 * with webhooks back to this proxy; turn webhook deliveries into the session's events; send the
 * visitor's messages and typing; cancel or end. Glia is reached only through the Glia client.
 */
import type {WebhookPayload, WebhookRegistration} from '../wire/glia/index.js';
import {WEBHOOK_EVENTS} from '../wire/glia/index.js';
import type {ChatEvent, ChatMessage, EndedBy, StartSessionRequest} from '../wire/handoff/index.js';
import type {ProxyConfig} from './config.js';
import type {GliaClient} from './glia/glia-client.js';
import {GliaError} from './glia/glia-error.js';
import {
  GENERIC_OPERATOR_NAME,
  endedBy,
  failureReason,
  messageAudience,
  messageKey,
  toMessageEvent,
} from './glia/to-chat-event.js';
import type {Logger, SecretRegistry} from './logger.js';
import type {Metrics} from './metrics.js';
import type {Session, SessionStore} from './sessions/session-store.js';
import {isTerminal} from './sessions/session-store.js';

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
  readonly status: 400 | 404 | 409;
  readonly code: string;

  constructor(status: 400 | 404 | 409, code: string, message: string) {
    super(message);
    this.name = 'HandoffError';
    this.status = status;
    this.code = code;
  }
}

/** What became of a webhook delivery. `mismatch`: not this session's ticket or engagement. */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored' | 'deferred' | 'mismatch';

export interface HandoffDeps {
  glia: GliaClient;
  store: SessionStore;
  config: ProxyConfig;
  logger: Logger;
  metrics: Metrics;
  secrets: SecretRegistry;
  now: () => number;
  timers: Timers;
  /** At most one typing update to Glia per this many ms (docs/glia.md, "Rate limits and timeouts": ~3 s). */
  typingIntervalMs: number;
}

/** Early deliveries kept per session while the engagement is not known yet. */
const MAX_EARLY = 50;

/** The Glia custom attribute that carries the bot conversation. */
export const TRANSCRIPT_ATTRIBUTE = 'transcript';

/** The flow, per session. */
export class Handoff {
  private readonly deps: HandoffDeps;
  private readonly operatorNames = new Map<string, string>();
  /** Each session's bearer token and webhook secret, to take off the redaction list when it goes. */
  private readonly sessionSecrets = new Map<string, string[]>();

  constructor(deps: HandoffDeps) {
    this.deps = deps;
  }

  /**
   * Starts a session: visitor, details, ticket, in that order. Token and visitor cannot overlap
   * (the visitor needs the token), and the ticket waits for the details on purpose: the agent
   * decides on the note, and a refused update (missing policy) must not leave a ticket waiting.
   * On a Glia failure the session is forgotten and the `GliaError` thrown.
   */
  async start(request: StartSessionRequest): Promise<{session: Session; token: string}> {
    const {glia, store, config, secrets} = this.deps;
    const queueId = request.queue ?? config.glia.queueId;
    const {session, token} = store.create(queueId);
    for (const secret of [token, session.webhookSecret]) secrets.add(secret);
    this.sessionSecrets.set(session.id, [token, session.webhookSecret]);
    session.log.append({type: 'status', status: 'queued'});
    try {
      const visitor = await glia.createVisitor();
      session.visitor = visitor;
      await glia.updateVisitor(visitor.id, visitorDetails(request));
      const {ticket} = await glia.createQueueTicket(visitor, {
        queueId,
        webhooks: [webhookRegistration(this.deps.config, session.id, session.webhookSecret)],
      });
      session.ticketId = ticket.id;
      // A closed queue fails the ticket at once; the webhook may or may not have said so already.
      if (ticket.state === 'failed' && session.status === 'queued') {
        this.fail(session, failureReason(undefined));
      }
    } catch (error) {
      this.forget(session);
      this.deps.metrics.inc('glia_handoff_sessions_created_total', {outcome: 'error'});
      throw error;
    }
    this.deps.metrics.inc('glia_handoff_sessions_created_total', {outcome: 'ok'});
    this.deps.logger.info('session started', {session: session.id, status: session.status});
    return {session, token};
  }

  /** Applies one webhook delivery, after any earlier one of the same session. */
  receiveWebhook(session: Session, payload: WebhookPayload): Promise<WebhookOutcome> {
    return this.serially(session, () => this.apply(session, payload));
  }

  /**
   * Sends the visitor's message with the browser's uuid. A repeat of an accepted message returns
   * it again without a second event (and Glia's PUT is idempotent by the same uuid anyway).
   */
  async sendMessage(
    session: Session,
    messageId: string,
    text: string
  ): Promise<{message: ChatMessage; created: boolean}> {
    // No await before `sending.set` below: a concurrent repeat must find this send in flight.
    const inflight = session.sending.get(messageId);
    const known = session.visitorMessages.get(messageId) ?? (inflight && (await inflight));
    if (known) {
      if (known.text !== text) {
        throw new HandoffError(
          409,
          'message-id-reused',
          'This message id was used for another text.'
        );
      }
      return {message: known, created: false};
    }
    const {visitor, engagementId} = session;
    if (session.status !== 'engaged' || !visitor || !engagementId) {
      throw new HandoffError(
        409,
        'not-engaged',
        session.status === 'queued'
          ? 'No agent has joined yet: the message can be sent once one does.'
          : 'The conversation is over.'
      );
    }
    const sending = this.deps.glia
      .sendChatMessage(visitor, engagementId, messageId, text)
      .then((sent) => {
        const message: ChatMessage = {id: messageId, from: 'visitor', text, at: sent.at};
        session.visitorMessages.set(messageId, message);
        session.seenMessageIds.add(messageId);
        session.log.append({type: 'message', message});
        return message;
      });
    session.sending.set(messageId, sending);
    try {
      return {message: await sending, created: true};
    } finally {
      session.sending.delete(messageId);
    }
  }

  /**
   * Records the visitor's typing and tells Glia at most once per interval; the last state (the
   * final `false`) always goes out, on a trailing timer if it must wait.
   */
  setTyping(session: Session, typing: boolean): void {
    session.typing.wanted = typing;
    this.flushTyping(session);
  }

  /**
   * Ends the session for the visitor (or the system, on idle): cancels the waiting ticket or ends
   * the engagement. Idempotent. A Glia failure leaves the session as it was and is thrown.
   */
  end(session: Session, by: Extract<EndedBy, 'visitor' | 'system'>): Promise<void> {
    return this.serially(session, async () => {
      if (isTerminal(session)) return;
      const {glia} = this.deps;
      const {visitor, ticketId, engagementId} = session;
      if (session.status === 'queued' && visitor) {
        // Glia's ticket answer carried no id: the ticket cannot be cancelled, like a Glia without
        // a cancel route.
        const outcome = ticketId ? await glia.cancelQueueTicket(visitor, ticketId) : 'unsupported';
        // No cancel route, or an operator is accepting right now: end it when it starts.
        if (outcome !== 'cancelled') session.endOnStart = true;
      } else if (session.status === 'engaged' && visitor && engagementId) {
        this.stopTyping(session);
        await glia.endEngagement(visitor, engagementId);
      }
      this.finish(session, by);
    });
  }

  /**
   * Ends and forgets sessions idle longer than the configured time: no request, and no stream
   * that took a heartbeat (a stream whose writes stopped draining keeps nothing alive).
   * Returns how many were forgotten.
   */
  async sweep(): Promise<number> {
    const idleMs = this.deps.config.sessionIdleSeconds * 1000;
    const now = this.deps.now();
    const idle = this.deps.store.all().filter((session) => now - session.lastActivity >= idleMs);
    // Independent sessions: end them in Glia side by side.
    await Promise.all(
      idle.map(async (session) => {
        if (!isTerminal(session)) {
          await this.end(session, 'system').catch((error: unknown) => {
            this.deps.logger.warn('could not end an idle session in Glia', {
              session: session.id,
              error,
            });
          });
        }
        this.forget(session);
        this.deps.logger.info('idle session forgotten', {session: session.id});
      })
    );
    return idle.length;
  }

  /** Forgets a session: its streams close, its secrets leave the redaction list. */
  forget(session: Session): void {
    this.stopTyping(session);
    if (session.visitor) this.deps.glia.releaseVisitor(session.visitor);
    this.deps.store.delete(session.id);
    for (const secret of this.sessionSecrets.get(session.id) ?? [])
      this.deps.secrets.delete(secret);
    this.sessionSecrets.delete(session.id);
  }

  /** Runs `task` after every earlier task of the session (webhooks and ends never interleave). */
  private serially<T>(session: Session, task: () => Promise<T>): Promise<T> {
    const run = session.queue.then(task, task);
    session.queue = run.catch(() => undefined);
    return run;
  }

  private append(session: Session, event: ChatEvent): void {
    session.log.append(event);
  }

  private fail(session: Session, reason: string): void {
    session.status = 'failed';
    session.reason = reason;
    this.append(session, {type: 'status', status: 'failed', reason});
  }

  private finish(session: Session, by: EndedBy): void {
    this.stopTyping(session);
    session.status = 'ended';
    session.endedBy = by;
    this.append(session, {type: 'ended', by});
    this.append(session, {type: 'status', status: 'ended'});
  }

  private async operatorName(operatorId: string | undefined): Promise<string> {
    if (!operatorId) return GENERIC_OPERATOR_NAME;
    const known = this.operatorNames.get(operatorId);
    if (known) return known;
    try {
      const {name} = await this.deps.glia.getOperator(operatorId);
      if (name === undefined) return GENERIC_OPERATOR_NAME;
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

  /** Keeps a delivery about an engagement that has not started here yet (deliveries are unordered). */
  private defer(session: Session, payload: WebhookPayload): WebhookOutcome {
    if (session.status !== 'queued') return 'ignored';
    if (session.early.length < MAX_EARLY) session.early.push(payload);
    return 'deferred';
  }

  private async apply(session: Session, payload: WebhookPayload): Promise<WebhookOutcome> {
    const visitorId = session.visitor?.id;
    /** A visitor id the delivery leaves out is not a mismatch: the URL and secret are the session's. */
    const sameVisitor = (id: string | undefined) => id === undefined || id === visitorId;
    switch (payload.event_type) {
      case 'engagement.start': {
        const {engagement} = payload;
        if (!sameVisitor(engagement.visitor_id)) return 'mismatch';
        if (
          engagement.queue_ticket_id &&
          session.ticketId &&
          engagement.queue_ticket_id !== session.ticketId
        ) {
          return 'mismatch';
        }
        if (session.engagementId)
          return session.engagementId === engagement.id ? 'duplicate' : 'mismatch';
        session.engagementId = engagement.id;
        if (session.endOnStart || isTerminal(session)) {
          // The visitor left before anyone answered and the ticket could not be cancelled.
          if (session.visitor) {
            await this.deps.glia
              .endEngagement(session.visitor, engagement.id)
              .catch((error: unknown) => {
                this.deps.logger.warn('could not end an engagement the visitor had left', {error});
              });
          }
          return 'applied';
        }
        const operatorId = await this.servingOperator(engagement);
        const name = await this.operatorName(operatorId);
        session.operator = {id: operatorId ?? null, name};
        session.status = 'engaged';
        this.append(session, {type: 'operator', operator: {name}, change: 'joined'});
        this.append(session, {type: 'status', status: 'engaged'});
        const early = session.early;
        session.early = [];
        for (const deferred of early) await this.apply(session, deferred);
        return 'applied';
      }
      case 'engagement.transfer': {
        const {engagement} = payload;
        if (!session.engagementId)
          return sameVisitor(engagement.visitor_id) ? this.defer(session, payload) : 'mismatch';
        if (engagement.id !== session.engagementId || !sameVisitor(engagement.visitor_id))
          return 'mismatch';
        if (isTerminal(session)) return 'ignored';
        const operatorId = await this.servingOperator(engagement);
        if (operatorId && operatorId === session.operator?.id) return 'duplicate';
        const name = await this.operatorName(operatorId);
        session.operator = {id: operatorId ?? null, name};
        this.append(session, {type: 'operator', operator: {name}, change: 'transferred'});
        return 'applied';
      }
      case 'engagement.end': {
        const {engagement} = payload;
        if (!sameVisitor(engagement.visitor_id)) return 'mismatch';
        if (!session.engagementId) return this.defer(session, payload);
        if (engagement.id !== session.engagementId) return 'mismatch';
        if (isTerminal(session)) return 'duplicate';
        this.finish(session, endedBy(engagement.end_reason));
        return 'applied';
      }
      case 'engagement.request.failure': {
        const ticket = payload.queue_ticket;
        if (!sameVisitor(ticket?.visitor_id)) return 'mismatch';
        if (session.ticketId && ticket?.id && ticket.id !== session.ticketId) return 'mismatch';
        if (session.status !== 'queued') return 'ignored';
        this.fail(session, failureReason(payload.reason));
        return 'applied';
      }
      case 'engagement.chat.message': {
        const {message} = payload;
        if (!session.engagementId) return this.defer(session, payload);
        if (message.engagement_id !== undefined && message.engagement_id !== session.engagementId)
          return 'mismatch';
        const key = messageKey(message, session.engagementId);
        if (session.seenMessageIds.has(key)) return 'duplicate';
        // Aimed at the operator: the visitor's own message coming back, already in the log. A
        // message that says neither target nor sender is the visitor's when it has their text.
        const audience = messageAudience(message);
        if (audience === 'operator') return 'ignored';
        if (audience === 'unknown' && sentByVisitor(session, message.content)) return 'ignored';
        if (isTerminal(session)) return 'ignored';
        session.seenMessageIds.add(key);
        session.operatorTyping = false;
        this.append(session, toMessageEvent(message, key, this.deps.now()));
        return 'applied';
      }
      case 'engagement.chat.message_status': {
        const engagementId = payload.message?.engagement_id;
        if (engagementId && session.engagementId && engagementId !== session.engagementId)
          return 'mismatch';
        return 'ignored';
      }
      case 'engagement.operator_typing': {
        const {engagement, typing} = payload;
        if (!session.engagementId) return 'ignored';
        if (engagement.id !== session.engagementId || !sameVisitor(engagement.visitor_id))
          return 'mismatch';
        if (session.status !== 'engaged' || session.operatorTyping === typing) return 'duplicate';
        session.operatorTyping = typing;
        this.append(session, {type: 'typing', typing});
        return 'applied';
      }
    }
  }

  private stopTyping(session: Session): void {
    if (session.typing.timer !== undefined) this.deps.timers.clearTimeout(session.typing.timer);
    session.typing.timer = undefined;
  }

  private flushTyping(session: Session): void {
    const state = session.typing;
    const {visitor, engagementId} = session;
    if (session.status !== 'engaged' || !visitor || !engagementId) return;
    if (state.wanted === state.sent || state.timer !== undefined) return;
    const wait = state.sentAt + this.deps.typingIntervalMs - this.deps.now();
    if (wait > 0) {
      state.timer = this.deps.timers.setTimeout(() => {
        state.timer = undefined;
        this.flushTyping(session);
      }, wait);
      return;
    }
    const typing = state.wanted;
    state.sent = typing;
    state.sentAt = this.deps.now();
    this.deps.glia.setTyping(visitor, engagementId, typing).catch((error: unknown) => {
      // Typing is a courtesy: a failure is logged, never shown.
      this.deps.logger.warn('typing update failed', {
        session: session.id,
        error: error instanceof GliaError ? error.toJSON() : String(error),
      });
    });
  }
}

/** Whether the visitor sent a message with this text in the session. */
function sentByVisitor(session: Session, text: string): boolean {
  for (const message of session.visitorMessages.values()) if (message.text === text) return true;
  return false;
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
