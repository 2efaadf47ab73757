/**
 * @module The proxy's session logic as a pure reducer, like the widget's session state:
 * `reduce(record, input) → {record, events, effects, outcome}`. Inputs are facts that happened
 * (Glia answered, a webhook arrived, the visitor sent a message); events go to the session's log;
 * effects are calls to Glia that the caller (`handoff.ts`) makes after the change is committed.
 * Nothing here reads a clock, the network or a store, so the same record gives the same answer on
 * any instance.
 */
import {hash} from 'node:crypto';
import type {ChatMessage as GliaChatMessage} from '../../wire/glia/index.js';
import {WebhookPayload} from '../../wire/glia/index.js';
import type {ChatMessage, EndedBy, FilePolicy} from '../../wire/handoff/index.js';
import type {AgentAttachment} from '../glia/to-chat-event.js';
import {
  GENERIC_OPERATOR_NAME,
  agentAttachment,
  endedBy,
  failureReason,
  gliaMs,
  gliaTime,
  messageAudience,
  messageKey,
  shortened,
  toMessageEvent,
} from '../glia/to-chat-event.js';
import type {NewEvent, SessionRecord, StoredUpload} from './session-record.js';
import {isTerminal, toUpload} from './session-record.js';

/** What became of a webhook delivery. `mismatch`: not this session's ticket or engagement. */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored' | 'deferred' | 'mismatch';

/** What became of any input: a webhook's outcome, or `taken`: the visitor's message id is another message's. */
export type Outcome = WebhookOutcome | 'taken';

/** A message Glia holds, as its transcript gives it; `id` may be missing. */
export interface GliaMessageFact {
  id?: string;
  from: ChatMessage['from'];
  text: string;
  /** Glia's time, in any of its forms. */
  at: string;
  /** The entry's attachment, read with `agentAttachment`. */
  attachment?: unknown;
}

export type SessionInput =
  | {type: 'created'}
  | {type: 'visitor-created'; visitor: {id: string; sealedToken: string}}
  | {type: 'visitor-token-renewed'; sealedToken: string}
  /** `ticketId` is missing when Glia's answer had none: the ticket then cannot be cancelled. */
  | {type: 'ticket-filed'; ticketId?: string; failed: boolean}
  | {
      type: 'webhook';
      payload: WebhookPayload;
      /** Who serves the engagement (the webhook's operator, or Glia's answer when it had none). */
      operator?: {id?: string; name: string};
      /** An agent message that names neither target nor sender has a text the visitor sent. */
      visitorSaid?: boolean;
      /** With `engagement.start`: what the visitor may upload (absent: file sending is off). */
      filePolicy?: FilePolicy;
      /** Now, ms: the time of a message Glia sent without one. */
      at: number;
    }
  | {
      type: 'visitor-message';
      message: ChatMessage;
      /** Who wrote the messages the session's log already holds under the message's id. */
      logged: ChatMessage['from'][];
      /** Who wrote the message Glia holds under the id, as its answer to the PUT says (once sent). */
      gliaSender?: string;
    }
  /**
   * The visitor's upload starts (its bytes go to Glia next). Kept unless the id is known already:
   * an `uploading` one older than `staleBefore` (ms) was left by an instance that died and is replaced.
   */
  | {type: 'upload-started'; upload: StoredUpload; staleBefore: number}
  /** Glia took the upload's bytes; `scanning`: its scan must report before it can be sent. */
  | {type: 'upload-stored'; id: string; at: number; size: number; fileId: string; scanning: boolean}
  /** The upload (started at `at`) did not reach Glia: forgotten, so a retry starts afresh. */
  | {type: 'upload-failed'; id: string; at: number}
  /** Glia's scan of file `fileId` reported. */
  | {type: 'file-scanned'; fileId: string; clean: boolean; engagementId?: string}
  | {type: 'transcript'; messages: GliaMessageFact[]}
  /** The visitor (or the system) left; Glia was told. `endOnStart`: the ticket could not be cancelled. */
  | {type: 'left'; by: Extract<EndedBy, 'visitor' | 'system'>; endOnStart: boolean};

