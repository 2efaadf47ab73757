/**
 * @module What happens in the world: a ticket is filed, accepted, rejected, cancelled; messages
 * are sent; someone types; an engagement is transferred or ended. The Glia routes, the control API,
 * the console and the auto-operator all act through here, so every path fires the same webhooks
 * and tells the console the same way.
 */
import type {ChatMessage, WebhookPayload} from '../wire/glia/index.js';
import type {ResolvedDeps, SimulatorConfig} from './deps.js';
import {currentLeg, endedRef, engagementRef, messageView} from './glia-views.js';
import type {Scheduler} from './scheduler.js';
import type {
  Engagement,
  Message,
  SimFile,
  SimulatorStore,
  StoredAttachment,
  Ticket,
} from './store.js';
import type {WebhookDispatcher} from './webhooks.js';

/** An action's outcome: the value, or why it could not happen. */
export type ActionResult<T> =
  {ok: true; value: T} | {ok: false; error: 'not_found' | 'conflict'; message: string};

/** Called after a visitor message is stored (the auto-operator answers it). */
export type VisitorMessageListener = (engagement: Engagement, message: Message) => void;

/** Called after a ticket starts waiting on an open queue (the auto-operator accepts it). */
export type TicketListener = (ticket: Ticket) => void;

/** The simulator's verbs. */
export class EngagementActions {
  readonly visitorMessageListeners = new Set<VisitorMessageListener>();
  readonly ticketListeners = new Set<TicketListener>();
  private readonly store: SimulatorStore;
  private readonly deps: ResolvedDeps;
  private readonly config: SimulatorConfig;
  private readonly scheduler: Scheduler;
  private readonly webhooks: WebhookDispatcher;

  constructor(parts: {
    store: SimulatorStore;
    deps: ResolvedDeps;
    config: SimulatorConfig;
    scheduler: Scheduler;
    webhooks: WebhookDispatcher;
  }) {
    this.store = parts.store;
    this.deps = parts.deps;
    this.config = parts.config;
    this.scheduler = parts.scheduler;
    this.webhooks = parts.webhooks;
  }

  /** A new ticket: waits on an open queue, fails at once on a closed one. */
  ticketFiled(ticket: Ticket): void {
    this.store.notify({type: 'ticket.created', ticket_id: ticket.id, visitor_id: ticket.visitorId});
    const open = ticket.queueIds.some((id) => this.store.queues.get(id)?.open);
    if (!open) {
      this.failTicket(ticket, 'queue_closed');
      return;
    }
    for (const listener of this.ticketListeners) listener(ticket);
  }

  /** An operator accepts a waiting ticket: the engagement starts. */
  accept(ticketId: string, operatorName?: string): ActionResult<Engagement> {
    const ticket = this.store.tickets.get(ticketId);
    if (!ticket) return {ok: false, error: 'not_found', message: 'Queue ticket not found'};
    if (ticket.state !== 'queued')
      return {ok: false, error: 'conflict', message: `The ticket is ${ticket.state}, not waiting`};
    const operator = this.store.operatorNamed(
      operatorName ?? firstOperatorName(this.store),
      this.deps.randomUUID
    );
    const now = this.deps.now();
    const engagement: Engagement = {
      id: this.deps.randomUUID(),
      ticketId: ticket.id,
      visitorId: ticket.visitorId,
      siteId: ticket.siteId,
      queueId:
        ticket.queueIds.find((id) => this.store.queues.get(id)?.open) ?? ticket.queueIds[0] ?? '',
      operatorId: operator.id,
      state: 'active',
      legs: [
        {
          id: this.deps.randomUUID(),
          operatorId: operator.id,
          acceptedAt: now,
          endedAt: null,
          endReason: null,
        },
      ],
      messages: [],
      createdAt: now,
      endedAt: null,
      endedBy: null,
      visitorTyping: false,
      operatorTyping: false,
      fileSending: structuredClone(this.config.fileSending),
    };
    this.store.engagements.set(engagement.id, engagement);
    ticket.state = 'accepted';
    ticket.engagementId = engagement.id;
    this.fire(ticket, {
      event_type: 'engagement.start',
      engagement: engagementRef(engagement, this.config.shapes),
    });
    this.store.notify({
      type: 'engagement.started',
      ticket_id: ticket.id,
      engagement_id: engagement.id,
    });
    return {ok: true, value: engagement};
  }

