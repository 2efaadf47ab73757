/**
 * @module The widget's words: one table per locale, each in ./locales/ and in its own chunk, with
 * the same keys in each (the `Strings` type makes sure no table lacks one, so a page never shows
 * a blank).
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
  /** A start its tab left mid-request (a reload): try again, it is filed once. */
  interruptedProblem: string;
  genericProblem: string;
  /** The proxy refused for now (429): too many tries in a short time. */
  tooManyTries: string;
  /** The chat service, or Glia behind it, is overloaded or down for a moment (503). */
  serviceBusy: string;
  rateLimited: (seconds: number) => string;
  tryAgain: string;
  editQuestion: string;
  dismiss: string;
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

/**
 * Every locale, English too, in its own chunk: a page loads only the table it uses. Each table
 * is a whole `Strings` (the compiler refuses one that lacks a string), so a page in Finnish or
 * Arabic loads no English. A translation still in progress can fill its gaps itself, by
 * spreading ./locales/en.ts into its table.
 */
const loaders: Record<string, () => Promise<{default: Strings}>> = {
  en: () => import('./locales/en.js'),
  fi: () => import('./locales/fi.js'),
  ar: () => import('./locales/ar.js'),
};

/** Languages written right to left; the widget sets `dir="rtl"` for them. */
const rtl = new Set(['ar', 'fa', 'he', 'ur']);

/**
 * The strings for `locale` (a BCP 47 tag such as `fi` or `ar-EG`); English for the rest. The
 * element calls this as it imports the panel, so the table and the panel load side by side; the
 * panel's own call then finds the module already loading.
 */
export async function loadStrings(locale: string): Promise<Strings> {
  const load = loaders[language(locale)] ?? loaders.en!;
  return (await load()).default;
}

/** The writing direction of `locale`. */
export function directionOf(locale: string): 'ltr' | 'rtl' {
  return rtl.has(language(locale)) ? 'rtl' : 'ltr';
}