/** A call to Glia the reducer asks for. */
export type SessionEffect = {type: 'end-engagement'; engagementId: string};

export interface Reduction {
  record: SessionRecord;
  events: NewEvent[];
  effects: SessionEffect[];
  outcome: Outcome;
}

/** Early deliveries kept per session while the engagement is not known yet. */
const MAX_EARLY = 50;
/** Uploads, agent files and questions a session remembers at most (the oldest go first). */
const MAX_UPLOADS = 100;
const MAX_AGENT_FILES = 500;
const MAX_QUESTIONS = 100;

/**
 * The keys under which a Glia message counts as already shown: its key (Glia's id, or the one
 * `messageKey` derives from engagement, time and content), and what it says in which second, so
 * that a transcript entry without an id matches the webhook that had one. The second is a digest:
 * a store keeps every key for the session's life, and a message's text in it was each message
 * kept twice.
 */
export function messageKeys(engagementId: string, key: string, message: GliaMessageFact): string[] {
  const ms = gliaMs(message.at);
  const second = Number.isNaN(ms) ? message.at : String(Math.floor(ms / 1000));
  const said = `${engagementId}\n${second}\n${message.from}\n${message.text}`;
  return [`id:${key}`, `said:${hash('sha256', said, 'base64url')}`];
}

/**
 * The record the reducer changes: a copy of the top level, and of the only parts it changes in
 * place (an upload's status, a question's answer). Everything else it replaces whole, so the rest
 * is shared with `record`, which stays as it was (the memory store keeps records frozen: a change
 * in place anywhere else would throw). An empty list is shared too: there is nothing in it to
 * change, and a chat message's reduction made two fresh empty arrays for nothing.
 */
function draftOf(record: SessionRecord): SessionRecord {
  const {uploads, questions} = record;
  return {
    ...record,
    uploads: uploads.length === 0 ? uploads : uploads.map((upload) => ({...upload})),
    questions: questions.length === 0 ? questions : questions.map((question) => ({...question})),
  };
}

/** Applies `input` to `record`. The input record is not changed. */
export function reduce(record: SessionRecord, input: SessionInput): Reduction {
  const draft: Reduction = {
    record: draftOf(record),
    events: [],
    effects: [],
    outcome: 'applied',
  };
  draft.outcome = step(draft, input);
  return draft;
}