  /** An operator (or the queue) turns a waiting ticket down. */
  reject(ticketId: string, reason = 'operator_declined'): ActionResult<Ticket> {
    const ticket = this.store.tickets.get(ticketId);
    if (!ticket) return {ok: false, error: 'not_found', message: 'Queue ticket not found'};
    if (ticket.state !== 'queued')
      return {ok: false, error: 'conflict', message: `The ticket is ${ticket.state}, not waiting`};
    this.failTicket(ticket, reason);
    return {ok: true, value: ticket};
  }

  /** The visitor withdraws a waiting ticket. No webhook: the visitor knows. */
  cancel(ticket: Ticket): void {
    ticket.state = 'cancelled';
    this.store.notify({type: 'ticket.cancelled', ticket_id: ticket.id});
  }

  /** A visitor message, stored once per id; fires the operator-bound echo and, later, its status. */
  visitorMessage(
    engagement: Engagement,
    id: string,
    content: string,
    attachment?: StoredAttachment
  ): Message {
    const visitor = this.store.visitors.get(engagement.visitorId);
    const message = this.addMessage(
      engagement,
      id,
      content,
      {type: 'visitor', name: visitor?.name ?? visitor?.generatedName ?? null},
      attachment
    );
    engagement.visitorTyping = false;
    const ticket = this.store.tickets.get(engagement.ticketId);
    if (ticket) {
      this.fire(ticket, {
        event_type: 'engagement.chat.message',
        message: this.webhookMessage(message),
      });
      this.scheduler.schedule(() => {
        message.status = 'delivered';
        this.fire(ticket, {
          event_type: 'engagement.chat.message_status',
          message: {id: message.id, status: 'delivered', engagement_id: engagement.id},
        });
      }, this.config.messageStatusDelayMs);
    }
    for (const listener of this.visitorMessageListeners) listener(engagement, message);
    return message;
  }

  /** An operator message to the visitor. */
  operatorMessage(
    engagementId: string,
    content: string,
    id?: string,
    attachment?: StoredAttachment
  ): ActionResult<Message> {
    const found = this.activeEngagement(engagementId);
    if (!found.ok) return found;
    const engagement = found.value;
    // A message ends the operator's typing; say so first, so a receiver never shows a stale "typing".
    if (engagement.operatorTyping) this.operatorTyping(engagement.id, false);
    const operator = this.store.operators.get(engagement.operatorId);
    const message = this.addMessage(
      engagement,
      id ?? this.deps.randomUUID(),
      content,
      {type: 'operator', name: operator?.name ?? null},
      attachment
    );
    engagement.operatorTyping = false;
    const ticket = this.store.tickets.get(engagement.ticketId);
    if (ticket)
      this.fire(ticket, {
        event_type: 'engagement.chat.message',
        message: this.webhookMessage(message),
      });
    return {ok: true, value: message};
  }

  /** The visitor's typing state (shown in the console). */
  visitorTyping(engagement: Engagement, typing: boolean): void {
    if (engagement.visitorTyping === typing) return;
    engagement.visitorTyping = typing;
    this.store.notify({type: 'engagement.visitor_typing', engagement_id: engagement.id});
  }

  /** The operator's typing state: fires `engagement.operator_typing` ([SIM-CHOICE]). */
  operatorTyping(engagementId: string, typing: boolean): ActionResult<Engagement> {
    const found = this.activeEngagement(engagementId);
    if (!found.ok) return found;
    const engagement = found.value;
    engagement.operatorTyping = typing;
    const ticket = this.store.tickets.get(engagement.ticketId);
    if (ticket)
      this.fire(ticket, {
        event_type: 'engagement.operator_typing',
        engagement: {id: engagement.id, visitor_id: engagement.visitorId},
        typing,
      });
    this.store.notify({type: 'engagement.operator_typing', engagement_id: engagement.id});
    return {ok: true, value: engagement};
  }

  /** Another operator takes over: a new leg, `engagement.transfer`. */
  transfer(engagementId: string, operatorName: string): ActionResult<Engagement> {
    const found = this.activeEngagement(engagementId);
    if (!found.ok) return found;
    const engagement = found.value;
    const operator = this.store.operatorNamed(operatorName, this.deps.randomUUID);
    if (operator.id === engagement.operatorId)
      return {
        ok: false,
        error: 'conflict',
        message: `${operator.name} is already serving this engagement`,
      };
    const now = this.deps.now();
    const leg = currentLeg(engagement);
    leg.endedAt = now;
    leg.endReason = 'transfer';
    engagement.legs.push({
      id: this.deps.randomUUID(),
      operatorId: operator.id,
      acceptedAt: now,
      endedAt: null,
      endReason: null,
    });
    engagement.operatorId = operator.id;
    engagement.operatorTyping = false;
    const ticket = this.store.tickets.get(engagement.ticketId);
    if (ticket)
      this.fire(ticket, {
        event_type: 'engagement.transfer',
        engagement: engagementRef(engagement, this.config.shapes),
      });
    this.store.notify({type: 'engagement.transferred', engagement_id: engagement.id});
    return {ok: true, value: engagement};
  }

