/**
 * @module The panel, loaded by `<glia-handoff>` on first open, on hover or focus of the
 * launcher, or at once when a conversation is open: the views, the session's controllers, the
 * transport, the state machine, the wire schemas and the locales all come with it, as one chunk.
 */
import {html, nothing, svg} from 'lit';
// First in the chunk: gzip finds more of the class names again (measured 87 B less than last).
export {styles} from './glia-handoff.styles.js';
import {repeat} from 'lit/directives/repeat.js';
import type {ChatMessage, MessageFile} from '../wire/handoff/index.js';
import {DESCRIPTION_LENGTH, MESSAGE_LENGTH, NAME_LENGTH} from '../wire/handoff/limits.js';
import {ClockController} from './controllers/clock-controller.js';
import {FileController} from './controllers/file-controller.js';
import {LocaleController} from './controllers/locale-controller.js';
import {SessionController} from './controllers/session-controller.js';
import {GliaOpenChangeEvent} from './events.js';
import type {GliaHandoffElement} from './glia-handoff.js';
import {showStates} from './custom-states.js';
import {icon} from './launcher.js';
import {linkify} from './linkify.js';
import {
  IMAGE_TYPES,
  PENDING_FILE_BYTES,
  answerTo,
  chatOf,
  endedUnanswered,
  isLost,
  outboxFiles,
  unsentTexts,
  type Chat,
  type FileStage,
  type OutboxFile,
  type OutboxItem,
  type Problem,
  type SessionState,
  type Status,
  type TranscriptItem,
} from './store/session-state.js';
import {directionOf, type Strings} from './strings.js';
import {speakers} from './transcript-text.js';

