/**
 * @module The simulator's objects as Glia shows them: REST response bodies and the pieces of
 * webhook payloads (docs/glia.md, "Visitors" to "Webhooks"). One place, so a response and a webhook never disagree, and one place that
 * knows the two shapes (see `Shapes` in deps.ts): `recorded` follows Glia's recorded and
 * documented answers (absolute hrefs, timestamps in every form seen), `sparse` sends only what
 * integrators confirm.
 */
import type {Context} from 'hono';
import type {ChatMessage, WebhookPayload} from '../wire/glia/index.js';
import type {Shapes, SimulatorConfig} from './deps.js';
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

/** How an answer is drawn: its shapes, and the base URL its hrefs start with. */
export interface View {
  shapes: Shapes;
  /** The origin the request came to, e.g. `http://127.0.0.1:8081`. */
  base: string;
}

/** The view of an answer to request `c`. */
export const viewOf = (sim: {config: SimulatorConfig}, c: Context): View => ({
  shapes: sim.config.shapes,
  base: new URL(c.req.url).origin,
});

/** ISO-8601 to the second, `2019-08-21T18:28:55Z` (the control API's form too). */
export const isoSeconds = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The four timestamp forms seen in Glia's answers: `…55Z`, `…55.150Z`, `…55.705086Z` (the
 * recorded queues) and `…55+0000`.
 */
export const TIME_FORMS = ['seconds', 'millis', 'micros', 'offset'] as const;
export type TimeForm = (typeof TIME_FORMS)[number];

export function gliaTimestamp(ms: number, form: TimeForm): string {
  const iso = new Date(ms).toISOString();
  if (form === 'millis') return iso;
  if (form === 'micros') return iso.replace(/Z$/, '000Z');
  const seconds = iso.replace(/\.\d{3}Z$/, '');
  return form === 'offset' ? `${seconds}+0000` : `${seconds}Z`;
}

