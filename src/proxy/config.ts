/**
 * @module The proxy's configuration from the environment (docs/operations.md, "Configuration"), parsed with
 * zod. Every problem names its variable; no message repeats a secret's value.
 */
import {z} from 'zod/mini';
import {
  DEFAULT_FILE_SCAN_EVENT,
  GliaEnv,
  SECRET_ENV_VARS,
  httpBaseUrl,
} from '../wire/glia/index.js';
import type {CredentialTypeSetting} from '../wire/glia/index.js';
import {LIMITS} from '../wire/handoff/index.js';
import {DEFAULT_FILE_CONTENT_TYPES, SNIFFABLE_CONTENT_TYPES} from './files/file-types.js';

/** Everything the proxy needs to run, typed. Only `config.ts` and `glia-client.ts` see the secret. */
export interface ProxyConfig {
  glia: {
    apiBase: string;
    siteId: string;
    queueId: string;
    apiKeyId: string;
    apiKeySecret: string;
    credentialType: CredentialTypeSetting;
  };
  /** Where Glia reaches this proxy: the webhooks go to `${publicUrl}/handoff/webhooks/glia/<id>`. */
  publicUrl: string;
  /** Origins of the pages that may embed the widget (the public URL's own origin is always allowed). */
  allowedOrigins: string[];
  /** Queues a page may name besides `glia.queueId` (`ALLOWED_QUEUES`); lower-case uuids. */
  allowedQueues: string[];
  port: number;
  host: string;
  /** Subscribe to the simulator's `engagement.operator_typing` webhook (Glia has none known). */
  operatorTypingEvent: boolean;
  /** A session with no request and no open stream for this long is ended and forgotten. */
  sessionIdleSeconds: number;
  /**
   * How many reverse proxies of yours stand in front of this one (0: none). The client address is
   * the `X-Forwarded-For` entry the outermost of them appended: counted from the right, since
   * everything left of it was written by the client.
   */
  trustProxy: number;
  /** Open event streams the whole process serves at most (`MAX_EVENT_STREAMS`). */
  maxEventStreams: number;
  /** Conversations waiting for an agent at once: all of them, and those of one client address. */
  maxQueuedSessions: number;
  maxQueuedPerAddress: number;
  /** What a visitor may upload, before the engagement's own permissions narrow it (`FILE_*`). */
  files: {
    /** Bytes of one upload at most (`FILE_MAX_BYTES`, at most Glia's 25 MB). */
    maxBytes: number;
    /** The content types the proxy takes, each one it can recognise by its first bytes. */
    contentTypes: string[];
    /** The webhook event Glia reports a file's security scan with (`GLIA_FILE_SCAN_EVENT`). */
    scanEvent: string;
  };
  /** Redis for sessions shared by several instances; unset: sessions live in this process. */
  redisUrl?: string;
  /** Seals the visitors' Glia tokens at rest (required with Redis). */
  sessionEncryptionKey?: string;
}