const icons = {
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`),
  send: icon(svg`<path class="flip" d="M4 12l16-8-6 16-2.5-6.5z"/>`),
  alert: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/>`),
  clock: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`),
  download: icon(svg`<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>`),
  attach: icon(
    svg`<path d="M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7.1"/>`
  ),
};

/** A size in the locale's words, in units of 1024 as file managers count: "820 kB", "2.4 MB". */
function sizeText(bytes: number, locale: string): string {
  const mb = bytes >= 1024 * 1024;
  const value = mb ? bytes / (1024 * 1024) : Math.max(1, Math.ceil(bytes / 1024));
  return new Intl.NumberFormat(locale || undefined, {
    style: 'unit',
    unit: mb ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: mb && value < 10 ? 1 : 0,
  }).format(value);
}

/** File stages worth announcing as they are reached. */
const NEWS: FileStage[] = ['scanning', 'ready', 'infected', 'failed'];

/**
 * The time waited, as calm as the wait is long: `m:ss` for the first ten minutes, then whole
 * minutes and hours in the locale's words ("20 min", "2 hr 5 min"), with no seconds ticking.
 */
/** For the page's author, who reads English, in every locale. */
const NOT_CONFIGURED = 'Chat is not set up on this page (the proxy-url attribute is missing).';

/** Proxy error codes the widget words itself, whatever the proxy said. */
const OWN_WORDS: Record<string, 'tooManyTries' | 'serviceBusy'> = {
  'rate-limited': 'tooManyTries',
  'glia-rate-limited': 'serviceBusy',
  'glia-unavailable': 'serviceBusy',
  'store-unavailable': 'serviceBusy',
  'start-in-progress': 'serviceBusy',
};

/**
 * A sentence about someone (`format(name)`, from the strings) with the name in a `<bdi>`: a name
 * in another script, or with characters that reorder text, cannot turn the sentence around it.
 */
function withName(format: (name: string) => string, name: string) {
  const parts = format('\u0000').split('\u0000');
  if (parts.length !== 2) return format(name);
  return html`${parts[0]}<bdi>${name}</bdi>${parts[1]}`;
}

function waitedText(ms: number, locale: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 600) return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  const unit = (value: number, name: 'hour' | 'minute') =>
    new Intl.NumberFormat(locale || undefined, {style: 'unit', unit: name}).format(value);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  if (!hours) return unit(minutes, 'minute');
  return minutes ? `${unit(hours, 'hour')} ${unit(minutes, 'minute')}` : unit(hours, 'hour');
}

/**
 * The panel of `<glia-handoff>` and everything behind it: the pre-chat form, the queue, the chat
 * and the end, the session (its controllers), focus and the custom states. Loaded on demand by
 * the element (./glia-handoff.ts), which stays the one custom element: the panel renders into the
 * element's shadow root and keeps its reactive properties there; it reads them from the host.
 */
export class GliaHandoffPanel {
  readonly #host: GliaHandoffElement;
  #confirmingEnd = false;

  readonly #session: SessionController;
  readonly #files: FileController;
  /** The stage each own file had at the last render, to announce what changed. */
  readonly #fileStages = new Map<string, FileStage>();
  /** What the polite region says about files (uploaded, checked, failed). */
  #fileNews = '';
  readonly #clock: ClockController;
  readonly #i18n: LocaleController;
  readonly #internals: ElementInternals;

  constructor(host: GliaHandoffElement, internals: ElementInternals) {
    this.#host = host;
    this.#internals = internals;
    this.#session = new SessionController(host);
    this.#files = new FileController(host, (id) => this.#session.fileBlob(id));
    this.#clock = new ClockController(host, () => this.#needsClock());
    this.#i18n = new LocaleController(host);
  }

  /** The element's shadow root, where the panel renders. */
  get #root(): ShadowRoot {
    return this.#host.renderRoot as ShadowRoot;
  }

  /** Open or close the "End this conversation?" question (re-renders the host when it changes). */
  #setConfirming(open: boolean): void {
    if (open === this.#confirmingEnd) return;
    this.#confirmingEnd = open;
    this.#host.requestUpdate();
  }
  /** Set by a person's open/close, so focus follows only their actions. */
  #focusPending = false;
  /** The status the last render showed. */
  #shownStatus: Status | undefined;
  /** Where focus goes after the next render (the end confirmation opened or closed). */
  #focusNext: string | null = null;

  /** The session's status: `idle`, `starting`, `queued`, `engaged`, `ended` or `failed`. */
  get status(): Status {
    return this.#session.state.status;
  }

  /**
   * Ask for an agent with `description` (the element's `start()`). Resolves when the proxy
   * answered.
   */
  async start(description: string): Promise<void> {
    await this.#session.ready;
    await this.#session.start(description);
  }

  /** Cancel the wait or end the chat. Resolves when the proxy confirmed. */
  async end(): Promise<void> {
    await this.#session.ready;
    await this.#session.end();
  }

  /**
   * Resolves when the stored conversation (and the locale's words) are loaded: the element
   * renders the panel only then, so a reload paints the conversation at once.
   */
  get ready(): Promise<unknown> {
    return Promise.all([this.#session.ready, this.#i18n.ready]);
  }

  /** Agent messages that arrived while the panel was closed (the launcher's badge). */
  get unread(): number {
    return this.#session.unread;
  }

  /** Before each render of the host. */
  willUpdate(): void {
    const {state} = this.#session;
    const active = new Set<string>([state.status]);
    const link = chatOf(state)?.link;
    if (link === 'offline') active.add('offline');
    if (link === 'down') active.add('reconnecting');
    showStates(this.#internals, active);
    if (state.status !== 'engaged') this.#setConfirming(false);
    this.#gatherFileNews(chatOf(state));
  }

  /** Say what happened to the visitor's files since the last render (the polite region). */
  #gatherFileNews(chat: Chat | null): void {
    const s = this.#strings;
    const news: string[] = [];
    const seen = new Set<string>();
    for (const file of chat ? outboxFiles(chat) : []) {
      seen.add(file.id);
      const before = this.#fileStages.get(file.id);
      if (before && before !== file.stage && NEWS.includes(file.stage))
        news.push(`${file.name}: ${s.fileStage[file.stage]}`);
      this.#fileStages.set(file.id, file.stage);
    }
    for (const id of this.#fileStages.keys()) if (!seen.has(id)) this.#fileStages.delete(id);
    if (news.length) this.#fileNews = news.join(' ');
  }

  /** After each render of the host: scroll, focus. */
  updated(): void {
    const log = this.#root.querySelector('.log');
    if (log) log.scrollTop = log.scrollHeight;
    if (this.#focusNext) {
      this.#root.querySelector<HTMLElement>(this.#focusNext)?.focus();
      this.#focusNext = null;
    }
    const {status} = this.#session.state;
    const viewChanged = this.#shownStatus !== undefined && this.#shownStatus !== status;
    // A panel restored open over the whole screen (a phone) is all there is to see: focus it.
    if (this.#shownStatus === undefined && this.#host.isOpen && this.#coversScreen()) {
      this.#focusPending = true;
    }
    this.#shownStatus = status;
    // Focus follows the person's open/close, and a change of view that took the focused
    // control away (pre-chat → queue → chat); a reload restoring an open panel takes none.
    const lost = document.activeElement === document.body || document.activeElement === null;
    const inside = this.#root.activeElement !== null;
    if (!this.#focusPending && !(this.#host.isOpen && viewChanged && (lost || inside))) return;
    this.#focusPending = false;
    const target = this.#host.isOpen
      ? (this.#root.querySelector<HTMLElement>('[data-focus]:not(:disabled)') ??
        this.#root.querySelector<HTMLElement>('.close'))
      : this.#root.querySelector<HTMLElement>('.launcher');
    target?.focus();
  }

  #needsClock(): boolean {
    const {state} = this.#session;
    if (!this.#host.isOpen) return false;
    if (state.status === 'queued') return true;
    return state.status === 'failed' && (state.problem.retryAt ?? 0) > Date.now();
  }

  /** Open or close the panel as the person did: focus follows, `glia-open-change` fires. */
  setOpen(open: boolean): void {
    if (open === this.#host.isOpen) return;
    this.#host.isOpen = open;
    this.#focusPending = true;
    const event = new GliaOpenChangeEvent(open);
    void this.#host.updateComplete.then(() => this.#host.dispatchEvent(event));
  }

  get #strings(): Strings {
    return this.#i18n.strings;
  }

  /** Keys anywhere in the widget (the host's root listens): Escape closes, Tab stays inside. */
  readonly handleKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Tab') this.#keepFocusInside(event);
    if (event.key !== 'Escape' || !this.#host.isOpen) return;
    event.stopPropagation();
    if (this.#confirmingEnd) this.#confirmEnd(false);
    else this.setOpen(false);
  };

  /**
   * Where the panel covers the whole screen (phones), Tab goes round inside it, as in a dialog:
   * the page underneath cannot be seen, so focus must not wander off into it.
   */
  #keepFocusInside(event: KeyboardEvent): void {
    const panel = this.#root.querySelector<HTMLElement>('.panel');
    if (!panel || !this.#coversScreen()) return;
    const controls = [
      ...panel.querySelectorAll<HTMLElement>('a[href], button, input, textarea, [tabindex="0"]'),
    ].filter((el) => !el.matches(':disabled') && el.getClientRects().length > 0);
    const [first, last] = [controls[0], controls.at(-1)];
    const active = this.#root.activeElement;
    if (event.shiftKey ? active !== first : active !== last) return;
    event.preventDefault();
    (event.shiftKey ? last : first)?.focus();
  }

  /** Whether the open panel covers the whole viewport (phones under 480px). */
  #coversScreen(): boolean {
    const box = this.#root.querySelector('.panel')?.getBoundingClientRect();
    return (
      !!box && box.left <= 0 && box.top <= 0 && box.right >= innerWidth && box.bottom >= innerHeight
    );
  }

  /** Open or close the "End this conversation?" question; focus goes into it and back. */
  #confirmEnd(open: boolean): void {
    this.#setConfirming(open);
    this.#focusNext = open ? '.confirm [data-focus]' : '.end-chat';
  }

  readonly #handleStart = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const description = String(form.get('description') ?? '').trim();
    if (!description) return;
    void this.#session.start(description, {
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
    });
  };

  readonly #handleSend = (event: Event): void => {
    event.preventDefault();
    const input = this.#root.querySelector<HTMLTextAreaElement>('.composer textarea');
    const text = input?.value.trim();
    if (!input || !text) return;
    input.value = '';
    void this.#session.send(text);
  };

  readonly #handleComposerKey = (event: KeyboardEvent): void => {
    // Enter sends, Shift+Enter breaks the line; never while an IME is composing a character.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) this.#handleSend(event);
  };

  /** Whether the person may attach files now: engaged, with the conversation's file policy. */
  get #canAttach(): boolean {
    const {state} = this.#session;
    return state.status === 'engaged' && !!state.chat.filePolicy;
  }

  /** Attach what was picked, dropped or pasted; say plainly which files were refused and why. */
  async #attach(files: File[]): Promise<void> {
    if (!this.#canAttach || !files.length) return;
    const input = this.#root.querySelector<HTMLTextAreaElement>('.composer textarea');
    const refused = await this.#session.attach(files);
    if (input && refused.length < files.length) input.value = this.#session.draft;
    if (!refused.length) return;
    const s = this.#strings;
    const max = chatOf(this.#session.state)?.filePolicy?.maxBytes ?? 0;
    const message = refused
      .map(([file, why]) =>
        s.refused[why](
          file.name,
          sizeText(why === 'quota' ? PENDING_FILE_BYTES : max, this.#host.locale)
        )
      )
      .join(' ');
    this.#session.apply({type: 'alert-raised', problem: {code: 'file-refused', message}});
  }

  readonly #handlePick = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    void this.#attach(files);
  };

  readonly #handlePaste = (event: ClipboardEvent): void => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length || !this.#canAttach) return;
    event.preventDefault();
    void this.#attach(files);
  };

  /** Files dragged over the panel: taken when they may be sent, else refused (never opened). */
  readonly #handleDragOver = (event: DragEvent): void => {
    const transfer = event.dataTransfer;
    if (!transfer?.types.includes('Files')) return;
    event.preventDefault();
    transfer.dropEffect = this.#canAttach ? 'copy' : 'none';
  };

  readonly #handleDrop = (event: DragEvent): void => {
    const files = [...(event.dataTransfer?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    void this.#attach(files);
  };

  readonly #handleDraft = (event: InputEvent): void => {
    const field = event.target as HTMLTextAreaElement;
    this.#session.setDraft(field.value, field.name === 'message');
  };

  #handleRestart(draft = ''): void {
    this.#session.setDraft(draft);
    this.#session.apply({type: 'reset'});
  }

  /**
   * A new chat after a lost or failed one: what never reached an agent (the question of a chat
   * nobody answered, unsent messages, the composer's draft) becomes its description.
   */
  #restartLost(chat: Chat | null): void {
    const question = chat && !chat.operator ? [chat.description] : [];
    const unsent = [...question, ...(chat ? unsentTexts(chat) : []), this.#session.draft];
    this.#handleRestart(unsent.filter((text) => text.trim()).join('\n'));
  }

  /** The open panel (the host renders it before the launcher), or nothing. */
  render() {
    const s = this.#strings;
    const dir =
      this.#host.direction || (this.#host.locale ? directionOf(this.#host.locale) : undefined);
    // The panel sits in the page's direction (its corner follows the host); only its content
    // takes the locale's direction.
    return this.#host.isOpen ? this.#renderPanel(s, dir) : nothing;
  }

  #renderPanel(s: Strings, dir: string | undefined) {
    const {state} = this.#session;
    const chat = chatOf(state);
    const alert = state.status === 'failed' ? state.problem : chat?.alert;
    return html`<section
      id="panel"
      class="panel"
      part="panel"
      role="dialog"
      aria-labelledby="title"
      @dragover=${this.#handleDragOver}
      @drop=${this.#handleDrop}
    >
      <div class="content" dir=${dir ?? nothing}>
        <div class="header" part="header">
          <div class="heading">
            <h2 id="title">${s.title}</h2>
            <p class="subtitle">${this.#subtitle(state, s)}</p>
          </div>
          ${
            state.status === 'engaged' && !this.#confirmingEnd
              ? html`<button class="text-button end-chat" @click=${() => this.#confirmEnd(true)}>
                  ${s.endChat}
                </button>`
              : nothing
          }
          <button
            class="icon-button close"
            part="close-button"
            aria-label=${s.close}
            @click=${() => this.setOpen(false)}
          >
            ${icons.close}
          </button>
        </div>
        ${
          this.#confirmingEnd
            ? html`<div class="confirm" role="group" aria-labelledby="confirm-end">
                <p id="confirm-end">${s.endConfirm}</p>
                <button class="primary" @click=${() => this.#session.end()}>${s.endYes}</button>
                <button class="secondary" data-focus @click=${() => this.#confirmEnd(false)}>
                  ${s.endNo}
                </button>
              </div>`
            : nothing
        }
        <div class="sr-only" role="alert">${alert ? this.#problemText(alert, s) : ''}</div>
        <div class="sr-only news" aria-live="polite">${this.#fileNews}</div>
        ${chat?.alert && state.status !== 'failed' ? this.#renderBanner(chat.alert, s) : nothing}
        <div class="body">${this.#renderBody(state, s)}</div>
      </div>
    </section>`;
  }

  /** Who the person is talking to; the other states say what they are in the panel itself. */
  #subtitle(state: SessionState, s: Strings) {
    return state.status === 'engaged' && state.chat.operator
      ? withName(s.connected, state.chat.operator.name)
      : '';
  }

  /**
   * The proxy speaks English. In another language, the refusals a person can only wait out are
   * said in the widget's own words (and the proxy's English hint left out); the proxy's words are
   * kept for the rest, which name what to change.
   */
  #ownWords(problem: Problem): 'tooManyTries' | 'serviceBusy' | undefined {
    return this.#host.locale && !/^en\b/i.test(this.#host.locale)
      ? OWN_WORDS[problem.code]
      : undefined;
  }

  #problemText(problem: Problem, s: Strings): string {
    const own = this.#ownWords(problem);
    if (own) return s[own];
    if (problem.message) return problem.message;
    if (problem.code === 'network') return s.networkProblem;
    if (problem.code === 'start-interrupted') return s.interruptedProblem;
    if (problem.code === 'session-failed') return s.failedBody;
    if (problem.code === 'session-lost') return s.lostBody;
    if (problem.code === 'file-lost') return s.fileLost;
    return s.genericProblem;
  }

  #renderBanner(problem: Problem, s: Strings) {
    return html`<div class="banner">
      ${icons.alert}
      <p>
        ${this.#problemText(problem, s)}
        ${problem.hint && !this.#ownWords(problem) ? html`<span class="hint">${problem.hint}</span>` : nothing}
      </p>
      <button
        class="icon-button"
        aria-label=${s.dismiss}
        @click=${() => this.#session.apply({type: 'alert-dismissed'})}
      >
        ${icons.close}
      </button>
    </div>`;
  }

  #renderBody(state: SessionState, s: Strings) {
    if (!this.#session.configured) {
      return html`<div class="scroll"><p class="note">${NOT_CONFIGURED}</p></div>`;
    }
    switch (state.status) {
      case 'idle':
      case 'starting':
        return this.#renderPrechat(state, s);
      case 'queued':
        return this.#renderQueue(state.chat, s);
      case 'engaged':
        return html`${this.#renderLog(state.chat, s)} ${this.#renderStatus(state.chat, s)}
        ${this.#renderComposer(s)}`;
      case 'ended':
        return endedUnanswered(state)
          ? html`<div class="scroll">${this.#renderEnded(state, s)}</div>`
          : this.#renderLog(state.chat, s, this.#renderEnded(state, s));
      case 'failed':
        return state.chat?.items.length
          ? this.#renderLog(state.chat, s, this.#renderFailed(state, s))
          : html`<div class="scroll">${this.#renderFailed(state, s)}</div>`;
    }
  }

  #renderPrechat(state: SessionState, s: Strings) {
    const starting = state.status === 'starting';
    const turns = this.#host.context?.transcript?.length ?? 0;
    const draft = starting ? state.description : this.#session.draft;
    return html`<div class="scroll">
      <form class="prechat" part="prechat" @submit=${this.#handleStart}>
        <div class="field">
          <label for="description">${s.describeLabel}</label>
          <textarea
            id="description"
            name="description"
            required
            maxlength=${DESCRIPTION_LENGTH}
            aria-describedby="description-hint"
            .value=${draft}
            ?disabled=${starting}
            data-focus
            @input=${this.#handleDraft}
          ></textarea>
          <p class="hint" id="description-hint">${s.describeHint}</p>
        </div>
        <div class="field">
          <label for="name">${s.nameLabel}</label>
          <input
            id="name"
            name="name"
            autocomplete="name"
            maxlength=${NAME_LENGTH}
            .value=${this.#host.name}
            ?disabled=${starting}
          />
        </div>
        <div class="field">
          <label for="email">${s.emailLabel}</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            .value=${this.#host.email}
            ?disabled=${starting}
          />
        </div>
        ${turns ? html`<p class="note">${s.contextNote(turns)}</p>` : nothing}
        <button class="primary" type="submit" ?disabled=${starting}>
          ${starting ? s.starting : s.startChat}
        </button>
      </form>
    </div>`;
  }

  #renderQueue(chat: Chat, s: Strings) {
    const waited = this.#clock.now - Date.parse(chat.createdAt);
    return html`<div class="scroll">
        <div class="queue" part="queue">
          <div class="pulse">${icons.clock}</div>
          <h3>${s.waitingTitle}</h3>
          <p>${s.waitingBody}</p>
          <p class="waited">${s.waited(waitedText(waited, this.#host.locale))}</p>
          ${
            chat.estimatedWaitSeconds
              ? html`<p class="estimate">
                  ${s.usualWait(Math.max(1, Math.round(chat.estimatedWaitSeconds / 60)))}
                </p>`
              : nothing
          }
          ${
            chat.description
              ? html`<span class="label">${s.yourQuestion}</span>
                  <blockquote>${chat.description}</blockquote>`
              : nothing
          }
          <div class="actions">
            <button class="secondary" data-focus @click=${() => this.#session.end()}>
              ${s.cancel}
            </button>
          </div>
        </div>
      </div>
      ${this.#renderStatus(chat, s, s.queued)}`;
  }

  #renderLog(chat: Chat, s: Strings, after: unknown = nothing) {
    const names = speakers(chat);
    const time = new Intl.DateTimeFormat(this.#host.locale || undefined, {timeStyle: 'short'});
    const who = {agent: s.agent, visitor: s.you, system: s.system};
    // Confirmed messages, then the outbox; keyed by id, so a message that is confirmed keeps its
    // node (only its status changes) and the log announces each message once.
    const lines: Array<TranscriptItem | OutboxItem> = [...chat.items, ...chat.outbox];
    // Focusable, so a keyboard can scroll a long conversation (there may be no link in it).
    return html`<div class="scroll log" tabindex="0">
      <div
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label=${s.transcript}
        part="transcript"
      >
        <ol>
          ${chat.description ? this.#renderQuestion(chat, s, time) : nothing}
          ${repeat(
            lines,
            (line) => line.id,
            (line) => {
              if ('kind' in line && line.kind === 'notice') {
                const text = line.notice === 'joined' ? s.joined : s.transferred;
                return html`<li class="notice" part="notice">${withName(text, line.name)}</li>`;
              }
              const delivery = 'delivery' in line ? line.delivery : 'sent';
              const from =
                'from' in line ? (line.from === 'operator' ? 'agent' : line.from) : 'visitor';
              const own = from === 'visitor';
              // A message held by an infected file will not go: it is not "Sending…".
              const held = line.files?.some((f) => 'stage' in f && f.stage === 'infected');
              return html`<li
                class="msg ${from} ${own ? delivery : ''}"
                part="message ${from}-message"
                data-id=${own ? line.id : nothing}
                data-delivery=${own ? delivery : nothing}
              >
                <span class=${own ? 'who sr-only' : 'who'}>
                  <bdi>${('kind' in line && names.get(line)) || who[from]}</bdi>
                </span>
                ${line.text ? html`<p class="bubble" dir="auto">${linkify(line.text)}</p>` : nothing}
                ${line.files?.length ? this.#renderFiles(line.files, own, s) : nothing}
                ${
                  'choice' in line && line.choice?.options.length
                    ? this.#renderChoice(chat, line, s)
                    : nothing
                }
                <span class="meta">
                  <time datetime=${line.at}>${time.format(new Date(line.at))}</time>
                  ${own ? html`<span>· ${held ? s.failed : s[delivery]}</span>` : nothing}
                  ${
                    delivery === 'failed'
                      ? html`<button
                          class="link-button"
                          @click=${() => this.#session.apply({type: 'message-retried', id: line.id})}
                        >
                          ${s.retry}
                        </button>`
                      : nothing
                  }
                </span>
              </li>`;
            }
          )}
        </ol>
      </div>
      ${after}
    </div>`;
  }

  /** Files on a message: the agent's to open or save, the visitor's with where they stand. */
  #renderFiles(files: Array<MessageFile | OutboxFile>, own: boolean, s: Strings) {
    return html`<ul class="files">
      ${files.map((file) => html`<li class="file">${this.#renderFile(file, own, s)}</li>`)}
    </ul>`;
  }

  #renderFile(file: MessageFile | OutboxFile, own: boolean, s: Strings) {
    const {name} = file;
    const size = file.size === undefined ? '' : sizeText(file.size, this.#host.locale);
    if ('stage' in file) return this.#renderUpload(file, size, s);
    // The visitor's own sent files: the name is enough (the bytes came from this browser).
    if (own && !file.deleted) {
      return html`<span class="file-name"
        ><bdi>${name}</bdi> <span class="size">${size}</span></span
      >`;
    }
    if (file.deleted)
      return html`<span class="file-name removed">${name} · ${s.fileRemoved}</span>`;
    if (IMAGE_TYPES.includes(file.contentType)) {
      const url = this.#files.url(file.id);
      if (url === 'failed')
        return html`<span class="file-name">${name} · ${s.fileUnavailable}</span>`;
      return url === 'loading'
        ? html`<span class="thumb loading">${name}</span>`
        : html`<a class="thumb" href=${url} target="_blank" aria-label=${s.openFull(name)}>
            <img src=${url} alt=${name} />
          </a>`;
    }
    return html`<button
      class="link-button file-link"
      @click=${() => this.#files.download(file.id, name)}
    >
      ${icons.download} ${name} <span class="size">${size}</span>
    </button>`;
  }

  /** One of the visitor's files on its way: progress, the scan, and what can be done about it. */
  #renderUpload(file: OutboxFile, size: string, s: Strings) {
    const {id, name, stage} = file;
    const progress = this.#session.progress(id);
    const button = (label: string, text: string, act: () => void) =>
      html`<button class="link-button" aria-label=${label} @click=${act}>${text}</button>`;
    return html`<span class="file-name"><bdi>${name}</bdi> <span class="size">${size}</span></span>
      ${
        stage === 'uploading'
          ? html`<progress max="1" .value=${progress ?? 0} aria-label=${name}></progress>`
          : nothing
      }
      <span class="file-stage ${stage}">${s.fileStage[stage]}</span>
      ${
        stage === 'failed'
          ? button(s.retryFile(name), s.retry, () =>
              this.#session.apply({type: 'upload-retried', id})
            )
          : nothing
      }
      ${
        stage === 'ready'
          ? nothing
          : stage === 'infected' || stage === 'failed'
            ? button(s.removeFile(name), s.remove, () => this.#session.removeFile(id))
            : button(s.cancelFile(name), s.cancel, () => this.#session.removeFile(id))
      }`;
  }

  /**
   * An agent's question: one button per option, a group named for what it asks. Once answered
   * (or the answer is on its way) the options freeze and the chosen one stays marked.
   */
  #renderChoice(chat: Chat, question: ChatMessage, s: Strings) {
    const chosen = answerTo(chat, question.id);
    const open = chosen === undefined && this.#session.state.status === 'engaged';
    return html`<div class="choices" role="group" aria-label=${s.chooseAnswer}>
      ${question.choice!.options.map(
        (option) =>
          html`<button
            class="secondary choice"
            aria-pressed=${option.value === chosen ? 'true' : 'false'}
            ?disabled=${!open}
            @click=${() => open && void this.#session.answer(question, option)}
          >
            <bdi>${option.text}</bdi>
          </button>`
      )}
    </div>`;
  }

  /** The person's own question opens the conversation, as the agent read it with the ticket. */
  #renderQuestion(chat: Chat, s: Strings, time: Intl.DateTimeFormat) {
    return html`<li class="msg visitor question" part="message visitor-message">
      <span class="who sr-only">${s.you}</span>
      <p class="bubble" dir="auto">${linkify(chat.description)}</p>
      <span class="meta">
        <time datetime=${chat.createdAt}>${time.format(new Date(chat.createdAt))}</time>
        <span>· ${s.yourQuestion}</span>
      </span>
    </li>`;
  }

  #renderStatus(chat: Chat, s: Strings, idle = '') {
    const name = chat.operator?.name ?? s.agent;
    const [text, kind] =
      chat.link === 'offline'
        ? [s.offline, 'status warn']
        : chat.link === 'down'
          ? [s.serviceDown, 'status warn']
          : chat.link === 'connecting' && chat.lastEventId !== null
            ? [s.reconnecting, 'status warn']
            : chat.typing
              ? [withName(s.typing, name), 'status typing']
              : [idle, 'status sr-only'];
    return html`<p class=${kind} part="status" role="status">
      ${chat.typing ? html`<span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>` : nothing}${text}
    </p>`;
  }

  #renderComposer(s: Strings) {
    const policy = chatOf(this.#session.state)?.filePolicy;
    return html`<form class="composer" part="composer" @submit=${this.#handleSend}>
      ${
        policy
          ? html`<input
                id="attach"
                class="sr-only"
                type="file"
                multiple
                tabindex="-1"
                aria-hidden="true"
                aria-label=${s.attach}
                accept=${policy.contentTypes.join(',')}
                @change=${this.#handlePick}
              />
              <button
                class="icon-button attach"
                type="button"
                aria-label=${s.attach}
                @click=${() => this.#root.querySelector<HTMLInputElement>('#attach')?.click()}
              >
                ${icons.attach}
              </button>`
          : nothing
      }
      <textarea
        name="message"
        part="input"
        rows="1"
        aria-label=${s.messageLabel}
        placeholder=${s.messageLabel}
        maxlength=${MESSAGE_LENGTH}
        enterkeyhint="send"
        .value=${this.#session.draft}
        data-focus
        @input=${this.#handleDraft}
        @keydown=${this.#handleComposerKey}
        @paste=${this.#handlePaste}
      ></textarea>
      <button class="primary" part="send-button" type="submit" aria-label=${s.send}>
        ${icons.send}
      </button>
    </form>`;
  }

  #renderEnded(state: Extract<SessionState, {status: 'ended'}>, s: Strings) {
    // A request that never reached an agent has no conversation to download.
    const unanswered = endedUnanswered(state);
    const title = !unanswered
      ? s.endedBy[state.endedBy]
      : state.endedBy === 'visitor'
        ? s.cancelled
        : s.unanswered;
    return html`<div class="card" part="ended">
      <h3>${title}</h3>
      <p>${s.endedNext}</p>
      <div class="actions">
        <button class="primary" data-focus @click=${() => this.#handleRestart()}>
          ${s.startAgain}
        </button>
        ${
          unanswered
            ? nothing
            : html`<button
                class="secondary"
                @click=${() => this.#session.download(s, this.#host.locale)}
              >
                ${icons.download} ${s.download}
              </button>`
        }
      </div>
    </div>`;
  }

  #renderFailed(state: Extract<SessionState, {status: 'failed'}>, s: Strings) {
    const {problem, description, chat} = state;
    const wait = Math.ceil(((problem.retryAt ?? 0) - this.#clock.now) / 1000);
    const title = isLost(state) ? s.lostTitle : chat?.operator ? s.errorTitle : s.failedTitle;
    return html`<div class="card error" part="error">
      <h3>${icons.alert} ${title}</h3>
      <p>${this.#problemText(problem, s)}</p>
      ${problem.hint && !this.#ownWords(problem) ? html`<p class="hint">${problem.hint}</p>` : nothing}
      ${wait > 0 ? html`<p class="hint">${s.rateLimited(wait)}</p>` : nothing}
      <div class="actions">
        ${
          description
            ? html`<button
                  class="primary"
                  data-focus
                  ?disabled=${wait > 0}
                  @click=${() => this.#session.start(description)}
                >
                  ${s.tryAgain}
                </button>
                <button class="secondary" @click=${() => this.#handleRestart(description)}>
                  ${s.editQuestion}
                </button>`
            : html`<button class="primary" data-focus @click=${() => this.#restartLost(chat)}>
                ${s.startAgain}
              </button>`
        }
        ${
          chat?.items.length
            ? html`<button
                class="secondary"
                @click=${() => this.#session.download(s, this.#host.locale)}
              >
                ${icons.download} ${s.download}
              </button>`
            : nothing
        }
      </div>
    </div>`;
  }
}
