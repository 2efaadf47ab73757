/** @module What a simulator can be given, and the defaults for what it is not given. */
import {randomUUID} from 'node:crypto';
import {DEFAULT_FILE_SCAN_EVENT} from '../wire/glia/index.js';
import {httpWebhookFetch} from './http-webhook-fetch.js';
import type {Timers} from './scheduler.js';

/** The auto-operator: accepts every waiting ticket on an open queue and answers every message. */
export interface AutoOperatorOptions {
  /** Delay between a ticket arriving and the operator accepting it. */
  acceptAfterMs: number;
  /** Delay between a visitor message and the operator's answer. */
  replyAfterMs: number;
  /** Who accepts; defaults to the first seeded operator. */
  operatorName?: string;
}

/**
 * The shapes the simulator answers in. `recorded`: Glia's recorded and documented answers (every
 * field they show, absolute hrefs, timestamps in all four forms seen). `sparse`: only what
 * integrators confirm they receive (a ticket answer `{id}`, chat messages without `id` and
 * `sender`, `engagement.start` as `{id, source, visitor_id}`, …). The proxy must work with both.
 */
export const SHAPES = ['recorded', 'sparse'] as const;
export type Shapes = (typeof SHAPES)[number];

/** How failed webhook deliveries are retried. */
export interface WebhookRetryOptions {
  /** Total attempts per delivery, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled before each further one. */
  baseDelayMs: number;
}

/**
 * Delivers one webhook. Global `fetch` fits, and so does a Hono app's `request`, so a proxy's tests
 * can take the simulator's webhooks in-process.
 */
export type WebhookFetch = (
  url: string,
  init: {method: string; headers: Record<string, string>; body: string; signal?: AbortSignal}
) => Response | Promise<Response>;

/** Everything `createSimulator`/`createSimulatorApp` accept; all optional. */
export interface SimulatorDeps {
  /** The clock in ms since the epoch (default `Date.now`). Tokens expire against it. */
  now?: () => number;
  /** Id generator (default `crypto.randomUUID`). */
  randomUUID?: () => string;
  /** Delivers webhooks: `fetch(url, {method, headers, body})` (default node:http, see http-webhook-fetch.ts). */
  fetch?: WebhookFetch;
  /** Timers for every delay (default the global ones); pass a fake clock's in tests. */
  timers?: Timers;
  /** Lifetime of service and site tokens (default 3600). */
  tokenTtlSeconds?: number;
  /** Lifetime of visitor tokens (default 14 days, like Glia's documented example). */
  visitorTokenTtlSeconds?: number;
  /** Off by default. */
  autoOperator?: AutoOperatorOptions | false;
  /** Default: 4 attempts, 500 ms, 1 s, 2 s apart. */
  webhookRetry?: WebhookRetryOptions;
  /** A delivery not answered within this is a failed attempt (default 10 s). */
  webhookTimeoutMs?: number;
  /** Delay before `engagement.chat.message_status` follows a visitor message (default 200 ms). */
  messageStatusDelayMs?: number;
  /** Largest accepted request body in bytes (default 64 KB). */
  maxBodyBytes?: number;
  /** The shapes of Glia's answers and webhooks (default `recorded`). */
  shapes?: Shapes;
  /** How an upload's security scan ends, and after how long (default clean after 300 ms). */
  fileScan?: FileScanOptions;
  /** The webhook event that reports a scan (default `engagement.file.security_scan`, [SIM-CHOICE]). */
  fileScanEvent?: string;
  /** What new engagements allow the visitor to send (default: allowed; images, PDF, text). */
  fileSending?: {allowed: boolean; contentTypes: string[]};
}

/** The outcome of every upload's security scan. */
export interface FileScanOptions {
  delayMs: number;
  result: 'clean' | 'infected';
}

/** The live configuration; `POST /__sim/config` changes it at run time. */
export interface SimulatorConfig {
  tokenTtlSeconds: number;
  visitorTokenTtlSeconds: number;
  autoOperator: AutoOperatorOptions | false;
  webhookRetry: WebhookRetryOptions;
  webhookTimeoutMs: number;
  messageStatusDelayMs: number;
  maxBodyBytes: number;
  shapes: Shapes;
  fileScan: FileScanOptions;
  fileScanEvent: string;
  fileSending: {allowed: boolean; contentTypes: string[]};
}

/** Deps with every default filled in. */
export interface ResolvedDeps {
  now: () => number;
  randomUUID: () => string;
  fetch: WebhookFetch;
  timers: Timers;
}

export const DEFAULT_CONFIG: SimulatorConfig = {
  tokenTtlSeconds: 3600,
  visitorTokenTtlSeconds: 14 * 24 * 3600,
  autoOperator: false,
  webhookRetry: {attempts: 4, baseDelayMs: 500},
  webhookTimeoutMs: 10_000,
  messageStatusDelayMs: 200,
  maxBodyBytes: 64 * 1024,
  shapes: 'recorded',
  fileScan: {delayMs: 300, result: 'clean'},
  fileScanEvent: DEFAULT_FILE_SCAN_EVENT,
  fileSending: {
    allowed: true,
    contentTypes: [
      'image/png',
      'image/jpeg',
      'image/gif',
      'image/webp',
      'application/pdf',
      'text/plain',
    ],
  },
};

/** Splits deps into the injected functions and the initial configuration. */
export function resolveDeps(deps: SimulatorDeps): {
  resolved: ResolvedDeps;
  config: SimulatorConfig;
} {
  return {
    resolved: {
      now: deps.now ?? (() => Date.now()),
      randomUUID: deps.randomUUID ?? (() => randomUUID()),
      fetch: deps.fetch ?? httpWebhookFetch,
      timers: deps.timers ?? {
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    },
    config: {
      tokenTtlSeconds: deps.tokenTtlSeconds ?? DEFAULT_CONFIG.tokenTtlSeconds,
      visitorTokenTtlSeconds: deps.visitorTokenTtlSeconds ?? DEFAULT_CONFIG.visitorTokenTtlSeconds,
      autoOperator: deps.autoOperator ?? DEFAULT_CONFIG.autoOperator,
      webhookRetry: deps.webhookRetry ?? DEFAULT_CONFIG.webhookRetry,
      webhookTimeoutMs: deps.webhookTimeoutMs ?? DEFAULT_CONFIG.webhookTimeoutMs,
      messageStatusDelayMs: deps.messageStatusDelayMs ?? DEFAULT_CONFIG.messageStatusDelayMs,
      maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_CONFIG.maxBodyBytes,
      shapes: deps.shapes ?? DEFAULT_CONFIG.shapes,
      fileScan: {...(deps.fileScan ?? DEFAULT_CONFIG.fileScan)},
      fileScanEvent: deps.fileScanEvent ?? DEFAULT_CONFIG.fileScanEvent,
      fileSending: structuredClone(deps.fileSending ?? DEFAULT_CONFIG.fileSending),
    },
  };
}
