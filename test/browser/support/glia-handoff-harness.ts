/**
 * A person's verbs on `<glia-handoff>`, so tests read as what someone does and sees. Each verb
 * waits until the widget shows its result; queries into the shadow root live here only.
 */
import {fixture, html, waitUntil} from '@open-wc/testing';
import {ifDefined} from 'lit/directives/if-defined.js';
import type {HandoffContext} from '../../../src/widget/controllers/session-controller.js';
import type {GliaHandoffElement} from '../../../src/widget/glia-handoff.js';
import '../../../src/widget/glia-handoff.js';
import {fakeProxy} from './fake-proxy-setup.js';
import {PROXY} from './proxy-handlers.js';

export interface MountOptions {
  proxyUrl?: string | null;
  locale?: string;
  open?: boolean;
  name?: string;
  email?: string;
  context?: HandoffContext;
}

/** A transcript line as a person reads it. */
export interface Line {
  from: 'agent' | 'visitor' | 'system' | 'notice';
  text: string;
  /** Own messages: `sending`, `sent` or `failed`. */
  delivery?: string;
  /** Own messages: the id the proxy gets. */
  id?: string;
}

export class GliaHandoffHarness {
  element!: GliaHandoffElement;
  private readonly options: MountOptions;

  private constructor(options: MountOptions) {
    this.options = options;
  }

  /** Put a widget on the page (restoring whatever IndexedDB holds) and wait for its first paint. */
  static async mount(options: MountOptions = {}): Promise<GliaHandoffHarness> {
    const harness = new GliaHandoffHarness(options);
    await harness.mountElement();
    return harness;
  }

  get root(): ShadowRoot {
    const root = this.element.shadowRoot;
    if (!root) throw new Error('<glia-handoff> has no shadow root');
    return root;
  }

  /** Click the launcher if the panel is closed. */
  async open(): Promise<void> {
    if (!this.element.isOpen) await this.click(this.launcher);
  }

  /** Close the panel with the close button. */
  async close(): Promise<void> {
    await this.click(this.find('.close'));
  }

  /** Describe the problem in the pre-chat and press Start; resolves once the proxy answered. */
  async start(description: string): Promise<void> {
    await this.open();
    const field = this.find<HTMLTextAreaElement>('textarea[name="description"]');
    field.value = description;
    field.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
    await this.click(this.find('form.prechat button[type="submit"]'));
    await this.waitFor(() => !['idle', 'starting'].includes(this.status()), 'the proxy to answer');
  }

  /** Type a message and press Enter. */
  async send(text: string): Promise<void> {
    const field = this.composer;
    field.focus();
    field.value = text;
    field.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
    await this.press(field, 'Enter');
    await this.waitFor(() => this.transcript().some((l) => l.text === text), `"${text}" on screen`);
  }

  /** Press a key on an element inside the widget. */
  async press(target: HTMLElement, key: string, init: KeyboardEventInit = {}): Promise<void> {
    target.dispatchEvent(
      new KeyboardEvent('keydown', {key, bubbles: true, composed: true, cancelable: true, ...init})
    );
    await this.element.updateComplete;
  }

  /** Leave the page and come back: a new element restores from IndexedDB. */
  async reload(): Promise<void> {
    this.element.remove();
    await this.mountElement();
  }

  /** The proxy becomes unreachable and the browser says it is offline. */
  async goOffline(): Promise<void> {
    fakeProxy.setReachable(false);
    dispatchEvent(new Event('offline'));
    await this.waitFor(() => this.element.matches(':state(offline)'), 'the offline state');
  }

  /** The network is back. */
  goOnline(): void {
    fakeProxy.setReachable(true);
    dispatchEvent(new Event('online'));
  }

  /** End the chat (confirming) or cancel the wait; resolves when it has ended. */
  async end(): Promise<void> {
    if (this.status() === 'queued') {
      await this.click(this.button('Cancel'));
    } else {
      await this.click(this.button('End chat'));
      await this.click(this.button('End'));
    }
    await this.waitFor(() => this.status() === 'ended', 'the chat to end');
  }

