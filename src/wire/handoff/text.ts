/**
 * @module What a person typed, made safe to show: the invisible characters that reorder text
 * (bidi embeddings and overrides U+202A–202E, isolates U+2066–2069, the marks U+200E/U+200F and
 * U+061C) and control characters (C0, DEL, C1) are removed, so a name or message cannot make the
 * text around it in the console or the widget read backwards. Newlines and tabs stay where a text
 * may have several lines (descriptions, messages); in one-line text (names, attribute values) they
 * become spaces. Applied at the boundary: the browser's requests (the schemas below) and what Glia
 * sends the visitor (the proxy's intake). Rendering isolates user text too (`dir="auto"`).
 */
import {z} from 'zod/mini';

const REORDERING_AND_CONTROLS =
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** `text` without bidi controls and control characters; newlines and tabs kept (`\r\n` is `\n`). */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(REORDERING_AND_CONTROLS, '');
}

/** One-line text: as `cleanText`, with newlines and tabs as spaces. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/[\n\t]/g, ' ');
}

/** A string check that cleans several-line text before the checks after it. */
export const cleanedText = () => z.overwrite(cleanText);

/** A string check that cleans one-line text before the checks after it. */
export const cleanedLine = () => z.overwrite(cleanLine);
