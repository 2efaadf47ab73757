/**
 * The proxy and the simulator on real sockets (127.0.0.1, port 0), talking HTTP to each other and
 * to a browser-like client using global fetch: what `glia-handoff demo` and production do.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {fileURLToPath} from 'node:url';
import {after, before, describe, it} from 'node:test';
import type {Listening} from '../../src/cli/command.js';
import {listen as listenFor} from '../../src/cli/command.js';
import type {ProxyApp} from '../../src/proxy/app.js';
import {createProxyApp} from '../../src/proxy/app.js';
import {loadConfig} from '../../src/proxy/config.js';
import {createSimulator} from '../../src/simulator/app.js';
import type {ErrorBody, StartSessionResponse} from '../../src/wire/handoff/index.js';
import {LIMITS} from '../../src/wire/handoff/index.js';
import {
  PAGE_ORIGIN,
  SITE_KEY_ENV,
  type SocketServer,
  listenOnSocket,
  metricValue,
  newMessageId,
  simEnv,
  stopSocket,
} from './support.js';

const listen = listenOnSocket;
const stop = stopSocket;

/** Reads SSE frames from a fetch response body. */
function frames(response: Response) {
  assert.ok(response.body);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<{id: number; type: string; data: Record<string, unknown>}> {
    for (;;) {
      const cut = buffer.indexOf('\n\n');
      if (cut >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (.*)$/m.exec(raw)?.[1];
        const data = /^data: (.*)$/m.exec(raw)?.[1];
        if (id === undefined || data === undefined) continue;
        const parsed = JSON.parse(data) as Record<string, unknown>;
        return {id: Number(id), type: String(parsed.type), data: parsed};
      }
      const {done, value} = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, {stream: true});
    }
  };
}

