/**
 * @module Connects `<glia-handoff>` to its ChatSession: creates it when the element connects,
 * disposes it when it disconnects, re-renders on every change (from this tab or another), turns
 * changes into the element's events, and keeps the unread count and the draft.
 */
import type {ReactiveController, ReactiveControllerHost} from 'lit';
import type {
  ChatMessage,
  ChoiceOption,
  StartSessionRequest,
  TranscriptEntry,
} from '../../wire/handoff/index.js';
import {
  GliaErrorEvent,
  GliaMessageEvent,
  GliaOperatorChangeEvent,
  GliaStatusChangeEvent,
  GliaUnreadChangeEvent,
} from '../events.js';
import {
  chatOf,
  initialState,
  type FileRefusal,
  type SessionEvent,
  type SessionState,
} from '../store/session-state.js';
import {transcriptText} from '../transcript-text.js';
import type {Strings} from '../strings.js';
import {ChatSession} from '../transport/chat-session.js';
import {saveAs} from './file-controller.js';

/** What the page hands to the agent with the ticket (StartSessionRequest's extras). */
export interface HandoffContext {
  /** The self-service (bot) conversation so far. */
  transcript?: TranscriptEntry[];
  /** Page facts for the agent, stored as the visitor's custom attributes. */
  attributes?: Record<string, string>;
}

