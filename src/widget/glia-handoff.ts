/**
 * @module The registration entry: importing it defines `<glia-handoff>` (once, even if a page
 * loads the script twice). The element here is small on purpose, the widget's first load: the
 * launcher and one read of the stored session. Everything else comes with the panel module.
 */
import {LitElement, adoptStyles, html, nothing} from 'lit';
import type {HandoffContext} from './controllers/session-controller.js';
import {showStates} from './custom-states.js';
import {renderLauncher} from './launcher.js';
import {launcherStyles} from './launcher.styles.js';
import type * as Panel from './panel.js';
import type {GliaHandoffPanel} from './panel.js';
import type {Status} from './store/session-state.js';
import {loadStrings} from './strings.js';
import {
  channelName,
  needsPanel,
  readRecord,
  sessionKey,
  type SessionRecord,
} from './store/stored-session.js';

export * from './events.js';
export type {HandoffContext};

/** The panel's module: fetched once per page, by the first element that asks. */
let panelModule: Promise<typeof Panel> | undefined;
const importPanel = () => (panelModule ??= import('./panel.js'));

/**
 * Hands a person on an intranet page over to a live agent on Glia: a launcher, a pre-chat form,
 * a visible queue, the chat, and the end, through reloads, network loss and several tabs.
 * It talks only to the glia-handoff proxy at `proxy-url`; the proxy holds every credential.
 *
 * A page loads only the launcher; the panel (./panel.ts: the views, the session, the transport, the
 * schemas, the locales) loads on first open, on hover or focus of the launcher, or before the
 * first paint when a conversation is open (so a reload mid-chat paints the open panel at once).
 *
 * @summary Live-agent chat that survives reloads, offline spells and multiple tabs.
 *
 * @fires {GliaStatusChangeEvent} glia-status-change - The session moved to another status (`status`, `previous`).
 * @fires {GliaMessageEvent} glia-message - A message joined the conversation (`message`): the agent's, or the visitor's once the proxy accepted it.
 * @fires {GliaOperatorChangeEvent} glia-operator-change - An agent joined, or the chat was transferred (`operator.name`).
 * @fires {GliaErrorEvent} glia-error - Something failed (`problem.code`, `problem.message`, `problem.hint`).
 * @fires {GliaOpenChangeEvent} glia-open-change - The person opened or closed the panel (`open`).
 * @fires {GliaUnreadChangeEvent} glia-unread-change - The count of agent messages not yet seen changed (`unread`).
 *
 * @csspart launcher - The round button that opens and closes the panel.
 * @csspart badge - The unread count on the launcher.
 * @csspart panel - The chat window.
 * @csspart header - The panel's title bar.
 * @csspart close-button - The close button in the header.
 * @csspart prechat - The form that asks what the person needs.
 * @csspart queue - The waiting view.
 * @csspart transcript - The conversation (a `role="log"`).
 * @csspart message - Every message; also `agent-message`, `visitor-message` or `system-message`.
 * @csspart notice - A line such as "Sam joined the chat".
 * @csspart status - The polite status line (typing, offline).
 * @csspart composer - The message form.
 * @csspart input - The message field.
 * @csspart send-button - The send button.
 * @csspart ended - The card shown when the chat has ended.
 * @csspart error - The card that explains a failure and what to do next.
 *
 * @cssprop [--glia-handoff-accent=#0b5cad] - Brand colour: launcher, header, buttons, own messages.
 * @cssprop [--glia-handoff-on-accent=#fff] - Text on the accent colour.
 * @cssprop [--glia-handoff-surface=#fff] - Panel background.
 * @cssprop [--glia-handoff-raised=#f3f5f8] - Cards and notes on the panel.
 * @cssprop [--glia-handoff-text=#1b1f24] - Text colour.
 * @cssprop [--glia-handoff-muted=#57606a] - Secondary text.
 * @cssprop [--glia-handoff-border=#d0d7de] - Borders.
 * @cssprop [--glia-handoff-agent-bubble=#eef1f5] - Background of the agent's messages.
 * @cssprop [--glia-handoff-visitor-bubble=var(--glia-handoff-accent)] - Background of own messages.
 * @cssprop [--glia-handoff-on-visitor-bubble=var(--glia-handoff-on-accent)] - Text of own messages.
 * @cssprop [--glia-handoff-danger=#b42318] - Errors and failed messages.
 * @cssprop [--glia-handoff-badge=#c62828] - The unread badge (white text).
 * @cssprop [--glia-handoff-danger-surface=#fdecea] - Background of error cards.
 * @cssprop [--glia-handoff-font=system-ui] - Font family.
 * @cssprop [--glia-handoff-radius=14px] - Panel corner radius.
 * @cssprop [--glia-handoff-offset=20px] - Distance from the viewport corner.
 * @cssprop [--glia-handoff-width=380px] - Panel width (phones under 480px get the full screen).
 * @cssprop [--glia-handoff-height=600px] - Panel height.
 * @cssprop [--glia-handoff-shadow] - Shadow of the launcher and panel.
 * @cssprop [--glia-handoff-z-index=2147483000] - Stacking order on the page.
 * Dark defaults apply under `prefers-color-scheme: dark`; set the properties inside your own
 * media query to theme both.
 *
 * @cssstate idle - No conversation yet: the pre-chat form.
 * @cssstate starting - The ticket is being filed.
 * @cssstate queued - Waiting for an agent.
 * @cssstate engaged - Chatting with an agent.
 * @cssstate ended - The chat ended.
 * @cssstate failed - The session could not start or was lost.
 * @cssstate offline - The visitor's network is down; messages wait in the outbox.
 * @cssstate reconnecting - The network is fine but the chat service does not answer; messages wait.
 */