for (const [label, env] of [
  ['a Service Credential', {}],
  ['a legacy Site API key', SITE_KEY_ENV],
] as const) {
  describe(`over real sockets with ${label}`, () => {
    const simulator = createSimulator();
    let sim: {server: SocketServer; url: string};
    let proxy: {server: SocketServer; url: string};
    let app: ProxyApp | undefined;

    before(async () => {
      sim = await listen(simulator.app.fetch);
      // Glia's deliveries come over the socket, on the webhook fast path as in production.
      proxy = await listen(
        (request) => {
          assert.ok(app);
          return app.fetch(request);
        },
        (request, response) => {
          assert.ok(app);
          return app.fastPath(request, response);
        }
      );
      const config = loadConfig(simEnv({...env, GLIA_API_BASE: sim.url, PUBLIC_URL: proxy.url}));
      app = createProxyApp({
        config,
        fetch: (url, init) => fetch(url, init),
        logWrite: () => undefined,
        sweepIntervalMs: 0,
      });
    });

    after(async () => {
      await app?.close();
      simulator.close();
      await stop(proxy.server);
      await stop(sim.server);
    });

    const browser = (path: string, init: RequestInit & {token?: string} = {}) =>
      fetch(`${proxy.url}${path}`, {
        ...init,
        headers: {
          origin: PAGE_ORIGIN,
          'content-type': 'application/json',
          ...(init.token ? {authorization: `Bearer ${init.token}`} : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    /** A metric as an operator scrapes it, over the socket. */
    const metric = async (name: string) =>
      metricValue(await (await fetch(`${proxy.url}/metrics`)).text(), name);
    const control = async (path: string, body?: unknown) => {
      const r = await fetch(`${sim.url}/__sim${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {'content-type': 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(r.ok, `${path} → ${r.status}`);
      return (await r.json()) as Record<string, unknown>;
    };

    it('hands off, chats, survives a dropped stream and ends', async () => {
      const started = await browser('/handoff/sessions', {
        method: 'POST',
        body: JSON.stringify({description: 'Laptop will not boot'}),
      });
      assert.equal(started.status, 201);
      const {session} = (await started.json()) as StartSessionResponse;

      const controller = new AbortController();
      const first = await browser(`/handoff/sessions/${session.id}/events`, {
        token: session.token,
        signal: controller.signal,
      });
      assert.equal(first.headers.get('content-type'), 'text/event-stream');
      assert.equal(first.headers.get('cache-control'), 'no-store');
      assert.equal(first.headers.get('x-accel-buffering'), 'no');
      assert.equal(first.headers.get('access-control-allow-origin'), PAGE_ORIGIN);
      assert.match(first.headers.get('x-request-id') ?? '', /^[\w-]{8,}$/);
      const next = frames(first);
      assert.equal((await next()).type, 'status');

      const tickets = (await control('/state')).tickets as Array<{id: string}>;
      const ticket = tickets.at(-1);
      assert.ok(ticket);
      const accepted = (await control(`/queue_tickets/${ticket.id}/accept`, {
        operator: {name: 'Alex Rivera'},
      })) as {
        engagement: {id: string};
      };
      const joined = await next();
      assert.deepEqual(joined.data, {
        type: 'operator',
        operator: {name: 'Alex Rivera'},
        change: 'joined',
      });
      assert.equal((await next()).data.status, 'engaged');

      // The network drops; the operator writes meanwhile; the widget reconnects with Last-Event-ID.
      controller.abort();
      await control(`/engagements/${accepted.engagement.id}/messages`, {
        content: 'Can you hear me?',
      });
      const second = await browser(`/handoff/sessions/${session.id}/events`, {
        token: session.token,
        headers: {'last-event-id': '3'},
      });
      const resume = frames(second);
      const missed = await resume();
      assert.equal(missed.id, 4);
      assert.equal((missed.data.message as {text: string}).text, 'Can you hear me?');

      const sent = await browser(`/handoff/sessions/${session.id}/messages/${newMessageId()}`, {
        method: 'PUT',
        token: session.token,
        body: JSON.stringify({text: 'Yes!'}),
      });
      assert.equal(sent.status, 201);
      assert.equal(((await resume()).data.message as {from: string}).from, 'visitor');

      const ended = await browser(`/handoff/sessions/${session.id}`, {
        method: 'DELETE',
        token: session.token,
      });
      assert.equal(ended.status, 200);
      assert.deepEqual((await resume()).data, {type: 'ended', by: 'visitor'});
      assert.deepEqual((await resume()).data, {type: 'status', status: 'ended'});
      await assert.rejects(resume(), /stream ended/);
      assert.equal(await metric('glia_handoff_open_streams'), 0, 'the dropped stream was noticed');
    });

    it('refuses an oversize body, declared or chunked, and starts nothing', async () => {
      const sessionsBefore = await metric('glia_handoff_sessions');
      const oversize = JSON.stringify({description: 'x'.repeat(LIMITS.bodyBytes)});
      const declared = await browser('/handoff/sessions', {method: 'POST', body: oversize});
      assert.equal(declared.status, 413);
      assert.equal(((await declared.json()) as ErrorBody).error.code, 'too-large');
      // A body streamed from the page has no Content-Length: it is counted as it arrives.
      const chunked = await browser('/handoff/sessions', {
        method: 'POST',
        body: new Blob([oversize]).stream(),
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.status, 413);
      const small = await browser('/handoff/sessions', {
        method: 'POST',
        body: new Blob([JSON.stringify({description: 'Printer jams'})]).stream(),
        duplex: 'half',
      } as RequestInit);
      assert.equal(small.status, 201, 'a chunked body within the limit is read whole');
      assert.equal(await metric('glia_handoff_sessions'), sessionsBefore + 1);
    });
  });
}

describe('glia-handoff proxy (the command)', {concurrency: true}, () => {
  const bin = fileURLToPath(new URL('../../bin/glia-handoff.js', import.meta.url));

  /** Runs the command in an empty directory (no stray .env); resolves with its exit and stderr. */
  function runProxy(
    env: Record<string, string | undefined>,
    onStderr?: (text: string, kill: () => void) => void
  ) {
    return mkdtemp(`${tmpdir()}/proxy-cli-`).then(
      (cwd) =>
        new Promise<{code: number | null; stderr: string}>((resolve) => {
          const child = spawn(process.execPath, [bin, 'proxy'], {
            cwd,
            env: {PATH: process.env.PATH, ...env} as NodeJS.ProcessEnv,
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            onStderr?.(stderr, () => child.kill('SIGTERM'));
          });
          child.stdout.resume();
          child.on('exit', (code) => {
            void rm(cwd, {recursive: true, force: true});
            resolve({code, stderr});
          });
        })
    );
  }

  it('refuses to start with a bad GLIA_API_BASE, naming it, without printing the secret', async () => {
    const {code, stderr} = await runProxy(
      simEnv({GLIA_API_BASE: 'https://', GLIA_API_KEY_SECRET: 'secret-to-hide'})
    );
    assert.equal(code, 1);
    assert.match(stderr, /GLIA_API_BASE must be an http\(s\) URL with a host/);
    assert.ok(!stderr.includes('secret-to-hide'));
  });

  it('listens, prints its URL, checks the token, and stops cleanly on SIGTERM', async () => {
    const simulator = createSimulator();
    const sim = await listen(simulator.app.fetch);
    let healthz = 0;
    const {code, stderr} = await runProxy(
      simEnv({GLIA_API_BASE: sim.url, PORT: '0', HOST: '127.0.0.1'}),
      (text, kill) => {
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
        if (url && text.includes('token exchange: ok') && healthz === 0) {
          healthz = -1;
          void fetch(`${url}/healthz`).then((r) => {
            healthz = r.status;
            kill();
          });
        }
      }
    );
    simulator.close();
    await stop(sim.server);
    assert.equal(healthz, 200, stderr);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stopping/);
  });
});

describe('slow clients on real sockets', () => {
  /** Small limits: 200 ms for the headers, 400 ms for the whole request. */
  const timeouts = {headersMs: 200, requestMs: 400};
  const simulator = createSimulator();
  let sim: Listening;
  let proxy: Listening;
  let app: ProxyApp | undefined;

  before(async () => {
    sim = await listenFor(simulator.app.fetch, 0, '127.0.0.1', timeouts);
    proxy = await listenFor(
      (request) => {
        assert.ok(app);
        return app.fetch(request);
      },
      0,
      '127.0.0.1',
      timeouts
    );
    app = createProxyApp({
      config: loadConfig(simEnv({GLIA_API_BASE: sim.url, PUBLIC_URL: proxy.url})),
      fetch: (url, init) => fetch(url, init),
      logWrite: () => undefined,
      sweepIntervalMs: 0,
      heartbeatMs: 100,
    });
  });

  after(async () => {
    await app?.close();
    simulator.close();
    await proxy.close();
    await sim.close();
  });

  const start = async () => {
    const started = await fetch(`${proxy.url}/handoff/sessions`, {
      method: 'POST',
      headers: {origin: PAGE_ORIGIN, 'content-type': 'application/json'},
      body: JSON.stringify({description: 'Laptop will not boot'}),
    });
    assert.equal(started.status, 201);
    return ((await started.json()) as StartSessionResponse).session;
  };

  /** Writes `head`, then the body one byte per `everyMs`; resolves with what came back and how much was sent. */
  function trickle(head: string, body: string, everyMs: number) {
    return new Promise<{answer: string; sent: number}>((resolve) => {
      const {port} = new URL(proxy.url);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      let sent = 0;
      socket.write(head);
      const timer = setInterval(() => {
        if (sent < body.length) socket.write(body[sent++]!);
      }, everyMs);
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({answer, sent});
      });
    });
  }

  it('an event stream lives on well past the request timeout, with its heartbeats', async () => {
    const session = await start();
    const controller = new AbortController();
    const response = await fetch(`${proxy.url}/handoff/sessions/${session.id}/events`, {
      headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${session.token}`},
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.ok(response.body);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const opened = Date.now();
    // Read for four times the request timeout: the stream must neither end nor fail.
    while (Date.now() - opened < timeouts.requestMs * 4) {
      const {done, value} = await reader.read();
      assert.equal(done, false, 'the stream ended');
      text += decoder.decode(value, {stream: true});
    }
    assert.ok((text.match(/^: ping$/gm) ?? []).length >= 5, text);
    controller.abort();
  });

  it('a message body trickled slower than the request timeout is cut with 408, and nothing is sent', async () => {
    const session = await start();
    const body = JSON.stringify({text: 'x'.repeat(60)});
    const {answer, sent} = await trickle(
      `PUT /handoff/sessions/${session.id}/messages/${newMessageId()} HTTP/1.1\r\n` +
        `Host: 127.0.0.1\r\nOrigin: ${PAGE_ORIGIN}\r\nAuthorization: Bearer ${session.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      50
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(sent < body.length, `the whole body went through (${sent} bytes)`);
  });

  it('headers trickled slower than the headers timeout are cut with 408', async () => {
    const {answer, sent} = await trickle(
      'GET /healthz HTTP/1.1\r\n',
      'X-Slow: ' + 'a'.repeat(60),
      50
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(sent < 60);
  });
});
