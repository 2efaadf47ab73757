/**
 * @module Wraps doctor's `fetch` to remember two things the Glia client does not report: why the
 * last connection failed (`ECONNREFUSED`, `ENOTFOUND host`), and every token Glia handed out, so
 * the report can be scrubbed of them before anything is printed.
 */
import type {GliaFetch} from '../../proxy/glia/glia-client.js';
import type {SeenAnswer} from './record.js';

export interface WatchedFetch {
  fetch: GliaFetch;
  /** Every `token` / `access_token` Glia answered with. */
  readonly tokens: Set<string>;
  /** Every answer, in order, for `--record` (unredacted: redact before writing it anywhere). */
  readonly answers: SeenAnswer[];
  /** Why the most recent failed connection failed, in a word or two. */
  readonly connectionError: string | undefined;
}

/** A `fetch` that records tokens and connection errors, and otherwise passes everything through. */
export function watchFetch(inner: GliaFetch): WatchedFetch {
  const tokens = new Set<string>();
  const answers: SeenAnswer[] = [];
  let connectionError: string | undefined;
  const fetch: GliaFetch = async (url, init) => {
    let response: Response;
    try {
      response = await inner(url, init);
    } catch (error) {
      // The client's own timeout aborts the request; that is not a connection error.
      if (!init.signal?.aborted) connectionError = describe(error);
      throw error;
    }
    const text = await response
      .clone()
      .text()
      .catch(() => '');
    const body = parseJson(text);
    collectTokens(body, tokens);
    answers.push({
      method: init.method,
      path: new URL(url).pathname,
      status: response.status,
      body: text === '' ? undefined : (body ?? text),
    });
    return response;
  };
  return {
    fetch,
    tokens,
    answers,
    get connectionError() {
      return connectionError;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function collectTokens(body: unknown, tokens: Set<string>): void {
  if (body === null || typeof body !== 'object') return;
  for (const key of ['token', 'access_token']) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') tokens.add(value);
  }
}

/** `fetch failed` hides the reason in `cause`; undici puts a code (and the host) there. */
function describe(error: unknown): string {
  const cause = (error as {cause?: {code?: unknown; hostname?: unknown; message?: unknown}}).cause;
  if (cause && typeof cause.code === 'string') {
    return typeof cause.hostname === 'string' ? `${cause.code} ${cause.hostname}` : cause.code;
  }
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