export class GliaHandoffElement extends LitElement {
  static override styles = launcherStyles;

  // Declared as static properties, not decorators: the same reactive properties without the
  // decorator runtime in the bundle (useDefineForClassFields is off, so the field initialisers
  // below go through Lit's accessors).
  static override properties = {
    proxyUrl: {attribute: 'proxy-url'},
    queue: {},
    locale: {},
    direction: {attribute: 'dir'},
    isOpen: {type: Boolean, reflect: true, attribute: 'open'},
    name: {attribute: false},
    email: {attribute: false},
    context: {attribute: false},
  };

  /** Base URL of the glia-handoff proxy (`""` = this page's origin). Required. */
  proxyUrl: string | null = null;

  /** A Glia queue id other than the proxy's default. */
  queue: string | null = null;

  /** BCP 47 language of the widget's words (`en` default; `fi`, `ar` included). RTL languages turn the panel right-to-left unless `dir` is set. */
  locale = '';

  /** Writing direction (`ltr`/`rtl`; the standard `dir` attribute). Unset: right-to-left for RTL locales, else inherited from the page. */
  direction: string | null = null;

  /** Whether the panel is open (attribute `open`). Use `open()`/`close()` to also move focus. */
  isOpen = false;

  /** The person's name, when the page knows it (prefills the pre-chat form). */
  name = '';

  /** The person's email, when the page knows it (prefills the pre-chat form). */
  email = '';

  /** What the agent should see with the ticket: the bot conversation so far (`transcript`) and page facts (`attributes`). */
  context: HandoffContext | null = null;

  readonly #internals = this.attachInternals();
  /** The panel, once loaded and its stored conversation read. */
  #panel: GliaHandoffPanel | null = null;
  #loading: Promise<GliaHandoffPanel> | null = null;
  /** What to do with the panel once it is in (a click, `open()`, `close()` while it loads). */
  readonly #pending: Array<(panel: GliaHandoffPanel) => void> = [];
  /** Until the panel is in: the stored record (read once per proxy URL) and its key. */
  #record: SessionRecord | undefined;
  #stored: Promise<unknown> = Promise.resolve();
  #storedKey: string | null = null;
  /** Until the panel is in: other tabs' changes to the record, to follow a conversation they start. */
  #channel: BroadcastChannel | null = null;

  /** The session's status: `idle`, `starting`, `queued`, `engaged`, `ended` or `failed`. */
  get status(): Status {
    return this.#panel?.status ?? this.#record?.session.status ?? 'idle';
  }

  /** Open the panel and move focus into it. */
  open(): void {
    this.#withPanel((panel) => panel.setOpen(true));
  }