/** One problem with one variable. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** The configuration cannot be used; `message` lists every problem, one line each. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(
      `The configuration is not valid:\n${problems.map((p) => `  ${p.variable} ${p.message}`).join('\n')}`
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const bool = (fallback: boolean) =>
  z._default(
    z.pipe(
      z
        .string()
        .check(
          z.refine((v) => /^(true|false|1|0|yes|no)$/i.test(v.trim()), 'must be true or false')
        ),
      z.transform((v: string) => /^(true|1|yes)$/i.test(v.trim()))
    ),
    fallback
  );

const integer = (min: number, max: number, what: string) =>
  z.pipe(
    z
      .string()
      .check(z.refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max, what)),
    z.transform((v: string) => Number(v))
  );

function isOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/?#\s]+\/?$/i.test(value) || !URL.canParse(value)) return false;
  return new URL(value).origin !== 'null';
}

const ProxyEnv = z.object({
  PUBLIC_URL: z.pipe(
    z.string({
      error:
        'is not set: the URL where Glia can reach this proxy, e.g. https://handoff.example.com',
    }),
    httpBaseUrl('https://handoff.example.com')
  ),
  ALLOWED_ORIGINS: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((v: string) =>
          v
            .split(',')
            .map((origin) => origin.trim())
            .filter((origin) => origin !== '')
        ),
        z.array(
          z
            .string()
            .check(
              z.refine(
                isOrigin,
                'must list origins like https://intranet.example.com, comma-separated'
              )
            )
        )
      )
    ),
    []
  ),
  ALLOWED_QUEUES: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((v: string) =>
          v
            .split(',')
            .map((queue) => queue.trim())
            .filter((queue) => queue !== '')
        ),
        z.array(
          z.uuid({
            error: 'must list queue ids (UUIDs, as in Glia Hub), comma-separated',
          })
        )
      )
    ),
    []
  ),
  PORT: z._default(integer(0, 65535, 'must be a port number (0–65535)'), 8080),
  HOST: z._default(
    z.string().check(z.minLength(1, 'is empty: the address to listen on')),
    '0.0.0.0'
  ),
  GLIA_OPERATOR_TYPING_EVENT: bool(false),
  SESSION_IDLE_SECONDS: z._default(
    integer(60, 7 * 24 * 3600, 'must be a number of seconds between 60 and 604800'),
    1800
  ),
  TRUST_PROXY: z._default(
    z.pipe(
      z
        .string()
        .check(
          z.refine(
            (v) => /^(true|false|yes|no|\d{1,2})$/i.test(v.trim()),
            'must be true, false, or the number of your reverse proxies in front of this one (0–99)'
          )
        ),
      z.transform((v: string) => {
        const value = v.trim().toLowerCase();
        if (value === 'true' || value === 'yes') return 1;
        if (value === 'false' || value === 'no') return 0;
        return Number(value);
      })
    ),
    0
  ),
  MAX_EVENT_STREAMS: z._default(integer(1, 1_000_000, 'must be a whole number from 1'), 10_000),
  MAX_QUEUED_SESSIONS: z._default(integer(1, 1_000_000, 'must be a whole number from 1'), 500),
  MAX_QUEUED_PER_ADDRESS: z._default(integer(1, 1_000_000, 'must be a whole number from 1'), 5),
  FILE_MAX_BYTES: z._default(
    integer(1, LIMITS.fileBytes, `must be a number of bytes from 1 to ${LIMITS.fileBytes} (25 MB)`),
    LIMITS.fileBytes
  ),
  FILE_CONTENT_TYPES: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((v: string) =>
          v
            .split(',')
            .map((type) => type.trim().toLowerCase())
            .filter((type) => type !== '')
        ),
        z.array(
          z
            .string()
            .check(
              z.refine(
                (type) => (SNIFFABLE_CONTENT_TYPES as readonly string[]).includes(type),
                `must list content types the proxy can recognise, comma-separated: ${SNIFFABLE_CONTENT_TYPES.join(', ')}`
              )
            )
        )
      )
    ),
    [...DEFAULT_FILE_CONTENT_TYPES]
  ),
  GLIA_FILE_SCAN_EVENT: z._default(
    z
      .string()
      .check(
        z.trim(),
        z.regex(/^[a-z0-9_.]{1,200}$/i, 'must be an event name like engagement.file.security_scan')
      ),
    DEFAULT_FILE_SCAN_EVENT
  ),
  REDIS_URL: z.optional(
    z
      .string()
      .check(
        z.refine(
          (v) => v.trim() === '' || /^rediss?:\/\/[^\s]+$/.test(v.trim()),
          'must be a redis:// or rediss:// URL, e.g. redis://localhost:6379'
        )
      )
  ),
  SESSION_ENCRYPTION_KEY: z.optional(
    z
      .string()
      .check(
        z.refine(
          (v) => v.trim() === '' || v.trim().length >= 32,
          'must be at least 32 characters (e.g. `openssl rand -base64 32`)'
        )
      )
  ),
});

/** Variables whose value may be quoted back in a message, to show what was wrong. */
const QUOTABLE = new Set([
  'GLIA_API_BASE',
  'GLIA_SITE_ID',
  'GLIA_QUEUE_ID',
  'GLIA_CREDENTIAL_TYPE',
  'PUBLIC_URL',
  'ALLOWED_ORIGINS',
  'ALLOWED_QUEUES',
  'PORT',
  'SESSION_IDLE_SECONDS',
  'TRUST_PROXY',
  'MAX_EVENT_STREAMS',
  'MAX_QUEUED_SESSIONS',
  'MAX_QUEUED_PER_ADDRESS',
  'FILE_MAX_BYTES',
  'FILE_CONTENT_TYPES',
  'GLIA_FILE_SCAN_EVENT',
]);

