/**
 * @module The last guard before printing: every string of the report with each secret and token
 * replaced. The checks never put one there on purpose; this catches what Glia might echo back.
 */
import type {DoctorReport} from './doctor-report.js';

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not searched for: replacing every "ab" in a report would wreck
 * it, and a secret that short is rejected by Glia anyway.
 */
const MIN_SECRET_LENGTH = 6;

/** A copy of `report` with every occurrence of each of `secrets` replaced. */
export function redactReport(report: DoctorReport, secrets: Iterable<string>): DoctorReport {
  // Longest first, so a secret that contains another is replaced whole.
  const list = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  const scrub = (text: string) =>
    list.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  return JSON.parse(JSON.stringify(report), (_key, value: unknown) =>
    typeof value === 'string' ? scrub(value) : value
  ) as DoctorReport;
}
