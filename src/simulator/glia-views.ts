/**
 * @module The simulator's objects as Glia shows them: REST response bodies and the pieces of
 * webhook payloads (docs/glia.md, "Visitors" to "Webhooks"). One place, so a response and a webhook never disagree.
 */
import type {ChatMessage} from '../wire/glia/index.js';
import type {
  Engagement,
  Message,
  Queue,
  SimFile,
  SimulatorStore,
  StoredAttachment,
  Ticket,
  Visitor,
} from './store.js';

/** Glia's timestamp format: ISO-8601 to the second (docs/glia.md, "Conventions"). */
export const isoSeconds = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function visitorView(visitor: Visitor): Record<string, unknown> {
  return {
    href: `/sites/${visitor.siteId}/visitors/${visitor.id}`,
    id: visitor.id,
    name: visitor.name,
    email: visitor.email,
    phone: visitor.phone,
    note: visitor.note,
    custom_attributes: {...visitor.customAttributes},
    banned: false,
    authenticated_attributes: {},
    generated_name: visitor.generatedName,
  };
}

export function queueView(queue: Queue): Record<string, unknown> {
  return {
    id: queue.id,
    site_id: queue.siteId,
    name: queue.name,
    // The media the queue is set up for; whether anyone serves them now is `status`.
    state: {status: queue.open ? 'opened' : 'closed', medias: ['text', 'phone']},
  };
}

/** [SIM-CHOICE] the ticket body is undocumented (docs/glia.md, "Queues and queue tickets"). */
export function ticketView(ticket: Ticket): Record<string, unknown> {
  return {
    id: ticket.id,
    site_id: ticket.siteId,
    visitor_id: ticket.visitorId,
    queue_ids: [...ticket.queueIds],
    media: ticket.media,
    source: ticket.source,
    state: ticket.state,
    created_at: isoSeconds(ticket.createdAt),
  };
}

export function messageView(message: Message): ChatMessage {
  return {
    id: message.id,
    engagement_id: message.engagementId,
    sub_engagement_id: message.subEngagementId,
    content: message.content,
    target: message.target,
    type: message.type,
    status: message.status,
    sender: {...message.sender},
    timestamp: isoSeconds(message.at),
    ...(message.attachment ? {attachment: attachmentView(message.attachment)} : {}),
  };
}

/**
 * A message's attachment as Glia shows it (docs/glia.md, "Chat messages"): files as `{url, name, content_type,
 * deleted}`. [SIM-CHOICE] the URL is a path on the simulator (Glia's are absolute on its API host).
 */
export function attachmentView(attachment: StoredAttachment): Record<string, unknown> {
  if (attachment.type !== 'files') return {...attachment};
  return {
    type: 'files',
    files: attachment.files.map((file) => ({
      url: fileUrl(file),
      name: file.name,
      content_type: file.contentType,
      deleted: file.deleted,
    })),
  };
}

/** Where a file is fetched (`GET /engagements/{id}/files/{file_id}`, docs/glia.md, "Files and choices"). */
export const fileUrl = (file: SimFile): string =>
  `/engagements/${file.engagementId}/files/${file.id}`;

/** The current leg of an engagement: who is serving the visitor now. */
export function currentLeg(engagement: Engagement): Engagement['legs'][number] {
  const leg = engagement.legs.at(-1);
  if (!leg) throw new Error(`engagement ${engagement.id} has no leg`);
  return leg;
}

/** The `engagement` object of start and transfer webhooks. */
export function engagementRef(engagement: Engagement) {
  return {
    id: engagement.id,
    source: 'visitor_integrator',
    visitor_id: engagement.visitorId,
    queue_ticket_id: engagement.ticketId,
    current_sub_engagement: {
      id: currentLeg(engagement).id,
      operator_id: engagement.operatorId,
      site_id: engagement.siteId,
    },
  };
}

/**
 * `GET /engagements/{id}` (docs/glia.md, "Engagements"): every field the document lists. A text chat from the
 * REST API has no browser, device, media beyond text or recordings: those are null or false, as
 * Glia returns blanks (docs/glia.md, "Conventions"), not left out.
 */
export function engagementView(
  store: SimulatorStore,
  engagement: Engagement
): Record<string, unknown> {
  const visitor = store.visitors.get(engagement.visitorId);
  const queue = store.queues.get(engagement.queueId);
  const ticket = store.tickets.get(engagement.ticketId);
  const end = engagement.endedAt;
  const queues = queue ? [{id: queue.id, name: queue.name}] : [];
  return {
    id: engagement.id,
    engagement_type: 'reactive',
    created_at: isoSeconds(engagement.createdAt),
    ended_at: end === null ? null : isoSeconds(end),
    duration: end === null ? null : Math.round((end - engagement.createdAt) / 1000),
    visitor_id: engagement.visitorId,
    visitor_name: visitor?.name ?? visitor?.generatedName ?? null,
    visitor_browser: null,
    visitor_device_type: null,
    cobrowsing_used: false,
    video_used: false,
    audio_used: false,
    flagged: false,
    source: 'visitor_integrator',
    platform: 'omnicore',
    queue_wait_time: ticket ? Math.round((engagement.createdAt - ticket.createdAt) / 1000) : null,
    audio_recording_urls: [],
    crm_forwarded: false,
    summary_forwarded: false,
    // [SIM-CHOICE] the JS SDK's allowFileSending / allowedFileContentTypes, in snake_case.
    allow_file_sending: engagement.fileSending.allowed,
    allowed_file_content_types: [...engagement.fileSending.contentTypes],
    visitor: {href: `/sites/${engagement.siteId}/visitors/${engagement.visitorId}`},
    chat_transcript: {href: `/engagements/${engagement.id}/chat_transcript`},
    operators: [...new Set(engagement.legs.map((l) => l.operatorId))].map((id) => ({
      href: `/operators/${id}`,
    })),
    queues,
    legs: engagement.legs.map((leg, index) => ({
      id: leg.id,
      operator: {id: leg.operatorId},
      site: {id: engagement.siteId},
      requested_at: isoSeconds(index === 0 && ticket ? ticket.createdAt : leg.acceptedAt),
      accepted_at: isoSeconds(leg.acceptedAt),
      request_type: index === 0 ? 'reactive' : 'transfer',
      request_source: 'visitor_integrator',
      offered_media_type: 'text',
      accepted_media_type: 'text',
      request_queues: index === 0 ? queues : [],
      duration: leg.endedAt === null ? null : Math.round((leg.endedAt - leg.acceptedAt) / 1000),
      highest_visitor_media_type: 'text',
      highest_operator_media_type: 'text',
      used_cobrowsing: false,
      ended_at: leg.endedAt === null ? null : isoSeconds(leg.endedAt),
      end_reason: leg.endReason,
    })),
  };
}

/** `GET /engagements/{id}/chat_transcript` (docs/glia.md, "Engagements"). */
export function transcriptView(engagement: Engagement): Record<string, unknown>[] {
  return engagement.messages.map((m) => ({
    id: m.id,
    message: m.content,
    created_at: isoSeconds(m.at),
    type: m.type,
    sender: {type: m.sender.type, name: m.sender.name},
    ...(m.attachment ? {attachment: attachmentView(m.attachment)} : {}),
  }));
}
