/**
 * Helpers for the proxy suites: a proxy wired to a real simulator in-process (the proxy's Glia
 * fetch is the simulator's `app.request`, the simulator's webhook fetch is the proxy's), a browser
 * that speaks the HTTP contract, an SSE reader, and a recorder of every secret Glia handed out and
 * every byte the browser or the logs saw.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import type {Listening} from '../../src/cli/command.js';
import {listen} from '../../src/cli/command.js';
import type {ProxyApp, ProxyDeps} from '../../src/proxy/app.js';
import {createProxyApp} from '../../src/proxy/app.js';
import type {NodeFastPath} from '../../src/proxy/webhook-fast-path.js';
import {loadConfig} from '../../src/proxy/config.js';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {createSimulator} from '../../src/simulator/app.js';
import type {SimulatorDeps} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';
import type {
  ChatEvent,
  SessionSnapshot,
  StartSessionResponse,
} from '../../src/wire/handoff/index.js';
import {ChatEvent as ChatEventSchema} from '../../src/wire/handoff/index.js';

export {SEED};

export const GLIA_BASE = 'http://glia.test';
export const PUBLIC_URL = 'http://proxy.test';
export const PAGE_ORIGIN = 'http://intranet.test';

/** The environment of a proxy configured for the simulator's seeded Service Credential. */
export function simEnv(
  overrides: Record<string, string | undefined> = {}
): Record<string, string | undefined> {
  return {
    GLIA_API_BASE: GLIA_BASE,
    GLIA_SITE_ID: SEED.siteId,
    GLIA_QUEUE_ID: SEED.openQueue.id,
    GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
    GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
    PUBLIC_URL,
    ALLOWED_ORIGINS: PAGE_ORIGIN,
    GLIA_OPERATOR_TYPING_EVENT: 'true',
    ...overrides,
  };
}

/** The same for the seeded legacy Site API key. */
export const SITE_KEY_ENV = {
  GLIA_API_KEY_ID: SEED.siteApiKey.apiKeyId,
  GLIA_API_KEY_SECRET: SEED.siteApiKey.apiKeySecret,
};

/** A frame of an SSE stream. */
export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export interface SetupOptions {
  env?: Record<string, string | undefined>;
  proxy?: Partial<ProxyDeps>;
  sim?: SimulatorDeps;
  /** Wraps the Glia fetch (e.g. to make Glia unreachable). */
  gliaFetch?: (inner: GliaFetch) => GliaFetch;
}