  /** Close the panel and return focus to the launcher. */
  close(): void {
    if (this.#panel || this.isOpen) this.#withPanel((panel) => panel.setOpen(false));
  }

  /**
   * Ask for an agent with `description` (what the person needs), the page's `name`, `email` and
   * `context`. Does nothing if a session is already running here or in another tab.
   * Resolves when the proxy answered (the status is then `queued`, `engaged` or `failed`).
   */
  async start(description: string): Promise<void> {
    await (await this.#load()).start(description);
  }

  /** Cancel the wait or end the chat. Resolves when the proxy confirmed. */
  async end(): Promise<void> {
    await (await this.#load()).end();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#channel?.close();
    this.#channel = null;
    this.#storedKey = null;
  }

  // Render nothing until the stored record is read and, if it needs the panel (or the panel was
  // asked for), until the panel is in: a reload mid-chat paints the open panel, never the closed
  // launcher first.
  protected override async scheduleUpdate(): Promise<void> {
    if (!this.#panel) await this.#readStored();
    if (this.#panel || this.isOpen || this.#pending.length || needsPanel(this.#record)) {
      const panel = await this.#load().catch(() => null);
      const pending = this.#pending.splice(0);
      // The chunk did not load (offline, a deploy in between): the launcher stays, closed; the
      // next click tries again.
      if (!panel) this.isOpen = false;
      else for (const action of pending) action(panel);
    }
    super.scheduleUpdate();
  }

  protected override willUpdate(): void {
    if (this.#panel) this.#panel.willUpdate();
    else showStates(this.#internals, new Set([this.status]));
  }

  protected override updated(): void {
    this.#panel?.updated();
  }

  override render() {
    const panel = this.#panel;
    return html`<div
      class=${this.isOpen ? 'root open' : 'root'}
      lang=${this.locale || nothing}
      @keydown=${(event: KeyboardEvent) => panel?.handleKeydown(event)}
    >
      ${panel ? panel.render() : nothing}
      ${renderLauncher({
        open: this.isOpen,
        unread: panel ? panel.unread : (this.#record?.view.unread ?? 0),
        locale: this.locale,
        toggle: () => this.#withPanel((loaded) => loaded.setOpen(!this.isOpen)),
        prefetch: () => void this.#load().catch(() => undefined),
      })}
    </div>`;
  }

  /** Run `action` on the panel now, or in the update that waits for it to load. */
  #withPanel(action: (panel: GliaHandoffPanel) => void): void {
    if (this.#panel) return action(this.#panel);
    this.#pending.push(action);
    this.requestUpdate();
  }

  /** Read the stored record of this proxy (once per proxy URL), and follow the other tabs'. */
  #readStored(): Promise<unknown> {
    const url = this.proxyUrl;
    const key = url === null ? null : sessionKey(url);
    if (key === this.#storedKey) return this.#stored;
    this.#storedKey = key;
    this.#channel?.close();
    this.#channel = null;
    this.#record = undefined;
    if (key === null) return (this.#stored = Promise.resolve());
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(channelName(key));
      this.#channel.onmessage = (event: MessageEvent<SessionRecord>) => {
        if (this.#record && event.data.rev <= this.#record.rev) return;
        this.#record = event.data;
        this.requestUpdate();
      };
    }
    return (this.#stored = readRecord(key).then((record) => {
      if (this.#storedKey === key && record && !(this.#record && this.#record.rev >= record.rev))
        this.#record = record;
    }));
  }

  /** Load the panel (once), attach it to this element and wait for its stored conversation. */
  #load(): Promise<GliaHandoffPanel> {
    // The locale's words load beside the panel, not after it (the panel asks for the same module).
    if (!this.#loading) loadStrings(this.locale).catch(() => {});
    this.#loading ??= importPanel().then(
      async ({GliaHandoffPanel, styles}) => {
        const panel = new GliaHandoffPanel(this, this.#internals);
        await panel.ready;
        adoptStyles(this.renderRoot as ShadowRoot, [launcherStyles, styles]);
        this.#panel = panel;
        this.#channel?.close();
        this.#channel = null;
        this.requestUpdate();
        return panel;
      },
      (error: unknown) => {
        panelModule = undefined;
        this.#loading = null;
        throw error;
      }
    );
    return this.#loading;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'glia-handoff': GliaHandoffElement;
  }
}

if (!customElements.get('glia-handoff')) customElements.define('glia-handoff', GliaHandoffElement);