function step(out: Reduction, input: SessionInput): Outcome {
  const r = out.record;
  switch (input.type) {
    case 'created':
      out.events.push({event: {type: 'status', status: 'queued'}});
      return 'applied';
    case 'visitor-created':
      r.visitor = input.visitor;
      return 'applied';
    case 'visitor-token-renewed':
      if (r.visitor) r.visitor = {...r.visitor, sealedToken: input.sealedToken};
      return 'applied';
    case 'ticket-filed':
      if (input.ticketId) r.ticketId = input.ticketId;
      // A closed queue fails the ticket at once; the webhook may or may not have said so already.
      if (input.failed && r.status === 'queued') fail(out, failureReason(undefined));
      return 'applied';
    case 'visitor-message': {
      // Ids are visible on the stream: an agent's id must not make the visitor's text look sent.
      if (
        input.logged.some((from) => from !== 'visitor') ||
        (input.gliaSender !== undefined && input.gliaSender !== 'visitor')
      )
        return 'taken';
      const {message} = input;
      for (const file of message.files ?? []) {
        const upload = r.uploads.find((u) => u.id === file.id);
        if (upload) upload.sent = true;
      }
      const question =
        message.answer && r.questions.find((q) => q.messageId === message.answer?.messageId);
      if (question && message.answer) question.answered = message.answer.value;
      out.events.push({
        event: {type: 'message', message},
        // An agent's message with the same id would be the same message.
        onceKeys: [`visitor:${message.id}`, `id:${message.id}`],
      });
      return 'applied';
    }
    case 'upload-started': {
      const known = r.uploads.find((u) => u.id === input.upload.id);
      if (known && (known.status !== 'uploading' || known.at >= input.staleBefore))
        return 'duplicate';
      r.uploads = [...r.uploads.filter((u) => u.id !== input.upload.id), input.upload].slice(
        -MAX_UPLOADS
      );
      return 'applied';
    }
    case 'upload-stored': {
      const upload = r.uploads.find((u) => u.id === input.id);
      if (!upload || upload.status !== 'uploading' || upload.at !== input.at) return 'ignored';
      upload.fileId = input.fileId;
      upload.size = input.size;
      upload.status = input.scanning ? 'scanning' : 'ready';
      const early = r.earlyScans.find((scan) => scan.fileId === input.fileId);
      if (early && input.scanning) upload.status = early.clean ? 'ready' : 'infected';
      r.earlyScans = r.earlyScans.filter((scan) => scan.fileId !== input.fileId);
      return 'applied';
    }
    case 'upload-failed': {
      const before = r.uploads.length;
      r.uploads = r.uploads.filter(
        (u) => !(u.id === input.id && u.status === 'uploading' && u.at === input.at)
      );
      return r.uploads.length === before ? 'ignored' : 'applied';
    }
    case 'file-scanned': {
      if (input.engagementId && r.engagementId && input.engagementId !== r.engagementId)
        return 'mismatch';
      const upload = r.uploads.find((u) => u.fileId === input.fileId);
      if (!upload) {
        // Glia's answer to the upload may not be recorded yet: keep the verdict for it.
        if (!r.earlyScans.some((scan) => scan.fileId === input.fileId))
          r.earlyScans = [...r.earlyScans, {fileId: input.fileId, clean: input.clean}].slice(
            -MAX_EARLY
          );
        return 'deferred';
      }
      if (upload.status !== 'scanning') return 'duplicate';
      upload.status = input.clean ? 'ready' : 'infected';
      const shown = toUpload(upload);
      if (shown) out.events.push({event: {type: 'upload', upload: shown}});
      return 'applied';
    }
    case 'transcript': {
      if (!r.engagementId || r.status !== 'engaged') return 'ignored';
      for (const message of input.messages) {
        if (message.from === 'visitor') continue;
        // Keyed as an id-less webhook of the same message would be.
        const key = messageKey(
          {id: message.id, content: message.text, timestamp: message.at} as GliaChatMessage,
          r.engagementId
        );
        const extra = keep(r, key, agentAttachment(message.attachment, r.id, r.engagementId));
        // Only an attachment we do not understand: nothing to show.
        if (message.text === '' && !extra.files && !extra.choice) continue;
        out.events.push({
          event: {
            type: 'message',
            message: {
              id: key,
              from: message.from,
              text: shortened(message.text),
              at: gliaTime(message.at) ?? message.at,
              ...extra,
            },
          },
          onceKeys: messageKeys(r.engagementId, key, {
            ...message,
            text: saidText(message.text, extra),
          }),
        });
      }
      if (out.events.length > 0) r.operatorTyping = false;
      return 'applied';
    }
    case 'left':
      if (isTerminal(r)) return 'duplicate';
      if (input.endOnStart) {
        r.endOnStart = true;
        // The engagement started meanwhile (seen by another delivery): end it now.
        if (r.engagementId)
          out.effects.push({type: 'end-engagement', engagementId: r.engagementId});
      }
      finish(out, input.by);
      return 'applied';
    case 'webhook':
      return applyWebhook(out, input);
  }
}

/**
 * Remembers an agent message's files (to serve them by their opaque ids) and question (to check
 * the answer); returns what the message shows of them.
 */
