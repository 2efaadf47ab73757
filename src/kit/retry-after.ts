/** @module `Retry-After` (RFC 9110 §10.2.3), read once for every part: seconds or an HTTP date. */

/** Milliseconds to wait from `now`, or `undefined` when the header is absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
