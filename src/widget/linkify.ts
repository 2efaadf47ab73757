/** @module Message text with its web links made clickable, and everything else left as text. */
import {html, type TemplateResult} from 'lit';

// Only http(s) URLs become links; `javascript:`, `data:` and the rest stay plain text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Sentence punctuation after a URL belongs to the sentence, not the link.
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * Split `text` into strings and `<a>` links. Lit renders the strings as text nodes, so markup in a
 * message is shown, never parsed. Links open in a new tab without access to this page.
 */
export function linkify(text: string): Array<string | TemplateResult> {
  const parts: Array<string | TemplateResult> = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, '');
    let href: string;
    try {
      href = new URL(raw).href;
    } catch {
      continue;
    }
    parts.push(
      text.slice(last, match.index),
      html`<a href=${href} target="_blank" rel="noopener noreferrer">${raw}</a>`
    );
    last = match.index + raw.length;
  }
  parts.push(text.slice(last));
  return parts;
}