function keep(
  r: SessionRecord,
  messageId: string,
  attachment: AgentAttachment
): Pick<ChatMessage, 'files' | 'choice'> {
  for (const ref of attachment.refs) {
    if (!r.agentFiles.some((file) => file.id === ref.id))
      r.agentFiles = [...r.agentFiles, ref].slice(-MAX_AGENT_FILES);
  }
  if (attachment.choice && !r.questions.some((q) => q.messageId === messageId)) {
    r.questions = [...r.questions, {messageId, options: attachment.choice.options}].slice(
      -MAX_QUESTIONS
    );
  }
  return {
    ...(attachment.files ? {files: attachment.files} : {}),
    ...(attachment.choice ? {choice: attachment.choice} : {}),
  };
}

/** What a message says, for its de-duplication key: its files too, so two files-only messages differ. */
const saidText = (text: string, extra: Pick<ChatMessage, 'files'>): string =>
  extra.files ? `${text}\u0000${extra.files.map((file) => file.id).join(',')}` : text;

function fail(out: Reduction, reason: string): void {
  out.record.status = 'failed';
  out.record.reason = reason;
  out.events.push({event: {type: 'status', status: 'failed', reason}});
}

function finish(out: Reduction, by: EndedBy): void {
  out.record.status = 'ended';
  out.record.endedBy = by;
  out.record.operatorTyping = false;
  out.events.push({event: {type: 'ended', by}}, {event: {type: 'status', status: 'ended'}});
}

type WebhookInput = Extract<SessionInput, {type: 'webhook'}>;

/** Keeps a delivery about an engagement that has not started here yet (deliveries are unordered). */
function defer(out: Reduction, input: WebhookInput): WebhookOutcome {
  if (out.record.status !== 'queued') return 'ignored';
  if (out.record.early.length < MAX_EARLY) {
    const {payload, operator, visitorSaid} = input;
    out.record.early = [
      ...out.record.early,
      {
        payload,
        ...(operator === undefined ? {} : {operator}),
        ...(visitorSaid === undefined ? {} : {visitorSaid}),
      },
    ];
  }
  return 'deferred';
}

/**
 * A visitor id the delivery leaves out is not a mismatch: the URL and secret are the session's.
 * (At module level: a closure per delivery is named at run time by tsx, esbuild's keepNames.)
 */
function sameVisitor(visitorId: string | undefined, id: string | undefined): boolean {
  return id === undefined || id === visitorId;
}