/** A proxy and a simulator talking to each other in-process. */
export function setup(options: SetupOptions = {}) {
  const logLines: string[] = [];
  /** Everything the browser received: response bodies and SSE frames. */
  const browserSaw: string[] = [];
  /** Every secret that exists in this run: the key secret, tokens Glia minted, webhook secrets. */
  const secrets = new Set<string>();
  const config = loadConfig(simEnv(options.env));
  secrets.add(config.glia.apiKeySecret);

  // The simulator needs the proxy's fetch and the proxy the simulator's: tie the knot late.
  const late: {proxy?: ProxyApp} = {};
  const sim = createSimulator({
    fetch: async (url, init) => {
      assert.ok(late.proxy, 'webhook before the proxy exists');
      return late.proxy.request(url, init);
    },
    ...options.sim,
  });

  const recordingFetch: GliaFetch = async (url, init) => {
    for (const hook of (
      JSON.parse(typeof init.body === 'string' ? init.body : '{}') as {
        webhooks?: Array<{headers?: Record<string, string>}>;
      }
    ).webhooks ?? []) {
      for (const value of Object.values(hook.headers ?? {})) secrets.add(value);
    }
    const response = await sim.app.request(url, init);
    const text = await response.clone().text();
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['token', 'access_token']) {
        if (typeof body[key] === 'string') secrets.add(body[key]);
      }
    } catch {
      // Not JSON: nothing minted.
    }
    return response;
  };

  const app = createProxyApp({
    config,
    fetch: options.gliaFetch ? options.gliaFetch(recordingFetch) : recordingFetch,
    logWrite: (line) => logLines.push(line),
    sweepIntervalMs: 0,
    heartbeatMs: 60_000,
    glia: {sleep: async () => undefined, timeoutMs: 2000},
    limits: {newSessionsPerAddress: {capacity: 1000, refillPerSecond: 1000}},
    ...options.proxy,
  });
  late.proxy = app;

  /** A request from the browser page; its answer's body is recorded. */
  async function browser(
    method: string,
    path: string,
    init: {token?: string; body?: unknown; raw?: string; headers?: Record<string, string>} = {}
  ): Promise<{status: number; body: unknown; headers: Headers; text: string}> {
    const headers: Record<string, string> = {origin: PAGE_ORIGIN, ...init.headers};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    const response = await app.request(path, {method, headers, body});
    const text = await response.text();
    browserSaw.push(text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return {status: response.status, body: parsed, headers: response.headers, text};
  }

  /** Starts a session; asserts the 201. */
  async function start(body: Record<string, unknown> = {description: 'My VPN drops every hour'}) {
    const r = await browser('POST', '/handoff/sessions', {body});
    assert.equal(r.status, 201, r.text);
    return (r.body as StartSessionResponse).session;
  }

  async function snapshot(id: string, token: string): Promise<SessionSnapshot> {
    const r = await browser('GET', `/handoff/sessions/${id}`, {token});
    assert.equal(r.status, 200, r.text);
    return r.body as SessionSnapshot;
  }

  /** A control call to the simulator (the operator's side); waits for its webhooks to land. */
  async function operator(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await sim.app.request(`/__sim${path}`, {
      method,
      headers: {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path} → ${response.status} ${text}`);
    await sim.webhooksIdle();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function simState() {
    return (await operator('GET', '/state')) as {
      visitors: Array<{
        id: string;
        name: string | null;
        note: string | null;
        custom_attributes: Record<string, string>;
      }>;
      tickets: Array<{id: string; visitor_id: string; queue_id?: string; state: string}>;
      engagements: Array<{
        id: string;
        ticket_id: string;
        state: string;
        messages: Array<{id: string; content: string; sender: unknown; target: string}>;
      }>;
    };
  }

  async function simLog() {
    return (await operator('GET', '/log')) as {
      requests: Array<{method: string; path: string; credential: string; status: number}>;
      webhooks: Array<{event_type: string; status: number | null; outcome: string}>;
    };
  }

  /** A metric as an operator scrapes it from `GET /metrics` (summed over `labels`' matches). */
  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricValue(await (await app.request('/metrics')).text(), name, labels);
  }

  /** The newest ticket in the simulator. */
  async function latestTicket() {
    const state = await simState();
    const ticket = state.tickets.at(-1);
    assert.ok(ticket, 'no ticket in the simulator');
    return ticket;
  }

  /** Accepts the newest ticket as `name`; returns the engagement id. */
  async function accept(name: string = SEED.operators[0].name): Promise<string> {
    const ticket = await latestTicket();
    const answer = (await operator('POST', `/queue_tickets/${ticket.id}/accept`, {
      operator: {name},
    })) as {engagement: {id: string}};
    return answer.engagement.id;
  }

  /** Opens the session's SSE stream as the widget does (fetch with the bearer header). */
  async function stream(
    id: string,
    token: string,
    headers: Record<string, string> = {},
    query = ''
  ) {
    const response = await app.request(`/handoff/sessions/${id}/events${query}`, {
      headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${token}`, ...headers},
    });
    if (response.status !== 200) assert.fail(`stream: ${response.status} ${await response.text()}`);
    assert.ok(response.body);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let ended = false;
    const pending: Frame[] = [];

    async function fill(): Promise<boolean> {
      const {done, value} = await reader.read();
      if (done) {
        ended = true;
        return false;
      }
      buffer += decoder.decode(value, {stream: true});
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        browserSaw.push(raw);
        const frame: Frame = {};
        for (const line of raw.split('\n')) {
          if (line.startsWith(':')) frame.comment = line.slice(1).trim();
          else {
            const at = line.indexOf(': ');
            const field = line.slice(0, at);
            const value = line.slice(at + 2);
            if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
          }
        }
        pending.push(frame);
      }
      return true;
    }

    return {
      response,
      /** The next frame (comments included), or undefined when the stream ended. */
      async next(): Promise<Frame | undefined> {
        while (pending.length === 0 && !ended) await fill();
        return pending.shift();
      },
      /** Event frames until `count` events were read (comments skipped). */
      async events(count: number): Promise<Array<{id: number; event: ChatEvent}>> {
        const out: Array<{id: number; event: ChatEvent}> = [];
        while (out.length < count) {
          const frame = await this.next();
          if (!frame) break;
          if (frame.data === undefined) continue;
          const event = ChatEventSchema.parse(JSON.parse(frame.data));
          assert.equal(frame.event, event.type);
          out.push({id: Number(frame.id), event});
        }
        return out;
      },
      /** Reads to the end of the stream; returns the remaining event frames. */
      async rest(): Promise<Array<{id: number; event: ChatEvent}>> {
        return this.events(Number.POSITIVE_INFINITY);
      },
      /** Drops the connection, as a network loss would. */
      async drop(): Promise<void> {
        await reader.cancel();
      },
    };
  }

  return {
    proxy: app,
    sim,
    config,
    logLines,
    browserSaw,
    secrets,
    browser,
    start,
    snapshot,
    operator,
    simState,
    simLog,
    metric,
    latestTicket,
    accept,
    stream,
    async close() {
      await app.close();
      sim.close();
    },
  };
}

export type Harness = ReturnType<typeof setup>;

export const newMessageId = (): string => randomUUID();

/**
 * The value of a metric in Prometheus' text format: the sum of the series of `name` whose labels
 * include `labels` (all of them when `labels` is empty); 0 when there is none.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {}
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])
    );
    if (Object.entries(labels).every(([key, value]) => has[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

/** Lets pending promise callbacks run (webhook processing, background sends). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock and timers that move only when told: `advance(ms)` runs what falls due, in order. */
export class FakeClock {
  time = Date.parse('2026-11-25T10:00:00Z');
  private readonly timers = new Map<number, {at: number; callback: () => void}>();
  private nextId = 1;

  readonly now = (): number => this.time;

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, {at: this.time + Math.max(0, ms), callback});
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Moves time forward, running each timer that falls due (and what it schedules) in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = target;
    await settle();
  }
}

/** A server on a real socket (127.0.0.1, a free port), for the suites that need one. */
export type SocketServer = Listening['server'];

/**
 * Serves `fetch` on a free port of 127.0.0.1 as the CLI does (`listen`), with the proxy's webhook
 * fast path when given one; resolves once it listens.
 */
export async function listenOnSocket(
  fetch: Parameters<typeof listen>[0],
  fastPath?: NodeFastPath
): Promise<{server: SocketServer; url: string}> {
  const {server, url} = await listen(fetch, 0, '127.0.0.1', undefined, fastPath);
  return {server, url};
}

/** Closes a server from `listenOnSocket`, its open connections too. */
export const stopSocket = (server: SocketServer) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as {closeAllConnections?: () => void}).closeAllConnections?.();
  });