/** The element as this controller needs it. */
export interface SessionHost extends ReactiveControllerHost, HTMLElement {
  proxyUrl: string | null;
  queue: string | null;
  name: string;
  email: string;
  context: HandoffContext | null;
  isOpen: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class SessionController implements ReactiveController {
  /** Resolves when the stored conversation is loaded; the element renders nothing before. */
  ready: Promise<void> = Promise.resolve();
  /** Unsent text of the description field or the composer. */
  draft = '';
  /** Agent messages that arrived while the panel was closed. */
  unread = 0;

  readonly #host: SessionHost;
  #session: ChatSession | null = null;
  #connectedUrl: string | null = null;
  #savedOpen: boolean | null = null;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: SessionHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The conversation as it stands. */
  get state(): SessionState {
    return this.#session?.store.record.session ?? initialState;
  }

  /** False when the page gave no `proxy-url`: the widget can only say it is not set up. */
  get configured(): boolean {
    return this.#session !== null;
  }

  hostConnected(): void {
    this.#connect();
  }

  hostDisconnected(): void {
    this.#disconnect();
  }

  hostUpdate(): void {
    if (this.#host.proxyUrl !== this.#connectedUrl) {
      this.#disconnect();
      this.#connect();
    }
    // Before render, so opening the panel clears the badge in the same paint.
    const {isOpen} = this.#host;
    if (this.#savedOpen === null || this.#savedOpen === isOpen) {
      this.#savedOpen = isOpen;
      return;
    }
    this.#savedOpen = isOpen;
    this.#session?.saveView({open: isOpen});
    if (isOpen && this.unread > 0) this.#setUnread(0);
  }

  /** File the ticket with the page's details (the pre-chat form may have edited name/email). */
  start(description: string, details: {name?: string; email?: string} = {}): Promise<void> {
    const host = this.#host;
    const request: StartSessionRequest = {description: description.trim()};
    const name = (details.name ?? host.name).trim();
    const email = (details.email ?? host.email).trim();
    if (name) request.name = name;
    if (email) request.email = email;
    if (host.queue) request.queue = host.queue;
    if (host.context?.transcript?.length) request.transcript = host.context.transcript;
    if (host.context?.attributes && Object.keys(host.context.attributes).length) {
      request.attributes = host.context.attributes;
    }
    this.setDraft('');
    return this.#session?.start(request) ?? Promise.resolve();
  }

  async send(text: string): Promise<void> {
    clearTimeout(this.#typingTimer);
    this.setDraft('');
    await this.#session?.send(text);
  }

  /** Answer an agent's question with one of its options (once: a second click changes nothing). */
  async answer(question: ChatMessage, option: ChoiceOption): Promise<void> {
    await this.#session?.send(option.text, {messageId: question.id, value: option.value});
  }

  /**
   * Attach files with the composer's text; the files refused come back with the reason. The
   * text goes with the files, so the composer is emptied once some were taken.
   */
  async attach(files: File[]): Promise<Array<[File, FileRefusal]>> {
    const session = this.#session;
    if (!session || !files.length) return [];
    const text = this.draft.trim();
    const refused = await session.attach(files, text);
    if (refused.length < files.length && text) this.setDraft('');
    return refused;
  }

  /** Cancel an upload or remove a file from its message (its bytes go too). */
  removeFile(id: string): void {
    void this.#session?.removeFile(id);
  }

  /** How far this tab's upload of `id` has got (0…1), if it is sending it. */
  progress(id: string): number | undefined {
    return this.#session?.progress.get(id);
  }

  /** An agent's file as a Blob, fetched with the session's token. */
  fileBlob(fileId: string): Promise<Blob> {
    return this.#session?.fileBlob(fileId) ?? Promise.reject(new Error('not connected'));
  }

  end(): Promise<void> {
    return this.#session?.end() ?? Promise.resolve();
  }

  /** What the person did to the session (a retry, a reset, a dismissed alert). */
  apply(event: SessionEvent): void {
    void this.#session?.apply(event);
  }

  /** The visitor edited the draft: keep it, and tell the agent they are typing. */
  setDraft(text: string, typing = false): void {
    this.draft = text;
    this.#session?.saveView({draft: text});
    if (!typing) return;
    this.#session?.typing(text.length > 0);
    clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => this.#session?.typing(false), 5000);
  }

  /** Save the conversation as a text file. */
  download(strings: Strings, locale: string): void {
    const text = transcriptText(this.state, strings, locale);
    const url = URL.createObjectURL(new Blob([text], {type: 'text/plain;charset=utf-8'}));
    saveAs(url, `chat-${new Date().toISOString().slice(0, 10)}.txt`);
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  #connect(): void {
    const url = this.#host.proxyUrl;
    this.#connectedUrl = url;
    if (url === null) return;
    const session = new ChatSession({proxyUrl: url});
    session.onProgress = () => this.#host.requestUpdate();
    session.onReport = (problem) => this.#fire([new GliaErrorEvent(problem)]);
    this.#session = session;
    this.ready = session.ready.then(() => {
      if (this.#session !== session) return;
      const {rev, view} = session.store.record;
      if (rev > 0) {
        this.#host.isOpen = view.open;
        this.draft = view.draft;
        this.unread = view.open ? 0 : view.unread;
      }
      // The restored view is what the store knows: an open or close from here on is saved (the
      // person may have clicked the launcher while the panel was loading).
      this.#savedOpen = this.#host.isOpen;
      // The store drops its listeners when the session is disposed.
      session.store.subscribe((previous, next) =>
        this.#handleChange(previous.session, next.session)
      );
      this.#host.requestUpdate();
    });
  }

  #disconnect(): void {
    clearTimeout(this.#typingTimer);
    this.#session?.dispose();
    this.#session = null;
  }

  #setUnread(unread: number): void {
    this.unread = unread;
    this.#session?.saveView({unread});
    this.#host.requestUpdate();
    this.#fire([new GliaUnreadChangeEvent(unread)]);
  }

  #handleChange(previous: SessionState, next: SessionState): void {
    const events: Event[] = [];
    if (previous.status !== next.status) {
      events.push(new GliaStatusChangeEvent(next.status, previous.status));
    }
    const before = chatOf(previous);
    const after = chatOf(next);
    if (after) {
      const known = new Set(before?.id === after.id ? before.items.map((i) => i.id) : []);
      let fromAgent = 0;
      for (const item of after.items) {
        if (item.kind !== 'message' || known.has(item.id)) continue;
        const {id, from, text, at} = item;
        events.push(new GliaMessageEvent({id, from, text, at}));
        if (from === 'operator') fromAgent++;
      }
      if (after.operator && after.operator.name !== before?.operator?.name) {
        events.push(new GliaOperatorChangeEvent(after.operator));
      }
      if (after.alert && !same(after.alert, before?.alert)) {
        events.push(new GliaErrorEvent(after.alert));
      }
      if (fromAgent && !this.#host.isOpen) this.#setUnread(this.unread + fromAgent);
    }
    if (next.status === 'failed' && previous.status !== 'failed') {
      events.push(new GliaErrorEvent(next.problem));
    }
    this.#host.requestUpdate();
    this.#fire(events);
  }

  /** Dispatch after the render that shows the change, so listeners see what the person sees. */
  #fire(events: Event[]): void {
    if (!events.length) return;
    void this.#host.updateComplete.then(() => {
      for (const event of events) this.#host.dispatchEvent(event);
    });
  }
}