function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  env: Record<string, string | undefined>
): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const variable = String(issue.path[0] ?? 'environment');
    if (seen.has(variable)) continue;
    seen.add(variable);
    const value = env[variable];
    const quoted =
      QUOTABLE.has(variable) &&
      value !== undefined &&
      !(SECRET_ENV_VARS as readonly string[]).includes(variable)
        ? ` (got ${JSON.stringify(value.slice(0, 120))})`
        : '';
    problems.push({variable, message: `${issue.message}${quoted}`});
  }
  return problems;
}

/** Reads the configuration from `env` (e.g. `process.env`); throws a `ConfigError` naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ProxyConfig {
  const glia = GliaEnv.safeParse(env);
  const proxy = ProxyEnv.safeParse(env);
  const issues = [...(glia.error?.issues ?? []), ...(proxy.error?.issues ?? [])];
  if (!glia.success || !proxy.success) throw new ConfigError(problemsOf(issues, env));
  const g = glia.data;
  const p = proxy.data;
  const redisUrl = p.REDIS_URL?.trim() || undefined;
  const sessionEncryptionKey = p.SESSION_ENCRYPTION_KEY?.trim() || undefined;
  if (redisUrl && !sessionEncryptionKey) {
    // Sessions in Redis hold the visitors' Glia tokens: never without a key of our own.
    throw new ConfigError([
      {
        variable: 'SESSION_ENCRYPTION_KEY',
        message:
          "is not set, but REDIS_URL is: the visitors' Glia tokens are sealed in Redis with this key (at least 32 characters, the same on every instance, e.g. `openssl rand -base64 32`)",
      },
    ]);
  }
  return {
    glia: {
      apiBase: g.GLIA_API_BASE,
      siteId: g.GLIA_SITE_ID,
      queueId: g.GLIA_QUEUE_ID,
      apiKeyId: g.GLIA_API_KEY_ID,
      apiKeySecret: g.GLIA_API_KEY_SECRET,
      credentialType: g.GLIA_CREDENTIAL_TYPE,
    },
    publicUrl: p.PUBLIC_URL,
    allowedOrigins: p.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin),
    allowedQueues: p.ALLOWED_QUEUES.map((queue) => queue.toLowerCase()),
    port: p.PORT,
    host: p.HOST,
    operatorTypingEvent: p.GLIA_OPERATOR_TYPING_EVENT,
    sessionIdleSeconds: p.SESSION_IDLE_SECONDS,
    trustProxy: p.TRUST_PROXY,
    maxEventStreams: p.MAX_EVENT_STREAMS,
    maxQueuedSessions: p.MAX_QUEUED_SESSIONS,
    maxQueuedPerAddress: p.MAX_QUEUED_PER_ADDRESS,
    files: {
      maxBytes: p.FILE_MAX_BYTES,
      contentTypes: [...new Set(p.FILE_CONTENT_TYPES)],
      scanEvent: p.GLIA_FILE_SCAN_EVENT,
    },
    ...(redisUrl ? {redisUrl} : {}),
    ...(sessionEncryptionKey ? {sessionEncryptionKey} : {}),
  };
}