function applyWebhook(out: Reduction, input: WebhookInput): WebhookOutcome {
  const r = out.record;
  const {payload} = input;
  const visitorId = r.visitor?.id;
  const name = input.operator?.name ?? GENERIC_OPERATOR_NAME;
  switch (payload.event_type) {
    case 'engagement.start': {
      const {engagement} = payload;
      if (!sameVisitor(visitorId, engagement.visitor_id)) return 'mismatch';
      if (engagement.queue_ticket_id && r.ticketId && engagement.queue_ticket_id !== r.ticketId)
        return 'mismatch';
      if (r.engagementId) return r.engagementId === engagement.id ? 'duplicate' : 'mismatch';
      r.engagementId = engagement.id;
      if (r.endOnStart || isTerminal(r)) {
        // The visitor left before anyone answered and the ticket could not be cancelled.
        out.effects.push({type: 'end-engagement', engagementId: engagement.id});
        return 'applied';
      }
      r.operator = {
        id: input.operator?.id ?? engagement.current_sub_engagement?.operator_id ?? null,
        name,
      };
      r.status = 'engaged';
      if (input.filePolicy) r.filePolicy = input.filePolicy;
      out.events.push(
        {event: {type: 'operator', operator: {name}, change: 'joined'}},
        {
          event: {
            type: 'status',
            status: 'engaged',
            ...(input.filePolicy ? {filePolicy: input.filePolicy} : {}),
          },
        }
      );
      const early = r.early;
      r.early = [];
      for (const deferred of early) {
        const parsed = WebhookPayload.safeParse(deferred.payload);
        if (!parsed.success) continue;
        applyWebhook(out, {
          type: 'webhook',
          payload: parsed.data,
          at: input.at,
          ...(deferred.operator ? {operator: deferred.operator} : {}),
          ...(deferred.visitorSaid === undefined ? {} : {visitorSaid: deferred.visitorSaid}),
        });
      }
      return 'applied';
    }
    case 'engagement.transfer': {
      const {engagement} = payload;
      if (!r.engagementId)
        return sameVisitor(visitorId, engagement.visitor_id) ? defer(out, input) : 'mismatch';
      if (engagement.id !== r.engagementId || !sameVisitor(visitorId, engagement.visitor_id))
        return 'mismatch';
      if (isTerminal(r)) return 'ignored';
      const operatorId = input.operator?.id ?? engagement.current_sub_engagement?.operator_id;
      if (operatorId && operatorId === r.operator?.id) return 'duplicate';
      r.operator = {id: operatorId ?? null, name};
      out.events.push({event: {type: 'operator', operator: {name}, change: 'transferred'}});
      return 'applied';
    }
    case 'engagement.end': {
      const {engagement} = payload;
      if (!sameVisitor(visitorId, engagement.visitor_id)) return 'mismatch';
      if (!r.engagementId) return defer(out, input);
      if (engagement.id !== r.engagementId) return 'mismatch';
      if (isTerminal(r)) return 'duplicate';
      finish(out, endedBy(engagement.end_reason));
      return 'applied';
    }
    case 'engagement.request.failure': {
      const ticket = payload.queue_ticket;
      if (!sameVisitor(visitorId, ticket?.visitor_id)) return 'mismatch';
      if (r.ticketId && ticket?.id && ticket.id !== r.ticketId) return 'mismatch';
      if (r.status !== 'queued') return 'ignored';
      fail(out, failureReason(payload.reason));
      return 'applied';
    }
    case 'engagement.chat.message': {
      const {message} = payload;
      if (!r.engagementId) return defer(out, input);
      if (message.engagement_id !== undefined && message.engagement_id !== r.engagementId)
        return 'mismatch';
      // Aimed at the operator: the visitor's own message coming back, already in the log. A
      // message that says neither target nor sender is the visitor's when it has their text.
      const audience = messageAudience(message);
      if (audience === 'operator') return 'ignored';
      if (audience === 'unknown' && input.visitorSaid) return 'ignored';
      if (isTerminal(r)) return 'ignored';
      const key = messageKey(message, r.engagementId);
      const event = toMessageEvent(message, key, input.at);
      if (event.type !== 'message') return 'ignored';
      const extra = keep(r, key, agentAttachment(message.attachment, r.id, r.engagementId));
      if (message.content === '' && !extra.files && !extra.choice) return 'ignored';
      Object.assign(event.message, extra);
      r.operatorTyping = false;
      out.events.push({
        event,
        onceKeys: messageKeys(r.engagementId, key, {
          from: event.message.from,
          text: saidText(message.content, extra),
          at: message.timestamp ?? event.message.at,
        }),
      });
      return 'applied';
    }
    case 'engagement.chat.message_status': {
      const engagementId = payload.message?.engagement_id;
      if (engagementId && r.engagementId && engagementId !== r.engagementId) return 'mismatch';
      return 'ignored';
    }
    case 'engagement.operator_typing': {
      const {engagement, typing} = payload;
      if (!r.engagementId) return 'ignored';
      if (engagement.id !== r.engagementId || !sameVisitor(visitorId, engagement.visitor_id))
        return 'mismatch';
      if (r.status !== 'engaged' || r.operatorTyping === typing) return 'duplicate';
      r.operatorTyping = typing;
      out.events.push({event: {type: 'typing', typing}});
      return 'applied';
    }
  }
}
