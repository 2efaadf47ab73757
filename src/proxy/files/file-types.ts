/**
 * @module The content types the proxy lets a visitor upload, each with the first bytes that make a
 * file one of them (docs/contract.md, "Files and choices"). A file is taken only when its bytes
 * match the type it declares, so a `.png` that is really a program or a script never reaches Glia;
 * `FILE_CONTENT_TYPES` may list only types this table knows. Also how a type is served back:
 * inline only for the raster images a browser draws without running anything.
 */

/** How many first bytes `sniff` needs at most to decide (text looks at up to this many). */
export const SNIFF_BYTES = 4096;

interface FileType {
  /** Whether `head` (the file's first bytes, all of them if the file is shorter) is this type. */
  matches(head: Uint8Array): boolean;
  /** Served `inline` (drawn by the browser) rather than as a download. */
  inline: boolean;
}

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean =>
  head.length >= at + bytes.length && bytes.every((byte, i) => head[at + i] === byte);
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

/** A ZIP archive's local file header: what .docx and .xlsx are inside. */
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/**
 * Text: UTF-8 (a BOM allowed) with no NUL and no other C0 control but tab, line feed, carriage
 * return and form feed; a character cut at the end of `head` is not held against it.
 */
function isText(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c)
      return false;
    if (byte === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(head, {stream: true});
    return true;
  } catch {
    return false;
  }
}

const FILE_TYPES: Record<string, FileType> = {
  'image/png': {
    matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    inline: true,
  },
  'image/jpeg': {matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]), inline: true},
  'image/gif': {
    matches: (h) => startsWith(h, ascii('GIF87a')) || startsWith(h, ascii('GIF89a')),
    inline: true,
  },
  'image/webp': {
    matches: (h) => startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8),
    inline: true,
  },
  'application/pdf': {matches: (h) => startsWith(h, ascii('%PDF-')), inline: false},
  'text/plain': {matches: isText, inline: false},
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    matches: (h) => startsWith(h, ZIP),
    inline: false,
  },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    matches: (h) => startsWith(h, ZIP),
    inline: false,
  },
};

/** Every type `FILE_CONTENT_TYPES` may list. */
export const SNIFFABLE_CONTENT_TYPES = Object.keys(FILE_TYPES);

/**
 * `FILE_CONTENT_TYPES` when unset: images, PDF and plain text, what Glia's own widgets take. The
 * Office types are opt-in: their check sees only that they are ZIP archives.
 */
export const DEFAULT_FILE_CONTENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
] as const;

/** A `Content-Type` header as a bare lower-case type (`Text/Plain; charset=utf-8` → `text/plain`). */
export function bareType(header: string | undefined | null): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether `head`, a file's first bytes, fits `contentType`; a type not in the table never does. */
export function sniffMatches(contentType: string, head: Uint8Array): boolean {
  return FILE_TYPES[contentType]?.matches(head) ?? false;
}

/** Whether a file of this (known, allowed) type is shown inline rather than downloaded. */
export function servedInline(contentType: string): boolean {
  return FILE_TYPES[contentType]?.inline ?? false;
}
