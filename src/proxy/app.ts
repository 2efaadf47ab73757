/**
 * @module `createProxyApp(deps)`: the token proxy as a Hono app. Everything it touches is injected
 * (configuration, Glia's `fetch`, clock, timers, log sink), so tests run it in-process against the
 * simulator and `glia-handoff proxy` runs it on a port.
 */
import {getConnInfo} from '@hono/node-server/conninfo';
import type {Context} from 'hono';
import {Hono} from 'hono';
import {cors} from 'hono/cors';
import {requestId} from 'hono/request-id';
import {LIMITS} from '../wire/handoff/index.js';
import type {ProxyConfig} from './config.js';
import type {GliaClientOptions, GliaFetch} from './glia/glia-client.js';
import {limitBody} from './body-limit.js';
import {DriftReporter} from './glia/drift.js';
import {GliaClient} from './glia/glia-client.js';
import {QueueWait} from './glia/queue-wait.js';
import type {Timers} from './handoff.js';
import {Handoff} from './handoff.js';
import type {ProxyEnv} from './http.js';
import {NO_STORE, clientAddress as addressOf, errorResponse} from './http.js';
import type {LogLevel, Logger} from './logger.js';
import {SecretRegistry, createLogger} from './logger.js';
import {Metrics} from './metrics.js';
import type {RateLimit} from './rate-limit.js';
import {healthRoutes} from './routes/health.js';
import {sessionEventRoutes} from './routes/session-events.js';
import {sessionRoutes} from './routes/sessions.js';
import {webhookReceiver, webhookRoutes} from './routes/webhooks.js';
import {widgetRoutes} from './routes/widget-assets.js';
import {createMemoryStore} from './sessions/memory-store.js';
import {createRedisStore} from './sessions/redis-store.js';
import {OpenStreams} from './sessions/open-streams.js';
import type {SessionStore} from './sessions/ports.js';
import {StoreUnavailableError} from './sessions/ports.js';
import {isTerminal} from './sessions/session-record.js';
import type {RelayProbe} from './relay-probe.js';
import type {FailureAnswer, NodeFastPath} from './webhook-fast-path.js';
import {webhookFastPath} from './webhook-fast-path.js';

/** The rate limits, each a token bucket. */
export interface ProxyLimits {
  /** New sessions per client address (default 10 at once, then 10 a minute). */
  newSessionsPerAddress: RateLimit;
  /** Visitor messages per session (default 20 at once, then 1 a second). */
  messagesPerSession: RateLimit;
  /** Typing updates per session (default 30 at once, then 2 a second). */
  typingPerSession: RateLimit;
  /** File uploads per session (default 10 at once, then 10 a minute). */
  uploadsPerSession: RateLimit;
}

export const DEFAULT_LIMITS: ProxyLimits = {
  newSessionsPerAddress: {capacity: 10, refillPerSecond: 10 / 60},
  messagesPerSession: {capacity: 20, refillPerSecond: 1},
  typingPerSession: {capacity: 30, refillPerSecond: 2},
  uploadsPerSession: {capacity: 10, refillPerSecond: 10 / 60},
};

/**
 * The store the configuration asks for: Redis with `REDIS_URL` (connected now; throws if it cannot
 * be reached), else memory. A session's Redis keys live twice the idle time after its last
 * activity: the idle sweep forgets it first, the TTL is the backstop.
 */
export async function createConfiguredStore(
  config: ProxyConfig,
  limits: ProxyLimits = DEFAULT_LIMITS
): Promise<SessionStore> {
  if (!config.redisUrl) {
    return createMemoryStore({now: Date.now, limits, encryptionKey: config.sessionEncryptionKey});
  }
  return createRedisStore({
    url: config.redisUrl,
    encryptionKey: config.sessionEncryptionKey ?? '',
    limits,
    ttlSeconds: config.sessionIdleSeconds * 2,
  });
}