export function visitorView(visitor: Visitor, view: View): Record<string, unknown> {
  if (view.shapes === 'sparse') return {id: visitor.id};
  return {
    href: `${view.base}/sites/${visitor.siteId}/visitors/${visitor.id}`,
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

/** When the seeded queues were set up, as their recorded `created_at` shows it. */
const QUEUES_CREATED_AT = Date.UTC(2026, 0, 5, 9, 0, 0, 123);

/** `GET /queues/{id}`: as recorded (status, media under `available_properties`, average wait). */
export function queueView(queue: Queue, view: View): Record<string, unknown> {
  const createdAt = QUEUES_CREATED_AT;
  const status = queue.open ? 'opened' : 'closed';
  if (view.shapes === 'sparse') return {id: queue.id, name: queue.name, status};
  const media = ['text', 'phone'];
  return {
    available_properties: {media},
    average_wait_time: queue.averageWaitSeconds,
    capacity: 10,
    capacity_policy: {capacity: 10, type: 'fixed'},
    created_at: gliaTimestamp(createdAt, 'micros'),
    description: null,
    fallback_queue_id: null,
    id: queue.id,
    name: queue.name,
    operator_ranking_enabled: false,
    routing_policy: {media, team_ids: null},
    scheduling_policy_id: null,
    self_status: status,
    site_id: queue.siteId,
    status,
    updated_at: gliaTimestamp(createdAt, 'micros'),
    visitors_count: 0,
    welcome_message: `Welcome to ${queue.name}!`,
    when_unstaffed: 'reject',
  };
}

/** No source documents the ticket body: the simulator's choice when recorded, `{id}` when sparse. */
export function ticketView(ticket: Ticket, view: View): Record<string, unknown> {
  if (view.shapes === 'sparse') return {id: ticket.id};
  return {
    id: ticket.id,
    site_id: ticket.siteId,
    visitor_id: ticket.visitorId,
    queue_ids: [...ticket.queueIds],
    media: ticket.media,
    source: ticket.source,
    state: ticket.state,
    created_at: gliaTimestamp(ticket.createdAt, 'seconds'),
  };
}

/**
 * A chat message, as a PUT answers it and `engagement.chat.message` carries it. Recorded: the
 * documented object, its timestamp in the next of the four forms (by its place in the
 * engagement). Sparse: `{content, engagement_id, target, timestamp, type}` in a webhook, `{id}` as
 * a PUT's answer.
 */
export function messageView(
  message: Message,
  shapes: Shapes,
  use: 'webhook' | 'answer' = 'webhook'
): ChatMessage | {id: string} {
  const attachment = message.attachment ? {attachment: attachmentView(message.attachment)} : {};
  if (shapes === 'sparse') {
    if (use === 'answer') return {id: message.id};
    return {
      content: message.content,
      engagement_id: message.engagementId,
      target: message.target,
      timestamp: isoSeconds(message.at),
      type: message.type,
      ...attachment,
    };
  }
  return {
    timestamp: gliaTimestamp(message.at, TIME_FORMS[message.position % TIME_FORMS.length]!),
    id: message.id,
    engagement_id: message.engagementId,
    sub_engagement_id: message.subEngagementId,
    content: message.content,
    target: message.target,
    type: message.type,
    status: message.status,
    sender: {type: message.sender.type},
    ...attachment,
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

type EngagementPayload = Extract<
  WebhookPayload,
  {event_type: 'engagement.start' | 'engagement.transfer'}
>['engagement'];

/** The `engagement` object of start and transfer webhooks. */
export function engagementRef(engagement: Engagement, shapes: Shapes): EngagementPayload {
  const confirmed = {
    id: engagement.id,
    source: 'visitor_integrator',
    visitor_id: engagement.visitorId,
  };
  if (shapes === 'sparse') return confirmed;
  return {
    ...confirmed,
    queue_ticket_id: engagement.ticketId,
    current_sub_engagement: {
      id: currentLeg(engagement).id,
      operator_id: engagement.operatorId,
      site_id: engagement.siteId,
    },
  };
}

/** The `engagement` object of `engagement.end`. */
export function endedRef(engagement: Engagement, endReason: string, shapes: Shapes) {
  if (shapes === 'sparse') return {id: engagement.id};
  return {id: engagement.id, visitor_id: engagement.visitorId, end_reason: endReason};
}

/** The operators of an engagement, each once, the one serving now last. */
function operatorIds(engagement: Engagement): string[] {
  const ids = engagement.legs.map((leg) => leg.operatorId);
  return ids.filter((id, index) => ids.lastIndexOf(id) === index);
}

/**
 * `GET /engagements/{id}`: every documented field when recorded (blanks as null or false, hrefs
 * absolute, times with milliseconds). Sparse: no `source` and no legs, operators by href only.
 */
export function engagementView(
  store: SimulatorStore,
  engagement: Engagement,
  view: View
): Record<string, unknown> {
  const at = (ms: number) => gliaTimestamp(ms, 'millis');
  const operators = operatorIds(engagement).map((id) => ({href: `${view.base}/operators/${id}`}));
  if (view.shapes === 'sparse') {
    return {
      id: engagement.id,
      visitor_id: engagement.visitorId,
      created_at: at(engagement.createdAt),
      operators,
    };
  }
  const visitor = store.visitors.get(engagement.visitorId);
  const queue = store.queues.get(engagement.queueId);
  const ticket = store.tickets.get(engagement.ticketId);
  const end = engagement.endedAt;
  const queues = queue ? [{id: queue.id, name: queue.name}] : [];
  return {
    id: engagement.id,
    engagement_type: 'reactive',
    created_at: at(engagement.createdAt),
    ended_at: end === null ? null : at(end),
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
    visitor: {href: `${view.base}/sites/${engagement.siteId}/visitors/${engagement.visitorId}`},
    chat_transcript: {href: `${view.base}/engagements/${engagement.id}/chat_transcript`},
    operators,
    queues,
    legs: engagement.legs.map((leg, index) => ({
      id: leg.id,
      operator: {id: leg.operatorId},
      site: {id: engagement.siteId},
      requested_at: at(index === 0 && ticket ? ticket.createdAt : leg.acceptedAt),
      accepted_at: at(leg.acceptedAt),
      request_type: index === 0 ? 'reactive' : 'transfer',
      request_source: 'visitor_integrator',
      offered_media_type: 'text',
      accepted_media_type: 'text',
      request_queues: index === 0 ? queues : [],
      duration: leg.endedAt === null ? null : Math.round((leg.endedAt - leg.acceptedAt) / 1000),
      highest_visitor_media_type: 'text',
      highest_operator_media_type: 'text',
      used_cobrowsing: false,
      ended_at: leg.endedAt === null ? null : at(leg.endedAt),
      end_reason: leg.endReason,
    })),
  };
}

/**
 * `GET /engagements/{id}/chat_transcript`, as documented: entries without `id`, `type: "user"`,
 * the sender with its href and name. Sparse: message, time and the sender's type.
 */
export function transcriptView(engagement: Engagement, view: View): Record<string, unknown>[] {
  return engagement.messages.map((m) => {
    const created_at = gliaTimestamp(m.at, 'millis');
    const attachment = m.attachment ? attachmentView(m.attachment) : null;
    if (view.shapes === 'sparse')
      return {
        message: m.content,
        created_at,
        sender: {type: m.sender.type},
        ...(attachment ? {attachment} : {}),
      };
    const href =
      m.sender.type === 'visitor'
        ? `${view.base}/visitors/${engagement.visitorId}`
        : `${view.base}/operators/${engagement.operatorId}`;
    return {
      message: m.content,
      created_at,
      type: 'user',
      sender: {href, name: m.sender.name, type: m.sender.type},
      attachment,
    };
  });
}

/** `GET /operators/{id}`: the operator as Glia's operator listings show one. */
export function operatorView(operator: {id: string; name: string}, view: View) {
  if (view.shapes === 'sparse') return {id: operator.id, name: operator.name};
  return {
    href: `${view.base}/operators/${operator.id}`,
    id: operator.id,
    name: operator.name,
    email: null,
    role: 'operator',
    available: true,
    enabled: true,
    available_media_types: ['chat'],
    picture: {url: null},
    engagements: [],
    engagement_requests: [],
  };
}