  /**
   * Ends an engagement, by the visitor, the operator, or the system (the visitor's side ending it
   * with `reason: "error"`): `engagement.end`.
   */
  end(engagementId: string, by: 'visitor' | 'operator' | 'system'): ActionResult<Engagement> {
    const found = this.activeEngagement(engagementId);
    if (!found.ok) return found;
    const engagement = found.value;
    const now = this.deps.now();
    const endReason =
      by === 'system' ? 'error' : by === 'visitor' ? 'visitor_left' : 'operator_left';
    engagement.state = 'ended';
    engagement.endedAt = now;
    engagement.endedBy = by;
    engagement.visitorTyping = false;
    engagement.operatorTyping = false;
    const leg = currentLeg(engagement);
    leg.endedAt = now;
    leg.endReason = endReason;
    const ticket = this.store.tickets.get(engagement.ticketId);
    if (ticket)
      this.fire(ticket, {
        event_type: 'engagement.end',
        engagement: endedRef(engagement, endReason, this.config.shapes),
      });
    this.store.notify({type: 'engagement.ended', engagement_id: engagement.id});
    return {ok: true, value: engagement};
  }

  private failTicket(ticket: Ticket, reason: string): void {
    ticket.state = 'failed';
    ticket.failureReason = reason;
    // No source shows this payload; integrators confirm nothing of it beyond the event.
    this.fire(
      ticket,
      this.config.shapes === 'sparse'
        ? {event_type: 'engagement.request.failure'}
        : {
            event_type: 'engagement.request.failure',
            queue_ticket: {id: ticket.id, visitor_id: ticket.visitorId},
            reason,
          }
    );
    this.store.notify({type: 'ticket.failed', ticket_id: ticket.id});
  }

  private activeEngagement(engagementId: string): ActionResult<Engagement> {
    const engagement = this.store.engagements.get(engagementId);
    if (!engagement) return {ok: false, error: 'not_found', message: 'Engagement not found'};
    if (engagement.state === 'ended')
      return {ok: false, error: 'conflict', message: 'The engagement has already ended'};
    return {ok: true, value: engagement};
  }

  private addMessage(
    engagement: Engagement,
    id: string,
    content: string,
    sender: Message['sender'],
    attachment?: StoredAttachment
  ): Message {
    const message: Message = {
      id,
      engagementId: engagement.id,
      subEngagementId: currentLeg(engagement).id,
      content,
      target: sender.type === 'visitor' ? 'operator' : 'visitor',
      type: 'chat',
      status: 'sent',
      sender,
      at: this.deps.now(),
      ...(attachment ? {attachment} : {}),
      position: engagement.messages.length,
    };
    engagement.messages.push(message);
    this.store.messages.set(id, message);
    this.store.notify({type: 'engagement.message', engagement_id: engagement.id});
    return message;
  }

  /** A message as `engagement.chat.message` carries it, in the configured shapes. */
  private webhookMessage(message: Message): ChatMessage {
    return messageView(message, this.config.shapes) as ChatMessage;
  }

  /** An upload's scan is over: the file can be sent if clean; the ticket's webhook says so. */
  fileScanned(file: SimFile, result: 'clean' | 'infected'): void {
    file.scan = result;
    const engagement = this.store.engagements.get(file.engagementId);
    const ticket = engagement && this.store.tickets.get(engagement.ticketId);
    if (ticket)
      this.webhooks.emit(ticket, {
        event_type: this.config.fileScanEvent,
        file: {id: file.id, engagement_id: file.engagementId, security_scan_result: result},
      });
    this.store.notify({type: 'engagement.file', engagement_id: file.engagementId});
  }

  private fire(ticket: Ticket, payload: WebhookPayload): void {
    this.webhooks.emit(ticket, payload);
  }
}

function firstOperatorName(store: SimulatorStore): string {
  return store.operators.values().next().value?.name ?? 'Operator';
}
