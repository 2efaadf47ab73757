import assert from 'node:assert/strict';
import type {Server as HttpServer, ServerResponse} from 'node:http';
import {connect} from 'node:net';
import type {TestContext} from 'node:test';
import {describe, it} from 'node:test';
import type {SetupOptions} from './support.js';
import {FakeClock, PAGE_ORIGIN, listenOnSocket, setup, stopSocket} from './support.js';

describe('the event stream', () => {
  it('resumes after a dropped connection with Last-Event-ID: nothing lost, nothing repeated', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const first = await h.stream(session.id, session.token);
    const before = await first.events(3);
    assert.deepEqual(
      before.map((e) => e.id),
      [1, 2, 3]
    );
    await first.drop();

    // While the visitor is offline, the operator writes three times.
    for (const content of ['one', 'two', 'three']) {
      await h.operator('POST', `/engagements/${engagementId}/messages`, {content});
    }

    const second = await h.stream(session.id, session.token, {'last-event-id': '3'});
    const after = await second.events(3);
    assert.deepEqual(
      after.map((e) => e.id),
      [4, 5, 6]
    );
    assert.deepEqual(
      after.map((e) => (e.event.type === 'message' ? e.event.message.text : e.event.type)),
      ['one', 'two', 'three']
    );
    await second.drop();
  });

  it('resumes with ?after= as well, and from the end of the log sends only what is new', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const resumed = await h.stream(session.id, session.token, {}, '?after=2');
    assert.deepEqual(
      (await resumed.events(1)).map((e) => [e.id, e.event.type === 'status' && e.event.status]),
      [[3, 'engaged']]
    );
    await resumed.drop();
    const atEnd = await h.stream(session.id, session.token, {'last-event-id': '3'});
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'new'});
    assert.deepEqual(
      (await atEnd.events(1)).map((e) => e.id),
      [4]
    );
    await atEnd.drop();
  });

  it('sends every event to every open stream of the session (two tabs)', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const tabA = await h.stream(session.id, session.token);
    const tabB = await h.stream(session.id, session.token);
    await h.accept();
    assert.deepEqual(await tabA.events(3), await tabB.events(3));
    assert.equal(await h.metric('glia_handoff_open_streams'), 2);
    await tabA.drop();
    await tabB.drop();
  });

  it('refuses a Last-Event-ID that is not an event id', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const r = await h.browser('GET', `/handoff/sessions/${session.id}/events`, {
      token: session.token,
      headers: {'last-event-id': 'yesterday'},
    });
    assert.equal(r.status, 400);
    assert.match(r.text, /Last-Event-ID/);
  });

  it('sends a heartbeat comment when nothing happens', async (t) => {
    const clock = new FakeClock();
    const h = setup({proxy: {now: clock.now, timers: clock, heartbeatMs: 15_000}});
    t.after(() => h.close());
    const session = await h.start();
    const stream = await h.stream(session.id, session.token);
    await stream.events(1);
    const next = stream.next();
    await clock.advance(15_000);
    assert.deepEqual(await next, {comment: 'ping'});
    await stream.drop();
  });

  it("each stream's heartbeat comes after its own quiet time, whatever the other streams do", async (t) => {
    const clock = new FakeClock();
    const h = setup({proxy: {now: clock.now, timers: clock, heartbeatMs: 15_000}});
    t.after(() => h.close());
    const opened = clock.now();
    const heard: string[] = [];
    const listen = async (name: string, stream: Awaited<ReturnType<typeof h.stream>>) => {
      for (let frame = await stream.next(); frame; frame = await stream.next()) {
        const what = frame.comment ?? JSON.parse(frame.data ?? '{}').type;
        heard.push(`${name} ${what} at ${(clock.now() - opened) / 1000} s`);
      }
    };
    const a = await h.start({description: 'first'});
    const streamA = await h.stream(a.id, a.token);
    const readingA = listen('A', streamA);
    await clock.advance(5_000);
    const b = await h.start({description: 'second'});
    const streamB = await h.stream(b.id, b.token);
    const readingB = listen('B', streamB);
    await clock.advance(12_000);
    await h.accept(); // the newest ticket: B's, whose quiet time starts again
    await clock.advance(20_000);
    assert.deepEqual(heard, [
      'A status at 0 s',
      'B status at 5 s',
      'A ping at 15 s',
      'B operator at 17 s',
      'B status at 17 s',
      'A ping at 30 s',
      'B ping at 32 s',
    ]);
    await streamA.drop();
    await streamB.drop();
    await Promise.all([readingA, readingB]);
  });

  /** A harness served on a real socket (Node's own response), stopped after the test. */
  async function onSocket(t: TestContext, options?: SetupOptions) {
    const h = setup(options);
    const {server, url} = await listenOnSocket((request, env) => h.proxy.fetch(request, env));
    t.after(async () => {
      await stopSocket(server);
      await h.close();
    });
    return {h, server, url};
  }

  it("on Node's own response: events, heartbeats, and a dropped connection frees its place", async (t) => {
    const {h, url} = await onSocket(t, {proxy: {heartbeatMs: 50}});
    const session = await h.start();
    const controller = new AbortController();
    const response = await fetch(`${url}/handoff/sessions/${session.id}/events`, {
      headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${session.token}`},
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('access-control-allow-origin'), PAGE_ORIGIN);
    assert.ok(response.body);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!/: ping\n\n[^]*: ping\n\n/.test(text)) {
      const {done, value} = await reader.read();
      assert.equal(done, false, 'the stream ended');
      text += decoder.decode(value, {stream: true});
    }
    assert.match(text, /^id: 1\nevent: status\n/);
    assert.equal(h.proxy.streams.count(session.id), 1);
    controller.abort();
    for (let i = 0; i < 100 && h.proxy.streams.count(session.id) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(h.proxy.streams.count(session.id), 0);
  });

  /** A raw connection to `url` that asks for the session's events; `text` is all it read. */
  function rawStream(url: string, session: {id: string; token: string}) {
    const {port} = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    const raw = {
      socket,
      text: '',
      closed: false,
    };
    socket.on('close', () => (raw.closed = true));
    socket.on('data', (chunk: Buffer) => (raw.text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.write(
      `GET /handoff/sessions/${session.id}/events HTTP/1.1\r\nHost: proxy\r\n` +
        `Origin: ${PAGE_ORIGIN}\r\nAuthorization: Bearer ${session.token}\r\n\r\n`
    );
    return raw;
  }

  async function until(what: string, done: () => boolean): Promise<void> {
    for (let i = 0; i < 300 && !done(); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(done(), `waited for ${what}`);
  }

  it("on Node's own response, a stream's connection carries nothing else, and a client that half-closes frees its place", async (t) => {
    const {h, url} = await onSocket(t, {proxy: {heartbeatMs: 50}});
    const session = await h.start();
    const raw = rawStream(url, session);
    await until('the first event', () => raw.text.includes('id: 1\n'));
    assert.match(raw.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(raw.text, /\r\nconnection: close\r\n/i);
    // A second request on the stream's connection is not answered, and breaks nothing.
    raw.socket.write('GET /handoff/health HTTP/1.1\r\nHost: proxy\r\n\r\n');
    const pings = () => (raw.text.match(/^: ping$/gm) ?? []).length;
    const seen = pings();
    await until('two more heartbeats', () => pings() >= seen + 2);
    assert.equal(raw.text.match(/HTTP\/1\.1 /g)?.length, 1, raw.text);
    assert.equal(h.proxy.streams.count(session.id), 1);
    raw.socket.end();
    await until('the proxy to close its side', () => raw.closed);
    await until('the stream to leave', () => h.proxy.streams.count(session.id) === 0);
  });

  // What the bench's memory per stream rests on, which a new Node or @hono/node-server could undo
  // without any other test noticing: the stream lets go of its request, its head and its parser.
  it("on Node's own response, an open stream holds nothing of its request: headers, the adapter's Request, its head's text, its parser", async (t) => {
    const {h, server, url} = await onSocket(t);
    const responses: ServerResponse[] = [];
    (server as HttpServer).on('request', (_request, response: ServerResponse) =>
      responses.push(response)
    );
    const session = await h.start();
    const raw = rawStream(url, session);
    await until('the first event', () => raw.text.includes('id: 1\n'));
    const [response] = responses;
    assert.ok(response);
    const kept = response as ServerResponse & {_header?: string};
    // Empty, and still safe to read.
    assert.deepEqual(response.req.headers, {});
    assert.deepEqual(response.req.headersDistinct, {});
    assert.deepEqual(response.req.rawHeaders, []);
    assert.equal(response.req.url, '');
    const adapters = response.listeners('close').filter((l) => String(l).includes('abortRequest'));
    assert.deepEqual(adapters, [], "the adapter's close listener, which holds its Request");
    assert.ok((kept._header ?? '').length < 40, `the head's text is kept: ${kept._header}`);
    assert.equal((response.socket as {parser?: unknown} | null)?.parser ?? null, null);
    assert.equal(h.proxy.streams.count(session.id), 1);
    raw.socket.destroy();
    await until('the stream to leave', () => h.proxy.streams.count(session.id) === 0);
  });

  it("on Node's own response, the connection closes after the conversation's last event, and a server that stops closes open streams", async (t) => {
    const {h, server, url} = await onSocket(t);
    // Long enough that a connection kept for reuse would outlive the wait below.
    (server as HttpServer).keepAliveTimeout = 60_000;
    const first = await h.start();
    const engagementId = await h.accept();
    const ending = rawStream(url, first);
    await until('the engagement on the stream', () => ending.text.includes('"engaged"'));
    await h.operator('POST', `/engagements/${engagementId}/end`);
    // The client does not have to hang up: the proxy does, once the last event went out.
    await until('the proxy to hang up', () => ending.closed);
    assert.match(ending.text, /"status":"ended"/);
    const open = rawStream(url, await h.start());
    await until('the second stream', () => open.text.includes('id: 1\n'));
    await stopSocket(server);
    await until('the stopped server to close the stream', () => open.closed);
  });

  it('ends the stream after the conversation ends, and a finished session streams its log and closes', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const open = await h.stream(session.id, session.token);
    await h.operator('POST', `/engagements/${engagementId}/end`);
    const all = await open.rest();
    assert.deepEqual(all.at(-1)?.event, {type: 'status', status: 'ended'});
    const later = await h.stream(session.id, session.token);
    assert.deepEqual(
      (await later.rest()).map((e) => e.id),
      all.map((e) => e.id)
    );
  });
});
