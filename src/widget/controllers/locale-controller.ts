/** @module Loads the string table of the host's `locale` and re-renders when it arrives. */
import type {ReactiveController, ReactiveControllerHost} from 'lit';
import {loadStrings, type Strings} from '../strings.js';

/**
 * Keeps `strings` in step with `host.locale`. Each table is its own small chunk; `ready` resolves
 * once the current one is in (the element renders the panel only then, so `strings` is never
 * read before it is set, and a Finnish page never flashes English). A table that does not load
 * falls back to English; should English not load either, `ready` rejects and the element drops
 * the panel, to load it again on the next open.
 */
export class LocaleController implements ReactiveController {
  strings!: Strings;
  ready: Promise<void> = Promise.resolve();
  readonly #host: ReactiveControllerHost & {locale: string};
  #locale: string | undefined;

  constructor(host: ReactiveControllerHost & {locale: string}) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#sync();
  }

  hostUpdate(): void {
    this.#sync();
  }

  #sync(): void {
    const {locale} = this.#host;
    if (locale === this.#locale) return;
    this.#locale = locale;
    this.ready = loadStrings(locale)
      .catch(() => loadStrings('en'))
      .then((strings) => {
        if (this.#locale !== locale) return;
        this.strings = strings;
        this.#host.requestUpdate();
      });
    // A later change of locale that cannot load keeps the words shown; nobody awaits it.
    this.ready.catch(() => {});
  }
}
