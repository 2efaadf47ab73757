/**
 * @module How the control API shows the simulator: `GET /__sim/state` (docs/contract.md's shape plus a
 * few additive fields for the console) and `GET /__sim/config`. Never a secret: credentials without
 * their secret, webhooks without their headers.
 */
import type {ConfigRequest} from './control-schemas.js';
import {isoSeconds} from './glia-views.js';
import type {SimContext} from './sim-context.js';
import type {
  Engagement,
  Message,
  SimFile,
  SimulatorStore,
  StoredAttachment,
  Ticket,
} from './store.js';

/** `GET /__sim/state` (docs/contract.md), with a few additive fields for the console. */
export function stateView(store: SimulatorStore): Record<string, unknown> {
  return {
    sites: [...store.sites].map((id) => ({id})),
    queues: [...store.queues.values()].map((q) => ({
      id: q.id,
      site_id: q.siteId,
      name: q.name,
      open: q.open,
      average_wait_time: q.averageWaitSeconds,
    })),
    credentials: [...store.credentials.values()].map(credentialState),
    operators: [...store.operators.values()].map((o) => ({id: o.id, name: o.name})),
    visitors: [...store.visitors.values()].map((v) => ({
      id: v.id,
      name: v.name,
      generated_name: v.generatedName,
      email: v.email,
      note: v.note,
      custom_attributes: {...v.customAttributes},
    })),
    tickets: [...store.tickets.values()].map(ticketState),
    engagements: [...store.engagements.values()].map((e) => engagementState(store, e)),
  };
}

/** A credential without its secret. */
export function credentialState(credential: {
  apiKeyId: string;
  type: string;
  policies: Set<string>;
}) {
  return {
    api_key_id: credential.apiKeyId,
    type: credential.type,
    policies: [...credential.policies],
  };
}

/** A ticket; its webhooks without their headers. */
export function ticketState(ticket: Ticket) {
  return {
    id: ticket.id,
    visitor_id: ticket.visitorId,
    queue_id: ticket.queueIds[0] ?? null,
    queue_ids: [...ticket.queueIds],
    media: ticket.media,
    state: ticket.state,
    created_at: isoSeconds(ticket.createdAt),
    engagement_id: ticket.engagementId,
    failure_reason: ticket.failureReason,
    // Registered headers carry the integrator's secrets: only their names are shown.
    webhooks: ticket.webhooks.map((w) => ({
      url: w.url,
      method: w.method,
      events: [...w.events],
      header_names: Object.keys(w.headers ?? {}),
    })),
  };
}

/** An engagement with its operator, typing states and messages. */
export function engagementState(store: SimulatorStore, engagement: Engagement) {
  const operator = store.operators.get(engagement.operatorId);
  return {
    id: engagement.id,
    ticket_id: engagement.ticketId,
    visitor_id: engagement.visitorId,
    queue_id: engagement.queueId,
    operator: operator ? {id: operator.id, name: operator.name} : null,
    state: engagement.state,
    ended_by: engagement.endedBy,
    created_at: isoSeconds(engagement.createdAt),
    visitor_typing: engagement.visitorTyping,
    operator_typing: engagement.operatorTyping,
    file_sending: {
      allowed: engagement.fileSending.allowed,
      content_types: [...engagement.fileSending.contentTypes],
    },
    messages: engagement.messages.map(messageState),
    // Who held the engagement when: a transfer starts a leg (the console shows it as a line).
    legs: engagement.legs.map((leg) => ({
      operator: store.operators.get(leg.operatorId)?.name ?? null,
      accepted_at: new Date(leg.acceptedAt).toISOString(),
    })),
    files: [...store.files.values()].filter((f) => f.engagementId === engagement.id).map(fileState),
  };
}

/** A chat message as the console shows it. */
export function messageState(message: Message) {
  return {
    id: message.id,
    content: message.content,
    sender: message.sender.type,
    sender_name: message.sender.name,
    target: message.target,
    status: message.status,
    at: new Date(message.at).toISOString(),
    ...(message.attachment ? {attachment: attachmentState(message.attachment)} : {}),
  };
}

/** A message's attachment for the console: files with their scan state and a link to their bytes. */
export function attachmentState(attachment: StoredAttachment) {
  if (attachment.type !== 'files') return {...attachment};
  return {type: 'files', files: attachment.files.map(fileState)};
}

/** An uploaded file; its bytes are at `href` (`GET /__sim/files/:id`). */
export function fileState(file: SimFile) {
  return {
    id: file.id,
    name: file.name,
    content_type: file.contentType,
    size: file.bytes.byteLength,
    uploaded_by: file.uploadedBy,
    scan: file.scan,
    deleted: file.deleted,
    href: `/__sim/files/${file.id}`,
  };
}

/** `GET /__sim/config`. */
export function configState(sim: SimContext) {
  const {config} = sim;
  return {
    auto_operator: config.autoOperator
      ? {
          accept_after_ms: config.autoOperator.acceptAfterMs,
          reply_after_ms: config.autoOperator.replyAfterMs,
          operator_name: config.autoOperator.operatorName ?? null,
        }
      : false,
    token_ttl_seconds: config.tokenTtlSeconds,
    visitor_token_ttl_seconds: config.visitorTokenTtlSeconds,
    message_status_delay_ms: config.messageStatusDelayMs,
    file_scan: {delay_ms: config.fileScan.delayMs, result: config.fileScan.result},
    file_scan_event: config.fileScanEvent,
    file_sending: {
      allowed: config.fileSending.allowed,
      content_types: [...config.fileSending.contentTypes],
    },
    webhook_timeout_ms: config.webhookTimeoutMs,
    webhook_retry: {
      attempts: config.webhookRetry.attempts,
      base_delay_ms: config.webhookRetry.baseDelayMs,
    },
    shapes: config.shapes,
  };
}

/** Applies a validated `POST /__sim/config` body to the live configuration. */
export function applyConfig(sim: SimContext, body: ConfigRequest): void {
  const {config} = sim;
  if (body.auto_operator !== undefined) {
    const auto = body.auto_operator;
    config.autoOperator = auto
      ? {
          acceptAfterMs: auto.accept_after_ms,
          replyAfterMs: auto.reply_after_ms,
          ...(auto.operator_name === undefined ? {} : {operatorName: auto.operator_name}),
        }
      : false;
  }
  if (body.token_ttl_seconds !== undefined) config.tokenTtlSeconds = body.token_ttl_seconds;
  if (body.visitor_token_ttl_seconds !== undefined)
    config.visitorTokenTtlSeconds = body.visitor_token_ttl_seconds;
  if (body.message_status_delay_ms !== undefined)
    config.messageStatusDelayMs = body.message_status_delay_ms;
  if (body.webhook_timeout_ms !== undefined) config.webhookTimeoutMs = body.webhook_timeout_ms;
  if (body.shapes !== undefined) config.shapes = body.shapes;
  if (body.file_scan !== undefined)
    config.fileScan = {delayMs: body.file_scan.delay_ms, result: body.file_scan.result};
  if (body.file_scan_event !== undefined) config.fileScanEvent = body.file_scan_event;
  if (body.file_sending !== undefined)
    config.fileSending = {
      allowed: body.file_sending.allowed,
      contentTypes: [...body.file_sending.content_types],
    };
  if (body.webhook_retry !== undefined)
    config.webhookRetry = {
      attempts: body.webhook_retry.attempts,
      baseDelayMs: body.webhook_retry.base_delay_ms,
    };
}
