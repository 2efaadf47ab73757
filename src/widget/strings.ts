/**
 * @module The widget's words: one table per locale (English here, the others in ./locales/), the
 * same keys in each. A locale that lacks a string falls back to English, so a partial
 * translation never shows a blank.
 */

import {language} from './launcher-words.js';
import type {FileRefusal, FileStage} from './store/session-state.js';

/**
 * Every string the panel shows or announces (the launcher's own words are in ./launcher-words.ts,
 * which loads first). Functions take the values they interpolate.
 */
export interface Strings {
  title: string;
  close: string;
  describeLabel: string;
  describeHint: string;
  nameLabel: string;
  emailLabel: string;
  contextNote: (turns: number) => string;
  startChat: string;
  starting: string;
  waitingTitle: string;
  waitingBody: string;
  waited: (time: string) => string;
  /** The queue's usual wait, an estimate, in whole minutes (at least 1). */
  usualWait: (minutes: number) => string;
  yourQuestion: string;
  cancel: string;
  queued: string;
  connected: (name: string) => string;
  joined: (name: string) => string;
  transferred: (name: string) => string;
  typing: (name: string) => string;
  agent: string;
  you: string;
  system: string;
  transcript: string;
  messageLabel: string;
  send: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  endChat: string;
  endConfirm: string;
  endYes: string;
  endNo: string;
  endedBy: Record<'visitor' | 'operator' | 'system', string>;
  /** Ended before an agent joined: by the visitor (Cancel), or by the service. */
  cancelled: string;
  unanswered: string;
  /** What the ended views offer next. */
  endedNext: string;
  startAgain: string;
  download: string;
  offline: string;
  reconnecting: string;
  /** Online, but the chat service does not answer (restart, 503): messages wait. */
  serviceDown: string;
  errorTitle: string;
  failedTitle: string;
  /** No agent could take the chat (the proxy gave no reason). */
  failedBody: string;
  /** The proxy no longer knows the session (401/404). */
  lostTitle: string;
  lostBody: string;
  networkProblem: string;
  genericProblem: string;
  /** The proxy refused for now (429): too many tries in a short time. */
  tooManyTries: string;
  /** The chat service, or Glia behind it, is overloaded or down for a moment (503). */
  serviceBusy: string;
  rateLimited: (seconds: number) => string;
  tryAgain: string;
  editQuestion: string;
  dismiss: string;
  notConfigured: string;
  /** The composer's attach button and its file picker. */
  attach: string;
  /** The accessible name of an agent question's options. */
  chooseAnswer: string;
  /** An agent's file that Glia removed. */
  fileRemoved: string;
  openFull: (name: string) => string;
  /** An agent's file could not be fetched. */
  fileUnavailable: string;
  /** Where the visitor's file stands, shown under it and announced as it changes. */
  fileStage: Record<FileStage, string>;
  /** A file not taken; `limit` is a size such as "25 MB". */
  refused: Record<FileRefusal, (name: string, limit: string) => string>;
  cancelFile: (name: string) => string;
  removeFile: (name: string) => string;
  retryFile: (name: string) => string;
  remove: string;
  /** The bytes of a waiting file are gone from this browser (storage was cleared). */
  fileLost: string;
}

