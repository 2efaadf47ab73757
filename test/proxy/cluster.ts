/**
 * @module A cluster for the multi-instance suites, all on real sockets: one `redis-server`
 * (appendonly, so a restart keeps the data), the simulator listening on a port (its webhooks go out
 * over HTTP), proxy instances as child processes of the real command (`node bin/glia-handoff.js
 * proxy`, so `kill -9` is real), and a round-robin balancer in front of them that is the proxies'
 * PUBLIC_URL: the browser's requests and Glia's webhooks alternate instances. The balancer skips an
 * instance that refuses the connection (as a health check would); a request whose instance dies
 * while answering gets 502, as from any load balancer. A visitor reads its stream through the
 * balancer and reconnects with Last-Event-ID whenever the stream ends, like the widget.
 */
import assert from 'node:assert/strict';
import type {ChildProcess} from 'node:child_process';
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import type {IncomingMessage, ServerResponse} from 'node:http';
import http from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {listen} from '../../src/cli/command.js';
import type {Listening} from '../../src/cli/command.js';
import type {Simulator} from '../../src/simulator/app.js';
import {createSimulator} from '../../src/simulator/app.js';
import type {ChatEvent, StartSessionResponse} from '../../src/wire/handoff/index.js';
import {ChatEvent as ChatEventSchema} from '../../src/wire/handoff/index.js';
import type {RedisServer} from './redis-server.js';
import {startRedis} from './redis-server.js';
import {SEED} from './support.js';

const BIN = fileURLToPath(new URL('../../bin/glia-handoff.js', import.meta.url));
export const ENCRYPTION_KEY = 'cluster-test-key-of-at-least-32-characters';

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One proxy process. */
export interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr. */
  stderr(): string;
  /** Resolves with the exit code (null after a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  readonly alive: boolean;
}

interface Routed {
  instance: string;
  method: string;
  path: string;
}

/** The round-robin balancer: the proxies' PUBLIC_URL. */
class Balancer {
  readonly upstreams: Instance[] = [];
  /** Which instance each request went to, in order. */
  readonly routed: Routed[] = [];
  private next = 0;
  private listening?: Listening;

  get url(): string {
    return (this.listening as Listening).url;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as {port: number};
    this.listening = {
      server: server as unknown as Listening['server'],
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    };
  }

  close(): Promise<void> {
    return this.listening?.close() ?? Promise.resolve();
  }

  /** The instances that took requests whose path matches. */
  instancesFor(pattern: RegExp): Set<string> {
    return new Set(this.routed.filter((r) => pattern.test(r.path)).map((r) => r.instance));
  }

  private pick(): Instance[] {
    const alive = this.upstreams.filter((u) => u.alive);
    if (alive.length === 0) return [];
    const start = this.next++ % alive.length;
    return [...alive.slice(start), ...alive.slice(0, start)];
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (const upstream of this.pick()) {
      const outcome = await this.attempt(upstream, req, body, res);
      if (outcome !== 'refused') return;
    }
    if (!res.headersSent) res.writeHead(502, {'content-type': 'text/plain'});
    res.end('no instance answered');
  }

  /** One try: `refused` when the instance took no connection (try the next one). */
  private attempt(
    upstream: Instance,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse
  ): Promise<'done' | 'refused'> {
    return new Promise((resolve) => {
      const target = new URL(req.url ?? '/', upstream.url);
      let connected = false;
      const out = http.request(
        target,
        {method: req.method, headers: {...req.headers, host: target.host}, agent: false},
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, {...answer.headers, 'x-instance': upstream.name});
          res.flushHeaders();
          answer.on('data', (chunk: Buffer) => res.write(chunk));
          answer.on('end', () => res.end());
          // The instance died mid-answer: the client's connection breaks too.
          answer.on('aborted', () => res.destroy());
          answer.on('error', () => res.destroy());
          answer.on('close', () => {
            if (!answer.complete) res.destroy();
          });
          resolve('done');
        }
      );
      out.on('socket', (socket) =>
        socket.on('connect', () => {
          connected = true;
          this.routed.push({
            instance: upstream.name,
            method: req.method ?? '',
            path: target.pathname,
          });
        })
      );
      out.on('error', (error: NodeJS.ErrnoException) => {
        if (!connected) {
          resolve('refused');
          return;
        }
        if (!res.headersSent) {
          res.writeHead(502, {'content-type': 'text/plain'});
          res.end(`the instance ${upstream.name} went away (${error.code ?? error.message})`);
        } else res.destroy();
        resolve('done');
      });
      // The browser went away: so does the upstream request.
      res.on('close', () => out.destroy());
      out.end(body);
    });
  }
}

/** An event as the visitor's stream gave it. */
export interface Seen {
  id: number;
  event: ChatEvent;
  instance: string;
}