/** What `createProxyApp` is given. Only `config` and `fetch` are required. */
export interface ProxyDeps {
  config: ProxyConfig;
  /** Reaches Glia: global `fetch` in production, the simulator's `app.request` in tests. */
  fetch: GliaFetch;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Timers for heartbeats, typing and the idle sweep (default the global ones). */
  timers?: Timers;
  /** Session ids (default `crypto.randomUUID`). */
  randomUUID?: () => string;
  /**
   * Where sessions live (default a new in-memory store). A store given here belongs to the caller,
   * who closes it after the app (`createStore` makes one from the configuration).
   */
  store?: SessionStore;
  /** Receives each JSON log line, already redacted (default stdout). */
  logWrite?: (line: string) => void;
  logLevel?: LogLevel;
  /** Glia client settings beyond the configuration: timeout, retry, sleep, jitter. */
  glia?: Pick<GliaClientOptions, 'timeoutMs' | 'retry' | 'sleep' | 'random'>;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** Events a stream that is behind gets before it ends and is resumed (default 200). */
  replayLimit?: number;
  /** Least time between two typing updates to Glia (default 3 s). */
  typingIntervalMs?: number;
  /** How often idle sessions are swept (default 60 s; 0 = never, call `sweep()` yourself). */
  sweepIntervalMs?: number;
  limits?: Partial<ProxyLimits>;
  /** The client's address for the per-address limit (default: the socket's, or X-Forwarded-For with TRUST_PROXY). */
  clientAddress?: (c: Context) => string;
  /** The widget's build directory, served at /handoff/widget.js and /handoff/assets/. */
  widgetDir?: string;
  /** The bench's measure of the proxy's own time per relayed event (absent in production). */
  probe?: RelayProbe;
}

/** The parts of a running proxy that its owner (the CLI, a test, the demo) may reach. */
export interface ProxyControls {
  readonly handoff: Handoff;
  readonly store: SessionStore;
  readonly streams: OpenStreams;
  readonly metrics: Metrics;
  readonly glia: GliaClient;
  /**
   * Glia's webhook deliveries straight off Node's request, past Hono (webhook-fast-path.ts); give
   * it to `listen` (src/cli/command.ts). Every other request, and every request through `fetch`,
   * takes the Hono routes, which answer deliveries the same way.
   */
  readonly fastPath: NodeFastPath;
  /** Ends and forgets idle sessions now; returns how many. */
  sweep(): Promise<number>;
  /** Catches up every engaged session from Glia's transcript (done once at start). */
  catchUp(): Promise<void>;
  /**
   * Stops the sweep and closes every stream. With a store that outlives the process (Redis) no
   * conversation ends: the browsers reconnect to another instance. With the memory store every
   * open conversation ends in Glia as ended by the system, and the visitors are told first.
   */
  close(): Promise<void>;
}

/** The Hono app (use `.fetch` or `.request`) with its controls. */
export type ProxyApp = Hono<ProxyEnv> & ProxyControls;

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The answer to a request that failed in the proxy: a store that is down, or a bug. */
function failureAnswer(error: unknown, log: Logger, path: string): FailureAnswer {
  if (error instanceof StoreUnavailableError) {
    // Nothing was half-written: each change is one atomic commit, which did not happen.
    log.warn('session store unreachable', {path});
    return {
      status: 503,
      error: {
        code: 'store-unavailable',
        message: 'The chat service is briefly unavailable. Trying again shortly will work.',
      },
      headers: {'Retry-After': '2'},
    };
  }
  const {name, message} = error instanceof Error ? error : new Error(String(error));
  log.error('unhandled error', {error: {name, message}});
  return {status: 500, error: {code: 'internal', message: 'Something went wrong in the proxy.'}};
}