export const english: Strings = {
  title: 'Support chat',
  close: 'Close chat',
  describeLabel: 'How can we help?',
  describeHint: 'A few words are enough. The agent sees this before they answer.',
  nameLabel: 'Your name',
  emailLabel: 'Your email',
  contextNote: (n) =>
    `The agent will also see your conversation with the assistant (${n} ${n === 1 ? 'message' : 'messages'}).`,
  startChat: 'Start chat',
  starting: 'Connecting you…',
  waitingTitle: 'Waiting for an agent',
  waitingBody: 'You are in the queue. Keep this page open; an agent will join here.',
  waited: (t) => `Waited ${t}`,
  usualWait: (m) =>
    m === 1
      ? 'Usually answered within about a minute'
      : `Usually answered within about ${m} minutes`,
  yourQuestion: 'Your question',
  cancel: 'Cancel',
  queued: 'You are in the queue.',
  connected: (name) => `Chatting with ${name}`,
  joined: (name) => `${name} joined the chat`,
  transferred: (name) => `You were transferred to ${name}`,
  typing: (name) => `${name} is typing…`,
  agent: 'Agent',
  you: 'You',
  system: 'Notice',
  transcript: 'Conversation',
  messageLabel: 'Write a message',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent',
  retry: 'Retry',
  endChat: 'End chat',
  endConfirm: 'End this conversation?',
  endYes: 'End',
  endNo: 'Keep chatting',
  endedBy: {
    visitor: 'You ended the conversation.',
    operator: 'The agent ended the conversation.',
    system: 'The conversation has ended.',
  },
  cancelled: 'You cancelled the request before an agent joined.',
  unanswered: 'The request was closed before an agent could join.',
  endedNext: 'You can start a new chat whenever you need help.',
  startAgain: 'Start a new chat',
  download: 'Download transcript',
  offline: 'You are offline. Messages will be sent when you are back.',
  reconnecting: 'Reconnecting…',
  serviceDown:
    'The support service is not answering. Reconnecting… Your messages will be sent once it is back.',
  errorTitle: 'The chat stopped unexpectedly',
  failedTitle: 'We could not connect you',
  failedBody: 'No agent could take the chat just now. Please try again in a few minutes.',
  lostTitle: 'This chat is no longer available',
  lostBody:
    'The support service lost this conversation. Start a new chat; anything you had not sent is kept for it.',
  networkProblem: 'The support service cannot be reached. Check your connection and try again.',
  genericProblem: 'The support service had a problem.',
  tooManyTries: 'Too many tries in a short time.',
  serviceBusy: 'The support service is busy for a moment.',
  rateLimited: (s) => `You can try again in ${s} s.`,
  tryAgain: 'Try again',
  editQuestion: 'Edit your question',
  dismiss: 'Dismiss',
  notConfigured: 'Chat is not set up on this page (the proxy-url attribute is missing).',
  attach: 'Attach files',
  chooseAnswer: 'Choose an answer',
  fileRemoved: 'File removed',
  openFull: (name) => `Open ${name} full size`,
  fileUnavailable: 'The file could not be loaded.',
  fileStage: {
    waiting: 'Waiting to upload',
    uploading: 'Uploading…',
    scanning: 'Uploaded, checking…',
    ready: 'Checked',
    infected: 'A virus was found in it; it cannot be sent.',
    failed: 'Upload failed',
  },
  refused: {
    type: (name) => `${name} was not attached: files of this type cannot be sent here.`,
    size: (name, limit) => `${name} was not attached: it is larger than ${limit}.`,
    quota: (name, limit) =>
      `${name} was not attached: files waiting to be sent may take ${limit} in all. Wait for them to go, or remove some.`,
  },
  cancelFile: (name) => `Cancel ${name}`,
  removeFile: (name) => `Remove ${name}`,
  retryFile: (name) => `Retry ${name}`,
  remove: 'Remove',
  fileLost: 'A file waiting to be sent is no longer in this browser. Please attach it again.',
};

/** Other locales, each in its own chunk: a page loads only the table it uses. */
const loaders: Record<string, () => Promise<{default: Partial<Strings>}>> = {
  fi: () => import('./locales/fi.js'),
  ar: () => import('./locales/ar.js'),
};

/** Languages written right to left; the widget sets `dir="rtl"` for them. */
const rtl = new Set(['ar', 'fa', 'he', 'ur']);

/**
 * The strings for `locale` (a BCP 47 tag such as `fi` or `ar-EG`); English for the rest, and for
 * any string a table lacks.
 */
export async function loadStrings(locale: string): Promise<Strings> {
  const load = loaders[language(locale)];
  return load ? {...english, ...(await load()).default} : english;
}

/** The writing direction of `locale`. */
export function directionOf(locale: string): 'ltr' | 'rtl' {
  return rtl.has(language(locale)) ? 'rtl' : 'ltr';
}
