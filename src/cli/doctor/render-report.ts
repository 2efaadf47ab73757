/**
 * @module The checklist as a person reads it in a terminal (✓ / ✗ / – marks, aligned titles, the
 * cause and fix indented under a failed step, wrapped to the width), or as one JSON document.
 */
import {isFailed, isSkipped} from './doctor-report.js';
import type {DoctorReport, DoctorStep, FailedStep} from './doctor-report.js';

export interface TextOptions {
  /** ANSI colors (only for a terminal, and not when NO_COLOR is set). */
  color: boolean;
  /** Wrap lines to this many columns (default 100). */
  width?: number;
}

const MARKS = {passed: '✓', failed: '✗', skipped: '–'} as const;

const ANSI = {
  green: (s: string) => `\u001b[32m${s}\u001b[39m`,
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`,
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
};
const PLAIN = {green: same, red: same, dim: same, bold: same};

function same(s: string): string {
  return s;
}

/** The `--json` document: `{ok, steps}`, pretty-printed, one trailing newline. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The checklist for a terminal. */
export function renderText(report: DoctorReport, options: TextOptions): string {
  const paint = options.color ? ANSI : PLAIN;
  const width = Math.max(60, options.width ?? 100);
  const titleWidth = Math.max(...report.steps.map((s) => s.title.length)) + 2;
  const lines: string[] = ['glia-handoff doctor', ''];
  for (const step of report.steps) {
    const mark = markOf(step);
    const painted =
      mark === 'passed'
        ? paint.green(MARKS.passed)
        : mark === 'failed'
          ? paint.red(MARKS.failed)
          : paint.dim(MARKS.skipped);
    const title = step.title.padEnd(titleWidth);
    const lead = `${painted} ${mark === 'failed' ? paint.bold(title) : title}`;
    const summary = isFailed(step) ? failureSummary(step) : (step.detail ?? '');
    const wrapped = wrap(summary, width - 2 - titleWidth);
    const body = mark === 'skipped' ? wrapped.map(paint.dim) : wrapped;
    lines.push(`${lead}${body[0] ?? ''}`.trimEnd());
    for (const more of body.slice(1)) lines.push(`${' '.repeat(2 + titleWidth)}${more}`);
    if (isFailed(step)) {
      const rows: Array<[string, string]> = [];
      if (step.gliaMessage) rows.push(['Glia said', step.gliaMessage]);
      rows.push(['Cause', step.cause], ['Fix', step.fix]);
      for (const [label, text] of rows) lines.push(...labelled(label, text, width, paint.dim));
    }
  }
  lines.push('', ...wrap(footer(report), width));
  return `${lines.join('\n')}\n`;
}

function markOf(step: DoctorStep): keyof typeof MARKS {
  if (isSkipped(step)) return 'skipped';
  return step.ok ? 'passed' : 'failed';
}

/** The words beside a failed step: what was called and what happened. */
function failureSummary(step: FailedStep): string {
  return step.detail ?? (step.status === undefined ? '' : `Glia answered ${step.status}`);
}

/** `    Cause      text…` with continuation lines under the text, one block per line of `text`. */
function labelled(
  label: string,
  text: string,
  width: number,
  dim: (s: string) => string
): string[] {
  const indent = 4;
  const labelWidth = 11;
  const out: string[] = [];
  let first = true;
  for (const paragraph of text.split('\n')) {
    for (const line of wrap(paragraph, width - indent - labelWidth)) {
      const head = first ? dim(label.padEnd(labelWidth)) : ' '.repeat(labelWidth);
      out.push(`${' '.repeat(indent)}${head}${line}`);
      first = false;
    }
  }
  return out;
}

/** Splits `text` into lines of at most `width` columns at spaces (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function footer(report: DoctorReport): string {
  const failed = report.steps.filter(isFailed).length;
  const blocked = report.steps.filter((s) => isSkipped(s) && s.blockedBy !== undefined).length;
  if (failed === 0) {
    const ticketSkipped = report.steps.some((s) => s.step === 'queue-ticket' && isSkipped(s));
    return `All checks passed.${ticketSkipped ? ' Run glia-handoff doctor --ticket to also file a test ticket and cancel it.' : ''}`;
  }
  const skippedWords =
    blocked === 0 ? '' : `, ${blocked} skipped because of ${failed === 1 ? 'it' : 'them'}`;
  return `${failed} ${failed === 1 ? 'check' : 'checks'} failed${skippedWords}. Fix ${failed === 1 ? 'it' : 'the first'} and run glia-handoff doctor again.`;
}
