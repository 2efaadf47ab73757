/** @module Loads the string table of the host's `locale` and re-renders when it arrives. */
import type {ReactiveController, ReactiveControllerHost} from 'lit';
import {english, loadStrings, type Strings} from '../strings.js';

/**
 * Keeps `strings` in step with `host.locale`. English is built in; another table is fetched as
 * its own small chunk, and `ready` resolves once the current one is in (the element waits for it
 * before its first paint, so a Finnish page never flashes English).
 */
export class LocaleController implements ReactiveController {
  strings: Strings = english;
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
      .catch(() => english)
      .then((strings) => {
        if (this.#locale !== locale) return;
        this.strings = strings;
        this.#host.requestUpdate();
      });
  }
}