  /** The transcript as shown: messages and notices, in order. */
  transcript(): Line[] {
    return [...this.root.querySelectorAll<HTMLElement>('[role="log"] > ol > li')].map((li) => {
      if (li.classList.contains('notice')) return {from: 'notice', text: li.textContent!.trim()};
      const from = (['agent', 'visitor', 'system'] as const).find((c) => li.classList.contains(c))!;
      const line: Line = {from, text: li.querySelector('.bubble')?.textContent ?? ''};
      // The question that opened the chat is the visitor's, with no delivery of its own.
      if (from === 'visitor' && !li.classList.contains('question')) {
        line.delivery = li.dataset.delivery;
        line.id = li.dataset.id;
      }
      return line;
    });
  }

  /** Pick files with the composer's attach button (as the file picker would hand them over). */
  async attach(...files: File[]): Promise<void> {
    const input = this.find<HTMLInputElement>('.composer input[type="file"]');
    const picked = new DataTransfer();
    for (const file of files) picked.items.add(file);
    input.files = picked.files;
    input.dispatchEvent(new Event('change', {bubbles: true}));
    await this.element.updateComplete;
  }

  /** The files shown on the visitor's messages, as a person reads each row. */
  ownFiles(): string[] {
    return [...this.root.querySelectorAll<HTMLElement>('.msg.visitor .file')].map(
      (row) => row.textContent?.replace(/\s+/g, ' ').trim() ?? ''
    );
  }

  /** What the polite region last said about files. */
  fileNews(): string {
    return this.root.querySelector('.news')?.textContent?.trim() ?? '';
  }

  /** The session status (`idle`, `queued`, `engaged`, `ended`, `failed`). */
  status(): string {
    return this.element.status;
  }

  /** What the polite status line says (typing, offline, queue). */
  statusLine(): string {
    return this.root.querySelector('[role="status"]')?.textContent?.trim() ?? '';
  }

  /** What the assertive region says. */
  alertText(): string {
    return this.root.querySelector('[role="alert"]')?.textContent?.trim() ?? '';
  }

  /** The visible text of a part of the panel. */
  text(selector: string): string {
    return this.find(selector).textContent?.replace(/\s+/g, ' ').trim() ?? '';
  }

  get launcher(): HTMLButtonElement {
    return this.find('.launcher');
  }

  get composer(): HTMLTextAreaElement {
    return this.find('.composer textarea');
  }

  /** The focused element inside the widget, if any. */
  get focused(): Element | null {
    return this.root.activeElement;
  }

  /** A button by its visible text or accessible label. */
  button(name: string): HTMLButtonElement {
    const match = [...this.root.querySelectorAll('button')].find(
      (b) => b.textContent?.trim() === name || b.getAttribute('aria-label') === name
    );
    if (!match) throw new Error(`No button "${name}" in the widget`);
    return match;
  }

  has(selector: string): boolean {
    return this.root.querySelector(selector) !== null;
  }

  find<T extends Element = HTMLElement>(selector: string): T {
    const found = this.root.querySelector<T>(selector);
    if (!found) throw new Error(`Nothing matches ${selector} in the widget`);
    return found;
  }

  async click(target: HTMLElement): Promise<void> {
    target.click();
    await this.element.updateComplete;
  }

  waitFor(condition: () => boolean, what: string, timeout = 5000): Promise<void> {
    return waitUntil(condition, `Timed out waiting for ${what}`, {timeout});
  }

  private async mountElement(): Promise<void> {
    const {proxyUrl, locale, open, name, email, context} = this.options;
    this.element = await fixture<GliaHandoffElement>(
      html`<glia-handoff
        proxy-url=${ifDefined(proxyUrl === null ? undefined : (proxyUrl ?? PROXY))}
        locale=${ifDefined(locale)}
        ?open=${open}
        .name=${name ?? ''}
        .email=${email ?? ''}
        .context=${context ?? null}
      ></glia-handoff>`
    );
  }
}
