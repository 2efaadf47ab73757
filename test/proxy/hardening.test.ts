/**
 * The findings of a security review of the running proxy, each reproduced as an attack: what the
 * attacker tried, and what the proxy now answers.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {clientAddress} from '../../src/proxy/http.js';
import {loadConfig} from '../../src/proxy/config.js';
import {FakeClock, SEED, newMessageId, setup, simEnv} from './support.js';

describe('the client address behind trusted reverse proxies', () => {
  it('with TRUST_PROXY=true, 25 starts with a made-up leftmost X-Forwarded-For share one limit', async (t) => {
    const h = setup({
      env: {TRUST_PROXY: 'true', MAX_QUEUED_PER_ADDRESS: '100'},
      proxy: {limits: {newSessionsPerAddress: {capacity: 10, refillPerSecond: 10 / 60}}},
    });
    t.after(() => h.close());
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await h.browser('POST', '/handoff/sessions', {
        body: {description: 'Printer on fire'},
        headers: {'x-forwarded-for': `198.51.100.${i}, 192.0.2.7`},
      });
      statuses.push(r.status);
    }
    assert.equal(statuses.filter((s) => s === 201).length, 10);
    assert.equal(statuses.filter((s) => s === 429).length, 15);
    // Another client, as the trusted hop saw it, has its own limit.
    const other = await h.browser('POST', '/handoff/sessions', {
      body: {description: 'Printer on fire'},
      headers: {'x-forwarded-for': '198.51.100.1, 192.0.2.8'},
    });
    assert.equal(other.status, 201);
  });

  it('takes the entry the outermost of n trusted hops appended', () => {
    const header = '203.0.113.9, 198.51.100.4, 10.0.0.2';
    assert.equal(clientAddress(header, '10.0.0.3', 0), '10.0.0.3');
    assert.equal(clientAddress(header, '10.0.0.3', 1), '10.0.0.2');
    assert.equal(clientAddress(header, '10.0.0.3', 2), '198.51.100.4');
    assert.equal(clientAddress(header, '10.0.0.3', 5), '203.0.113.9');
    assert.equal(clientAddress(undefined, '10.0.0.3', 1), '10.0.0.3');
    assert.equal(clientAddress(' , ', undefined, 1), 'unknown');
  });
});

describe('caches', () => {
  it('are told not to store the start answer, the snapshot, the stream, any session route or error', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const started = await h.browser('POST', '/handoff/sessions', {
      body: {description: 'Printer on fire'},
    });
    assert.equal(started.status, 201);
    const {id, token} = (started.body as {session: {id: string; token: string}}).session;
    const answers = [
      started,
      await h.browser('GET', `/handoff/sessions/${id}`, {token}),
      await h.browser('PUT', `/handoff/sessions/${id}/typing`, {token, body: {typing: true}}),
      await h.browser('PUT', `/handoff/sessions/${id}/messages/${newMessageId()}`, {
        token,
        body: {text: 'hi'},
      }),
      await h.browser('GET', `/handoff/sessions/${id}`, {token: 'wrong'}),
      await h.browser('POST', '/handoff/sessions', {raw: '{'}),
      await h.browser('GET', '/handoff/nothing-here'),
      await h.browser('POST', `/handoff/webhooks/glia/${id}`, {body: {}}),
      await h.browser('DELETE', `/handoff/sessions/${id}`, {token}),
    ];
    for (const answer of answers) {
      assert.equal(
        answer.headers.get('cache-control'),
        'no-store',
        `${answer.status} ${answer.text}`
      );
    }
    const stream = await h.proxy.request(`/handoff/sessions/${id}/events`, {
      headers: {authorization: `Bearer ${token}`},
    });
    assert.equal(stream.headers.get('cache-control'), 'no-store');
    await stream.body?.cancel();
  });
});

describe('/readyz', () => {
  it('with a failing credential, 30 calls make one token exchange, and the body names no URL or variable', async (t) => {
    const clock = new FakeClock();
    const h = setup({
      env: {GLIA_API_KEY_SECRET: 'wrong-secret-123'},
      proxy: {now: clock.now, timers: clock},
    });
    t.after(() => h.close());
    const answers = await Promise.all(Array.from({length: 30}, () => h.browser('GET', '/readyz')));
    const exchanges = () =>
      h.simLog().then((log) => log.requests.filter((r) => r.path.endsWith('/tokens')).length);
    assert.equal(await exchanges(), 1);
    for (const answer of answers) {
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(answer.text, /glia\.test|https?:|GLIA_|API_KEY|[A-Z]{3,}_[A-Z]/);
    }
    assert.equal((answers[0]?.body as {reason: string}).reason, 'glia-error');
    // The outcome is kept a few seconds, then checked again.
    await clock.advance(10_000);
    assert.equal((await h.browser('GET', '/readyz')).status, 503);
    assert.equal(await exchanges(), 2);
  });
});

describe('event streams are bounded', () => {
  it('500 streams for one session: four are served, the rest told to retry later', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const open = [];
    const refused: number[] = [];
    for (let i = 0; i < 500; i++) {
      const r = await h.proxy.request(`/handoff/sessions/${session.id}/events`, {
        headers: {authorization: `Bearer ${session.token}`},
      });
      if (r.status === 200) open.push(r);
      else {
        refused.push(r.status);
        assert.equal(r.headers.get('retry-after'), '5');
        assert.equal(((await r.json()) as {error: {code: string}}).error.code, 'too-many-streams');
      }
    }
    assert.equal(open.length, 4);
    assert.deepEqual(new Set(refused), new Set([429]));
    assert.equal(h.proxy.streams.count(session.id), 4);
    // A closed stream frees its place.
    await open.pop()?.body?.cancel();
    const again = await h.stream(session.id, session.token);
    await again.drop();
    for (const r of open) await r.body?.cancel();
  });

  it('the process serves MAX_EVENT_STREAMS at most, across sessions', async (t) => {
    const h = setup({env: {MAX_EVENT_STREAMS: '3'}});
    t.after(() => h.close());
    const a = await h.start();
    const b = await h.start();
    const streams = [
      await h.stream(a.id, a.token),
      await h.stream(a.id, a.token),
      await h.stream(b.id, b.token),
    ];
    const fourth = await h.browser('GET', `/handoff/sessions/${b.id}/events`, {token: b.token});
    assert.equal(fourth.status, 503);
    assert.equal(fourth.headers.get('retry-after'), '5');
    await streams[0]?.drop();
    const next = await h.stream(b.id, b.token);
    for (const stream of [...streams.slice(1), next]) await stream.drop();
  });

  it('a replay sends a bounded batch and ends; resuming with Last-Event-ID gets the rest, once', async (t) => {
    const h = setup({proxy: {replayLimit: 5}});
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    for (let i = 1; i <= 9; i++) {
      await h.operator('POST', `/engagements/${engagementId}/messages`, {content: `m${i}`});
    }
    const seen: number[] = [];
    let last = '0';
    const batches: number[] = [];
    for (let connection = 0; connection < 2; connection++) {
      const stream = await h.stream(session.id, session.token, {'last-event-id': last});
      const batch = await stream.rest();
      batches.push(batch.length);
      seen.push(...batch.map((e) => e.id));
      last = String(seen.at(-1));
    }
    assert.deepEqual(batches, [5, 5]);
    // The third connection is caught up after two events and stays open for what comes next.
    const live = await h.stream(session.id, session.token, {'last-event-id': last});
    seen.push(...(await live.events(2)).map((e) => e.id));
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'live'});
    seen.push(...(await live.events(1)).map((e) => e.id));
    assert.deepEqual(
      seen,
      Array.from({length: 13}, (_, i) => i + 1)
    );
    await live.drop();
  });
});

describe('waiting conversations', () => {
  it('a stream that never reads does not keep a queued session and its ticket past the idle time', async (t) => {
    const clock = new FakeClock();
    const h = setup({
      env: {SESSION_IDLE_SECONDS: '600'},
      proxy: {now: clock.now, timers: clock, heartbeatMs: 15_000},
    });
    t.after(() => h.close());
    const stuck = await h.start({description: 'never reads'});
    const watched = await h.start({description: 'reads'});
    // Opened and never read: its heartbeats pile up until the writer waits for the reader.
    const unread = await h.proxy.request(`/handoff/sessions/${stuck.id}/events`, {
      headers: {authorization: `Bearer ${stuck.token}`},
    });
    assert.equal(unread.status, 200);
    const reading = await h.stream(watched.id, watched.token);
    const everything = reading.rest();
    await clock.advance(1_200_000);
    const streamsOf = (id: string) => h.proxy.streams.count(id);
    assert.equal(streamsOf(stuck.id), 1);
    assert.equal(await h.proxy.sweep(), 1);
    const gone = await h.browser('GET', `/handoff/sessions/${stuck.id}`, {token: stuck.token});
    assert.equal(gone.status, 404);
    assert.equal((await h.snapshot(watched.id, watched.token)).status, 'queued');
    const tickets = (await h.simState()).tickets;
    assert.deepEqual(
      tickets.map((ticket) => ticket.state),
      ['cancelled', 'queued']
    );
    // The stuck stream was ended with its session, and its place freed.
    assert.match(await unread.text(), /^id: 1\n/);
    assert.equal(streamsOf(stuck.id), 0);
    await h.browser('DELETE', `/handoff/sessions/${watched.id}`, {token: watched.token});
    await everything;
  });

  it('one address keeps at most MAX_QUEUED_PER_ADDRESS waiting; ending one or an agent joining frees a place', async (t) => {
    const h = setup({env: {TRUST_PROXY: 'true', MAX_QUEUED_PER_ADDRESS: '3'}});
    t.after(() => h.close());
    const from = (address: string) =>
      h.browser('POST', '/handoff/sessions', {
        body: {description: 'Printer on fire'},
        headers: {'x-forwarded-for': address},
      });
    const started = [];
    for (let i = 0; i < 3; i++) started.push(await from('192.0.2.7'));
    assert.deepEqual(
      started.map((r) => r.status),
      [201, 201, 201]
    );
    const fourth = await from('192.0.2.7');
    assert.equal(fourth.status, 429);
    assert.equal((fourth.body as {error: {code: string}}).error.code, 'too-many-waiting');
    assert.equal(fourth.headers.get('retry-after'), '60');
    assert.equal((await from('192.0.2.8')).status, 201, 'another address has its own places');
    assert.equal((await h.simState()).tickets.length, 4, 'the refused start filed no ticket');

    const first = (started[0]?.body as {session: {id: string; token: string}}).session;
    await h.browser('DELETE', `/handoff/sessions/${first.id}`, {token: first.token});
    assert.equal((await from('192.0.2.7')).status, 201);
    await h.operator('POST', `/queue_tickets/${(await h.simState()).tickets[1]?.id}/accept`, {});
    assert.equal((await from('192.0.2.7')).status, 201);
    assert.equal((await from('192.0.2.7')).status, 429);
  });

  it('the process keeps at most MAX_QUEUED_SESSIONS waiting', async (t) => {
    const h = setup({env: {TRUST_PROXY: 'true', MAX_QUEUED_SESSIONS: '2'}});
    t.after(() => h.close());
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.browser('POST', '/handoff/sessions', {
        body: {description: 'Printer on fire'},
        headers: {'x-forwarded-for': `198.51.100.${i}`},
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [201, 201, 503]);
  });
});

describe("the agent's message ids", () => {
  it("a visitor PUT with an agent message's id is refused with 409 message-id-taken and changes nothing", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {id, token} = await h.start();
    const engagementId = await h.accept();
    await h.operator('POST', `/engagements/${engagementId}/messages`, {
      content: 'Hi, how can I help?',
    });
    const before = await h.snapshot(id, token);
    const agentMessage = before.messages.find((m) => m.from === 'operator');
    assert.ok(agentMessage, 'the agent message is shown');
    const r = await h.browser('PUT', `/handoff/sessions/${id}/messages/${agentMessage.id}`, {
      token,
      body: {text: 'I am the agent now'},
    });
    assert.equal(r.status, 409, r.text);
    assert.equal((r.body as {error: {code: string}}).error.code, 'message-id-taken');
    assert.match((r.body as {error: {message: string}}).error.message, /another message/);
    assert.deepEqual(await h.snapshot(id, token), before);
    const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
    assert.deepEqual(
      engagement?.messages.map((m) => m.content),
      ['Hi, how can I help?']
    );
  });

  it("an agent message whose webhook has not arrived yet: Glia's answer names the agent, and the send is refused", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {id, token} = await h.start();
    const engagementId = await h.accept();
    await h.operator('POST', '/faults', {
      rules: [{path: 'engagement.chat.message', drop_webhook: true, times: 1}],
    });
    const sent = (await h.operator('POST', `/engagements/${engagementId}/messages`, {
      content: 'Hi, how can I help?',
    })) as {message: {id: string}};
    const before = await h.snapshot(id, token);
    const r = await h.browser('PUT', `/handoff/sessions/${id}/messages/${sent.message.id}`, {
      token,
      body: {text: 'I am the agent now'},
    });
    assert.equal(r.status, 409, r.text);
    assert.equal((r.body as {error: {code: string}}).error.code, 'message-id-taken');
    assert.deepEqual(await h.snapshot(id, token), before);
  });
});

describe('the queues a page may name', () => {
  it("a start naming another of the site's queues is 403 queue-not-allowed, and Glia is never called", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const before = (await h.simLog()).requests.length;
    const r = await h.browser('POST', '/handoff/sessions', {
      body: {description: 'Printer on fire', queue: SEED.closedQueue.id},
    });
    assert.equal(r.status, 403, r.text);
    const {error} = r.body as {error: {code: string; message: string}};
    assert.equal(error.code, 'queue-not-allowed');
    assert.match(error.message, /ALLOWED_QUEUES/);
    const calls = (await h.simLog()).requests.slice(before);
    assert.deepEqual(
      calls.filter((c) => c.path !== '/__sim/log'),
      []
    );
    assert.equal((await h.simState()).visitors.length, 0);
  });

  it('the configured queue, named or not, and the ALLOWED_QUEUES ones are taken', async (t) => {
    const h = setup({env: {ALLOWED_QUEUES: ` ${SEED.closedQueue.id.toUpperCase()} ,`}});
    t.after(() => h.close());
    for (const queue of [undefined, SEED.openQueue.id, SEED.closedQueue.id]) {
      const r = await h.browser('POST', '/handoff/sessions', {
        body: {description: 'Printer on fire', ...(queue ? {queue} : {})},
      });
      assert.equal(r.status, 201, `${queue}: ${r.text}`);
    }
    const tickets = (await h.simState()).tickets.map((ticket) => ticket.queue_id);
    assert.deepEqual(tickets, [SEED.openQueue.id, SEED.openQueue.id, SEED.closedQueue.id]);
  });

  it('a malformed ALLOWED_QUEUES stops the proxy with a message naming it', () => {
    assert.throws(
      () => loadConfig(simEnv({ALLOWED_QUEUES: `${SEED.closedQueue.id},support-queue`})),
      (error: Error) =>
        /ALLOWED_QUEUES must list queue ids \(UUIDs, as in Glia Hub\), comma-separated/.test(
          error.message
        )
    );
  });
});

describe('characters that reorder text', () => {
  const RLO = '\u202E';
  const ISOLATE = '\u2066';
  it('are taken out of names, descriptions, attributes and messages both ways, before Glia or the visitor sees them', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {id, token} = await h.start({
      description: `Invoice ${RLO}fdp.exe\u0007\nsecond line\tok`,
      name: `Dana${RLO} Admin\u200F\nRoot`,
      attributes: {page: `https://intranet.test/${ISOLATE}x\u0000`},
      transcript: [{from: 'visitor', text: `hi${RLO}`}],
    });
    const visitor = (await h.simState()).visitors[0];
    assert.equal(visitor?.note, 'Invoice fdp.exe\nsecond line\tok');
    assert.equal(visitor?.name, 'Dana Admin Root');
    assert.equal(visitor?.custom_attributes.page, 'https://intranet.test/x');
    assert.equal(visitor?.custom_attributes.transcript, 'Visitor: hi');
    const engagementId = await h.accept();
    const sent = await h.browser('PUT', `/handoff/sessions/${id}/messages/${newMessageId()}`, {
      token,
      body: {text: `pay ${RLO}0001\u009B$`},
    });
    assert.equal(sent.status, 201, sent.text);
    await h.operator('POST', `/engagements/${engagementId}/messages`, {
      content: `Click ${RLO}evil.com\u202C\u0008 now`,
    });
    const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
    assert.deepEqual(
      engagement?.messages.map((m) => m.content),
      ['pay 0001$', `Click ${RLO}evil.com\u202C\u0008 now`]
    );
    assert.deepEqual(
      (await h.snapshot(id, token)).messages.map((m) => m.text),
      ['pay 0001$', 'Click evil.com now']
    );
  });

  it('a text made only of them is empty, and refused as such', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const r = await h.browser('POST', '/handoff/sessions', {
      body: {description: `${RLO}\u200E\u0000`},
    });
    assert.equal(r.status, 400, r.text);
  });
});
