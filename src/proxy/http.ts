/**
 * @module The proxy's HTTP vocabulary: its Hono env, the one error shape, reading a JSON body
 * against a wire schema with a message in words, and a `GliaError` as an answer.
 */
import type {Context} from 'hono';
import type {ContentfulStatusCode} from 'hono/utils/http-status';
import type {z} from 'zod/mini';
import type {ErrorBody} from '../wire/handoff/index.js';
import type {GliaError} from './glia/glia-error.js';
import {toHandoffStep} from './glia/glia-error.js';
import type {Logger} from './logger.js';
import type {SessionRecord} from './sessions/session-record.js';

/** Variables the middleware sets for the handlers. */
export interface ProxyEnv {
  Variables: {
    requestId: string;
    log: Logger;
    session: SessionRecord;
  };
}

/** What every session route and every error says to caches: they hold tokens and transcripts. */
export const NO_STORE = {'Cache-Control': 'no-store'} as const;

/** An error answer: `{error: {code, message, step?, hint?}}`, never cached. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  error: ErrorBody['error'],
  headers?: Record<string, string>
): Response {
  return c.json({error} satisfies ErrorBody, status, {...NO_STORE, ...headers});
}

/**
 * The client's address behind `trustedHops` reverse proxies of yours: the `X-Forwarded-For` entry
 * the outermost of them appended, counted from the right. Entries further left were written by the
 * client and prove nothing. With no trusted hop (or no header), the socket's address.
 */
export function clientAddress(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  trustedHops: number
): string {
  if (trustedHops > 0 && forwardedFor) {
    const entries = forwardedFor
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const appended = entries[Math.max(0, entries.length - trustedHops)];
    if (appended) return appended;
  }
  return socketAddress ?? 'unknown';
}

/**
 * A Glia failure as the browser sees it: which step, our message and our hint, never Glia's own
 * text (Glia, or a gateway before it, may echo the request with its credentials). The logs and
 * `doctor` keep Glia's text, redacted of every token.
 */
export function gliaErrorResponse(
  c: Context,
  error: GliaError,
  doing: string,
  status?: ContentfulStatusCode
): Response {
  const unreachable = error.failure === 'network' || error.failure === 'timeout';
  const rateLimited = error.status === 429;
  return errorResponse(
    c,
    status ?? (unreachable || rateLimited ? 503 : 502),
    {
      code: unreachable ? 'glia-unavailable' : rateLimited ? 'glia-rate-limited' : 'glia-error',
      message: `${doing} failed at step "${error.step}" (${error.status ?? error.failure}).`,
      step: toHandoffStep(error.step),
      hint: error.hint,
    },
    rateLimited ? {'Retry-After': String(error.retryAfterSeconds ?? 5)} : undefined
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : 'the body';
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `${where} is required`
        : `${where} must be a ${issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? `${where} must not be empty`
          : `${where} must be at least ${issue.minimum} characters`;
      }
      return `${where} must have at least ${issue.minimum} entries`;
    case 'too_big':
      return issue.origin === 'string'
        ? `${where} must be at most ${issue.maximum} characters`
        : `${where} must have at most ${issue.maximum} entries`;
    case 'unrecognized_keys':
      return `${where} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'invalid_format':
      return `${where} must be a valid ${issue.format === 'regex' ? 'value' : issue.format}`;
    case 'invalid_value':
      return `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** The problems of a failed parse, in words, most important first. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.slice(0, 3).map(describeIssue).join('; ');
}

/** A 400 `validation` answer. */
export function validationResponse(c: Context, message: string): Response {
  return errorResponse(c, 400, {code: 'validation', message});
}

/** Reads the body as JSON and parses it with `schema`; a bad body becomes a 400 in words. */
export async function readJson<S extends z.ZodMiniType>(
  c: Context,
  schema: S
): Promise<{ok: true; data: z.infer<S>} | {ok: false; response: Response}> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    if (text.trim() === '') {
      return {ok: false, response: validationResponse(c, 'The body must be a JSON object.')};
    }
    raw = JSON.parse(text);
  } catch {
    return {ok: false, response: validationResponse(c, 'The body is not valid JSON.')};
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return {ok: false, response: validationResponse(c, describeIssues(parsed.error.issues))};
  }
  return {ok: true, data: parsed.data as z.infer<S>};
}