/**
 * The visitor: reads the session's stream through the balancer and, whenever it ends or breaks,
 * reconnects with the last event id it saw (refusals are retried too), until the conversation's
 * last event or `stop()`.
 */
export class Visitor {
  readonly seen: Seen[] = [];
  /** The instance behind each connection, and how it ended. */
  readonly connections: {instance: string; status: number; ended?: string}[] = [];
  private stopped = false;
  private abort?: AbortController;
  private loop?: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    readonly id: string,
    readonly token: string
  ) {}

  get lastEventId(): number | undefined {
    return this.seen.at(-1)?.id;
  }

  /** The texts of the messages shown, in order, as `from: text`. */
  messages(): string[] {
    return this.seen.flatMap(({event}) =>
      event.type === 'message' ? [`${event.message.from}: ${event.message.text}`] : []
    );
  }

  /** Starts reading (and reconnecting). */
  connect(): void {
    this.loop ??= this.run();
  }

  /** The instance serving the stream now (once connected). */
  async streamInstance(): Promise<string> {
    return until('the stream to connect', () => {
      const last = this.connections.at(-1);
      if (last?.ended === 'over') assert.fail('the conversation ended');
      return last && last.status === 200 && last.ended === undefined ? last.instance : undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const ended = await this.once().catch((error: unknown) => `error: ${String(error)}`);
      const last = this.connections.at(-1);
      if (last && last.ended === undefined) last.ended = ended;
      if (ended === 'over' || this.stopped) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One connection: resolves with how it ended. */
  private async once(): Promise<string> {
    this.abort = new AbortController();
    const headers: Record<string, string> = {authorization: `Bearer ${this.token}`};
    if (this.lastEventId !== undefined) headers['last-event-id'] = String(this.lastEventId);
    const response = await fetch(`${this.cluster.url}/handoff/sessions/${this.id}/events`, {
      headers,
      signal: this.abort.signal,
    });
    const instance = response.headers.get('x-instance') ?? '?';
    this.connections.push({instance, status: response.status});
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return `status ${response.status}`;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const {done, value} = await reader.read();
      if (done) return 'closed';
      buffer += decoder.decode(value, {stream: true});
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (.*)$/m.exec(raw)?.[1];
        const data = /^data: (.*)$/m.exec(raw)?.[1];
        if (id === undefined || data === undefined) continue;
        const event = ChatEventSchema.parse(JSON.parse(data));
        this.seen.push({id: Number(id), event, instance});
        if (event.type === 'status' && (event.status === 'ended' || event.status === 'failed')) {
          await reader.cancel();
          return 'over';
        }
      }
    }
  }
}

export interface ClusterOptions {
  /** Proxy instances to start at once (default 2). */
  instances?: number;
}

