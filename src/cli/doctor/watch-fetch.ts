/**
 * @module Wraps doctor's `fetch` to remember two things the Glia client does not report: why the
 * last connection failed (`ECONNREFUSED`, `ENOTFOUND host`), and every token Glia handed out, so
 * the report can be scrubbed of them before anything is printed.
 */
import type {GliaFetch} from '../../proxy/glia/glia-client.js';

export interface WatchedFetch {
  fetch: GliaFetch;
  /** Every `token` / `access_token` Glia answered with. */
  readonly tokens: Set<string>;
  /** Why the most recent failed connection failed, in a word or two. */
  readonly connectionError: string | undefined;
}

/** A `fetch` that records tokens and connection errors, and otherwise passes everything through. */
export function watchFetch(inner: GliaFetch): WatchedFetch {
  const tokens = new Set<string>();
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
    await collectTokens(response.clone(), tokens);
    return response;
  };
  return {
    fetch,
    tokens,
    get connectionError() {
      return connectionError;
    },
  };
}

async function collectTokens(response: Response, tokens: Set<string>): Promise<void> {
  try {
    const body = (await response.json()) as Record<string, unknown>;
    for (const key of ['token', 'access_token']) {
      const value = body[key];
      if (typeof value === 'string' && value !== '') tokens.add(value);
    }
  } catch {
    // Not JSON: no token in it.
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
