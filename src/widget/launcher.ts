/**
 * @module The launcher, the part of the widget every page loads: the round button and its unread
 * badge, named in the host's locale (./launcher-words.ts). The panel (./panel.ts) renders next to
 * it once loaded, and shares its icon helper.
 */
import {html, nothing, svg, type TemplateResult} from 'lit';
import {launcherWords} from './launcher-words.js';

/** An inline icon, hidden from assistive technology (the button around it has the name). */
export const icon = (path: TemplateResult) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${path}</svg>`;

const chat = icon(svg`<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>`);
const down = icon(svg`<path d="M6 9l6 6 6-6"/>`);

export interface LauncherView {
  open: boolean;
  unread: number;
  /** The host's BCP 47 `locale`. */
  locale: string;
  toggle: () => void;
  /** The person is about to open it (hover, focus): start loading the panel. */
  prefetch: () => void;
}

/** The round button that opens and closes the panel, with the unread count. */
export function renderLauncher({open, unread, locale, toggle, prefetch}: LauncherView) {
  const {launcher: name, unread: unreadText} = launcherWords(locale);
  return html`<button
    class="launcher"
    part="launcher"
    aria-expanded=${open ? 'true' : 'false'}
    aria-controls=${open ? 'panel' : nothing}
    aria-label=${unread ? `${name}, ${unreadText(unread)}` : name}
    @click=${toggle}
    @pointerenter=${prefetch}
    @focus=${prefetch}
  >
    ${open ? down : chat}
    ${unread ? html`<span class="badge" part="badge" aria-hidden="true">${unread}</span>` : nothing}
  </button>`;
}