/** Builds the proxy. Starts no server; starts the idle sweep timer unless `sweepIntervalMs` is 0. */
export function createProxyApp(deps: ProxyDeps): ProxyApp {
  const {config} = deps;
  const now = deps.now ?? (() => Date.now());
  const timers = deps.timers ?? defaultTimers;
  const secrets = new SecretRegistry();
  secrets.add(config.glia.apiKeySecret);
  if (config.sessionEncryptionKey) secrets.add(config.sessionEncryptionKey);
  const logger = createLogger({write: deps.logWrite, level: deps.logLevel, secrets, now});
  const metrics = new Metrics();
  const drift = new DriftReporter({metrics, logger, now});
  const glia = new GliaClient({
    ...config.glia,
    ...deps.glia,
    fetch: deps.fetch,
    now,
    onCall: ({step, status}) =>
      metrics.inc('glia_handoff_glia_calls_total', {step, status: String(status)}),
    onTokenExchange: ({credentialType, ok}) =>
      metrics.inc('glia_handoff_token_exchanges_total', {
        credential_type: credentialType,
        outcome: ok ? 'ok' : 'error',
      }),
    onUnexpected: (step, gap) => drift.report(step, gap),
    secrets,
  });
  const limits = {...DEFAULT_LIMITS, ...deps.limits};
  const ownStore = deps.store === undefined;
  const store =
    deps.store ?? createMemoryStore({now, limits, encryptionKey: config.sessionEncryptionKey});
  const streams = new OpenStreams();
  const handoff = new Handoff({
    glia,
    store,
    randomUUID: deps.randomUUID,
    config,
    logger,
    metrics,
    secrets,
    now,
    timers,
    typingIntervalMs: deps.typingIntervalMs ?? 3000,
    probe: deps.probe,
  });
  const clientAddress =
    deps.clientAddress ??
    ((c: Context) => {
      let socket: string | undefined;
      try {
        socket = getConnInfo(c).remote.address;
      } catch {
        // Not on a Node socket (app.request in tests).
      }
      return addressOf(c.req.header('x-forwarded-for'), socket, config.trustProxy);
    });

  if ('sessionCounts' in store && typeof store.sessionCounts === 'function') {
    const counted = store as {sessionCounts(): Map<string, number>};
    metrics.gauge('glia_handoff_sessions', 'Sessions in memory, by status.', () => {
      const counts = counted.sessionCounts();
      return ['queued', 'engaged', 'ended', 'failed'].map((status) => ({
        labels: {status},
        value: counts.get(status) ?? 0,
      }));
    });
  }
  metrics.gauge('glia_handoff_open_streams', 'Open SSE streams on this instance.', () => [
    {labels: {}, value: streams.total},
  ]);

  const app = new Hono<ProxyEnv>();
  app.use(requestId({generator: deps.randomUUID}));
  app.use(async (c, next) => {
    const started = now();
    c.set('log', logger.child({requestId: c.var.requestId}));
    await next();
    // Glia's deliveries are machine traffic, one per chat event, counted in the metrics: logged
    // only at debug unless refused. What a browser asks is logged at info.
    const routine = c.res.status < 400 && c.req.path.startsWith('/handoff/webhooks/');
    c.var.log[routine ? 'debug' : 'info']('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: now() - started,
    });
  });
  app.onError((error, c) => {
    const {status, error: failed, headers} = failureAnswer(error, c.var.log ?? logger, c.req.path);
    return errorResponse(c, status, failed, headers);
  });
  app.notFound((c) => errorResponse(c, 404, {code: 'not-found', message: 'No such route.'}));

  const allowedOrigins = new Set([...config.allowedOrigins, new URL(config.publicUrl).origin]);
  const bodyWithinLimit = limitBody(LIMITS.bodyBytes, (c) =>
    errorResponse(c, 413, {
      code: 'too-large',
      message: `The body is larger than ${LIMITS.bodyBytes} bytes.`,
    })
  );
  // `/handoff/sessions/*` covers `/handoff/sessions` itself too.
  const sessionPaths = '/handoff/sessions/*';
  app.use(
    sessionPaths,
    cors({
      origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID', 'X-File-Name'],
      exposeHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: 600,
    })
  );
  // CORS only tells the browser what it may read; this refuses the request itself from a foreign
  // page. Requests without Origin (curl, servers) are not from a browser page and pass.
  app.use(sessionPaths, async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      return errorResponse(c, 403, {
        code: 'origin-not-allowed',
        message: `Pages from ${origin.slice(0, 200)} may not use this proxy: add the origin to ALLOWED_ORIGINS.`,
      });
    }
    await next();
    return undefined;
  });
  app.use(sessionPaths, async (c, next) => {
    c.header('Cache-Control', NO_STORE['Cache-Control']);
    await next();
  });
  // An upload streams to Glia as it arrives, counted against FILE_MAX_BYTES on the way (handoff.ts).
  const isUpload = (c: Context) =>
    c.req.method === 'PUT' && /^\/handoff\/sessions\/[^/]+\/uploads\/[^/]+$/.test(c.req.path);
  app.use(sessionPaths, (c, next) => (isUpload(c) ? next() : bodyWithinLimit(c, next)));
  app.use('/handoff/webhooks/*', bodyWithinLimit);

  app.route('/', healthRoutes({glia, metrics, logger, now, store}));
  app.route(
    '/handoff/sessions',
    sessionRoutes({
      handoff,
      store,
      metrics,
      now,
      clientAddress,
      maxQueued: {total: config.maxQueuedSessions, perAddress: config.maxQueuedPerAddress},
      queueWait: new QueueWait({glia, now}),
      fileTypes: config.files.contentTypes,
    })
  );
  app.route(
    '/handoff/sessions',
    sessionEventRoutes({
      store,
      handoff,
      streams,
      logger,
      now,
      timers,
      heartbeatMs: deps.heartbeatMs ?? 15_000,
      maxStreams: config.maxEventStreams,
      replayLimit: deps.replayLimit,
      probe: deps.probe,
    })
  );
  const receiveWebhook = webhookReceiver({
    handoff,
    store,
    metrics,
    drift,
    fileScanEvent: config.files.scanEvent,
  });
  app.route('/handoff/webhooks/glia', webhookRoutes(receiveWebhook));
  const fastPath = webhookFastPath({
    receive: receiveWebhook,
    logger,
    randomUUID: deps.randomUUID ?? (() => crypto.randomUUID()),
    now,
    maxBodyBytes: LIMITS.bodyBytes,
    failure: failureAnswer,
  });
  app.route('/handoff', widgetRoutes(deps.widgetDir));

  const sweepIntervalMs = deps.sweepIntervalMs ?? 60_000;
  let sweepTimer: unknown;
  let closed = false;
  const sweep = () => handoff.sweep();
  const schedule = () => {
    if (closed || sweepIntervalMs <= 0) return;
    sweepTimer = timers.setTimeout(() => {
      void sweep()
        .catch((error: unknown) => logger.error('idle sweep failed', {error}))
        .finally(schedule);
    }, sweepIntervalMs);
    // A pending sweep must not keep the process alive on its own.
    (sweepTimer as {unref?: () => void} | undefined)?.unref?.();
  };
  schedule();

  const catchUp = () =>
    handoff.catchUpAll().catch((error: unknown) => {
      logger.warn('could not catch up from the transcripts', {error});
    });

  const close = async () => {
    closed = true;
    if (sweepTimer !== undefined) timers.clearTimeout(sweepTimer);
    if (!store.durable) {
      // The conversations end with this process: end them in Glia and tell the visitors first
      // (their streams write the `ended` event, then close as the sessions are forgotten).
      const ids = await store.sessions.ids().catch(() => []);
      await Promise.allSettled(
        ids.map(async (id) => {
          const record = await store.sessions.get(id);
          if (record && !isTerminal(record)) {
            await handoff.end(id, 'system').catch((error: unknown) => {
              logger.warn('could not end a conversation on shutdown', {session: id, error});
            });
          }
          await handoff.forget(id);
        })
      );
    }
    await streams.closeAll();
    if (ownStore) await store.close();
  };

  return Object.assign(app, {
    handoff,
    store,
    streams,
    metrics,
    glia,
    fastPath,
    sweep,
    catchUp,
    close,
  });
}
