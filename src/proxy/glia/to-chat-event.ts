/**
 * @module Where Glia's words become ours: a Glia chat message becomes a `message` event, a failure
 * reason becomes a sentence the widget can show, an end reason says who ended. Pure functions; the
 * session state around them lives in handoff.ts. Glia's messages are read tolerantly: no `id`,
 * no `sender`, an unknown sender type or a timestamp in any of Glia's forms still make a message.
 */
import {hash} from 'node:crypto';
import type {ChatMessage as GliaChatMessage} from '../../wire/glia/index.js';
import {fileIdFromUrl, readAttachment} from '../../wire/glia/index.js';
import type {ChatEvent, Choice, EndedBy, MessageFile} from '../../wire/handoff/index.js';
import {LIMITS, cleanLine, cleanText} from '../../wire/handoff/index.js';

/** Shown when Glia does not tell us the operator's name (or the lookup fails). */
export const GENERIC_OPERATOR_NAME = 'Support agent';

/** The most of an agent's message the visitor is shown; the rest is cut with a note. */
export const AGENT_MESSAGE_LIMIT = LIMITS.messageLength;

/**
 * The last timestamp read and what it read as. A chat message's time is read three times on its
 * way in (its drift check, its event, its once keys), and `Date.parse` of Glia's forms is a
 * microsecond each; the answer depends on the text alone, so one remembered reading is exact.
 */
let lastText: string | undefined;
let lastMs = Number.NaN;
let lastIso: string | undefined;

/** Glia's time in any form it writes, as milliseconds since the epoch (NaN when unreadable). */
export function gliaMs(value: string): number {
  if (value !== lastText) {
    lastText = value;
    lastMs = Date.parse(value);
    lastIso = Number.isNaN(lastMs) ? undefined : new Date(lastMs).toISOString();
  }
  return lastMs;
}

/** Glia's time in any form it writes (`…Z`, `….150Z`, `….705086Z`, `…+0000`) as ISO, or undefined. */
export function gliaTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  gliaMs(value);
  return lastIso;
}

/**
 * Whom a Glia message is for: its `target`, else the side its sender is not on, else `unknown`.
 * The visitor's own messages come back aimed at the operator.
 */
export function messageAudience(message: GliaChatMessage): 'visitor' | 'operator' | 'unknown' {
  if (message.target === 'visitor' || message.target === 'operator') return message.target;
  const sender = message.sender?.type;
  if (sender === 'visitor') return 'operator';
  return sender === undefined ? 'unknown' : 'visitor';
}

/**
 * What a delivery of `message` is de-duplicated by: Glia's id, or, when Glia sent none, a key
 * derived from the engagement, the time and the content (a redelivery repeats all three).
 */
export function messageKey(message: GliaChatMessage, engagementId: string): string {
  if (message.id !== undefined) return message.id;
  const time = gliaTime(message.timestamp) ?? '';
  const digest = hash('sha256', `${engagementId}\n${time}\n${message.content}`, 'hex');
  return `glia-${digest.slice(0, 32)}`;
}

/**
 * An agent's `text` as the visitor sees it: without characters that reorder text (`cleanText`),
 * cut to `limit` characters (never inside a surrogate pair), with a note saying so.
 */
export function shortened(raw: string, limit = AGENT_MESSAGE_LIMIT): string {
  const text = cleanText(raw);
  if (text.length <= limit) return text;
  let cut = limit;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  const left = text.length - cut;
  return `${text.slice(0, cut)}… [message shortened: ${left} more characters not shown]`;
}

/** The `message` event for a message to the visitor, under `key` (see `messageKey`). */
export function toMessageEvent(message: GliaChatMessage, key: string, now: number): ChatEvent {
  return {
    type: 'message',
    message: {
      id: key,
      from: message.sender?.type === 'system' ? 'system' : 'operator',
      text: shortened(message.content),
      at: gliaTime(message.timestamp) ?? new Date(now).toISOString(),
    },
  };
}