/** The cluster; `close()` stops everything it started. */
export class Cluster {
  redis!: RedisServer;
  sim!: Simulator;
  private simServer!: Listening;
  readonly balancer = new Balancer();
  readonly instances: Instance[] = [];
  private count = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'glia-handoff-cluster-'));
  /** Runs after the simulator answered a visitor message PUT, before the answer goes back. */
  onGliaMessagePut?: (messageId: string) => Promise<void>;
  /** The first error `onGliaMessagePut` threw. */
  hookError?: unknown;

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster();
    cluster.redis = await startRedis({appendonly: true});
    // Short webhook retries: "longer than Glia's retries" is a fraction of a second here.
    cluster.sim = createSimulator({webhookRetry: {attempts: 3, baseDelayMs: 100}});
    const sim = cluster.sim;
    cluster.simServer = await listen(
      async (request) => {
        const response = await sim.app.fetch(request);
        const put = /\/chat_messages\/([^/]+)$/.exec(new URL(request.url).pathname);
        if (request.method === 'PUT' && put && cluster.onGliaMessagePut) {
          // A failing hook must not leave the proxy waiting for Glia's answer: it is kept for the test.
          await cluster.onGliaMessagePut(put[1] as string).catch((error: unknown) => {
            cluster.hookError ??= error;
          });
        }
        return response;
      },
      0,
      '127.0.0.1'
    );
    await cluster.balancer.start();
    await Promise.all(Array.from({length: options.instances ?? 2}, () => cluster.startInstance()));
    return cluster;
  }

  get url(): string {
    return this.balancer.url;
  }

  alive(): Instance[] {
    return this.instances.filter((i) => i.alive);
  }

  /** Starts one more instance and waits until it listens and its token exchange worked. */
  async startInstance(): Promise<Instance> {
    const name = `p${++this.count}`;
    const child = spawn(process.execPath, [BIN, 'proxy'], {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH,
        GLIA_API_BASE: this.simServer.url,
        GLIA_SITE_ID: SEED.siteId,
        GLIA_QUEUE_ID: SEED.openQueue.id,
        GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
        GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
        PUBLIC_URL: this.balancer.url,
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: this.redis.url,
        SESSION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let alive = true;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        alive = false;
        resolve(code);
      })
    );
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await Promise.race([
      until(
        `${name} to listen and exchange its token`,
        () =>
          (stderr.includes('token exchange: ok') &&
            /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1]) ||
          undefined,
        30_000
      ),
      exited.then((code) => assert.fail(`${name} exited (${code}) at start:\n${stderr}`)),
    ]);
    const instance: Instance = {
      name,
      url,
      child,
      stderr: () => stderr,
      exited,
      get alive() {
        return alive;
      },
    };
    this.instances.push(instance);
    this.balancer.upstreams.push(instance);
    return instance;
  }

  /** Starts instances until `n` are alive. */
  async ensure(n: number): Promise<void> {
    const missing = Math.max(0, n - this.alive().length);
    await Promise.all(Array.from({length: missing}, () => this.startInstance()));
  }

  /** Sends `signal` (default SIGKILL: no goodbye) and waits for the exit; resolves with its code. */
  async kill(instance: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (instance.alive) instance.child.kill(signal);
    return instance.exited;
  }

  /** The instance by name. */
  instance(name: string): Instance {
    const found = this.instances.find((i) => i.name === name);
    assert.ok(found, `no instance ${name}`);
    return found;
  }

  /** A request from the browser, through the balancer. */
  async browser(
    method: string,
    path: string,
    init: {token?: string; body?: unknown} = {}
  ): Promise<{status: number; body: unknown; instance: string}> {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the balancer's own 502).
    }
    return {status: response.status, body, instance: response.headers.get('x-instance') ?? '?'};
  }

  /** Starts a conversation and returns its visitor, reading its stream. */
  async visitor(description = 'My VPN drops every hour'): Promise<Visitor> {
    const started = await this.browser('POST', '/handoff/sessions', {body: {description}});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const {session} = started.body as StartSessionResponse;
    const visitor = new Visitor(this, session.id, session.token);
    visitor.connect();
    return visitor;
  }

  /** The visitor sends a message (with its own id, so a retry can reuse it). */
  say(visitor: Visitor, text: string, messageId: string = randomUUID()) {
    return this.browser('PUT', `/handoff/sessions/${visitor.id}/messages/${messageId}`, {
      token: visitor.token,
      body: {text},
    });
  }

  /** A control call to the simulator (the agent's side); waits until its webhooks settled. */
  async operator(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.sim.app.request(`/__sim${path}`, {
      method,
      headers: {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path} → ${response.status} ${text}`);
    await this.sim.webhooksIdle();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** The agent accepts the newest ticket; returns the engagement id. */
  async accept(): Promise<string> {
    const state = (await this.operator('GET', '/state')) as {tickets: Array<{id: string}>};
    const ticket = state.tickets.at(-1);
    assert.ok(ticket, 'no ticket');
    const answer = (await this.operator('POST', `/queue_tickets/${ticket.id}/accept`, {
      operator: {name: SEED.operators[0].name},
    })) as {engagement: {id: string}};
    return answer.engagement.id;
  }

  /** The agent writes. */
  agentSays(engagementId: string, content: string): Promise<unknown> {
    return this.operator('POST', `/engagements/${engagementId}/messages`, {content});
  }

  /** The engagement as Glia holds it. */
  async engagement(engagementId: string) {
    const state = (await this.operator('GET', '/state')) as {
      engagements: Array<{
        id: string;
        state: string;
        messages: Array<{id: string; content: string; sender: string}>;
      }>;
    };
    const found = state.engagements.find((e) => e.id === engagementId);
    assert.ok(found, `no engagement ${engagementId}`);
    return found;
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => this.kill(i)));
    await this.balancer.close();
    this.sim.close();
    await this.simServer.close();
    await this.redis.stop();
    rmSync(this.dir, {recursive: true, force: true});
  }
}

/**
 * Asserts what a person would notice: the stream showed each expected message once, in order,
 * and never repeated an event (its ids only grow, across reconnects).
 */
export function assertShownOnce(visitor: Visitor, expected: string[]): void {
  const ids = visitor.seen.map((s) => s.id);
  for (let i = 1; i < ids.length; i++)
    assert.ok((ids[i] as number) > (ids[i - 1] as number), `event ids repeat: ${ids.join(',')}`);
  assert.deepEqual(visitor.messages(), expected);
}

/** Asserts that Glia holds each of the visitor's texts exactly once. */
export function assertGliaHoldsOnce(
  engagement: {messages: Array<{content: string; sender: string}>},
  texts: string[]
): void {
  const fromVisitor = engagement.messages
    .filter((m) => m.sender === 'visitor')
    .map((m) => m.content);
  assert.deepEqual(fromVisitor, texts);
}