const FAILURE_REASONS: Record<string, string> = {
  queue_closed:
    'The support team is not available right now (the queue is closed). Please try again during opening hours.',
  queue_full: 'All agents are busy and the queue is full. Please try again in a few minutes.',
  no_operators: 'No agent is available right now. Please try again later.',
  no_operators_available: 'No agent is available right now. Please try again later.',
  unstaffed: 'No agent is available right now. Please try again later.',
  operator_declined: 'No agent could take your request. Please try again later.',
  timeout: 'No agent answered in time. Please try again later.',
};

/** The failure reasons that have their own sentence; others get a general one. */
export const KNOWN_FAILURE_REASONS = Object.keys(FAILURE_REASONS);

/** A sentence for the widget from Glia's failure reason (unknown reasons get a general one). */
export function failureReason(reason: string | undefined): string {
  return (
    (reason && FAILURE_REASONS[reason]) ??
    'No agent could take the conversation. Please try again later.'
  );
}

/** End reasons whose meaning is known; any other (or none) reads as the agent's side ending. */
export const KNOWN_END_REASONS = [
  'visitor_left',
  'visitor_hung_up',
  'operator_left',
  'operator_hung_up',
  'transfer',
  'error',
];

/** Who ended an engagement, from the `end_reason` of `engagement.end`. */
export function endedBy(endReason: string | undefined): EndedBy {
  if (endReason === 'visitor_left' || endReason === 'visitor_hung_up') return 'visitor';
  if (endReason === 'error') return 'system';
  return 'operator';
}

/** An agent's file as the session keeps it: the browser's opaque id and where Glia holds it. */
export interface AgentFileRef {
  id: string;
  fileId: string;
  engagementId: string;
  name: string;
  contentType: string;
}

/** What an agent's message carries besides its text, as the browser sees it and the session keeps it. */
export interface AgentAttachment {
  files?: MessageFile[];
  refs: AgentFileRef[];
  choice?: Choice;
}

/**
 * The opaque id the browser fetches an agent's file by: derived from the session and Glia's file
 * id (so a webhook and the transcript give the same), telling nothing of either.
 */
export const agentFileId = (sessionId: string, fileId: string): string =>
  `f${hash('sha256', `${sessionId}\n${fileId}`, 'hex').slice(0, 32)}`;

/**
 * An agent's attachment (files, or a single-choice question) read loosely: a file is known by the
 * id at the end of its URL only (the URL itself is never fetched, nor shown); one without a
 * readable id, an option that is not text, an attachment of a kind we do not know are left out.
 */
export function agentAttachment(
  raw: unknown,
  sessionId: string,
  engagementId: string
): AgentAttachment {
  const attachment = readAttachment(raw);
  if (attachment?.type === 'files') {
    const files: MessageFile[] = [];
    const refs: AgentFileRef[] = [];
    for (const file of attachment.files.slice(0, LIMITS.filesPerMessage)) {
      const fileId = fileIdFromUrl(file.url);
      if (!fileId) continue;
      const id = agentFileId(sessionId, fileId);
      const name = cleanLine(file.name ?? '').slice(0, 255) || 'file';
      const contentType = (file.content_type ?? '').slice(0, 200) || 'application/octet-stream';
      const size = file.size;
      files.push({
        id,
        name,
        contentType,
        ...(typeof size === 'number' && Number.isInteger(size) && size >= 0 ? {size} : {}),
        ...(file.deleted === true ? {deleted: true} : {}),
      });
      refs.push({id, fileId, engagementId, name, contentType});
    }
    return files.length > 0 ? {files, refs} : {refs};
  }
  if (attachment?.type === 'single_choice') {
    const options = attachment.options
      .map((option) => ({text: cleanLine(option.text).slice(0, 200), value: option.value}))
      .filter((option) => option.text !== '' && option.value !== '' && option.value.length <= 200)
      .slice(0, 20);
    return options.length > 0 ? {refs: [], choice: {options}} : {refs: []};
  }
  return {refs: []};
}
