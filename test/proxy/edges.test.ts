import assert from 'node:assert/strict';
import type {TestContext} from 'node:test';
import {describe, it} from 'node:test';
import {WEBHOOK_SECRET_HEADER} from '../../src/proxy/handoff.js';
import type {ErrorBody} from '../../src/wire/handoff/index.js';
import {LIMITS} from '../../src/wire/handoff/index.js';
import {FakeClock, PAGE_ORIGIN, newMessageId, setup} from './support.js';

const errorOf = (body: unknown) => (body as ErrorBody).error;

describe('session tokens', () => {
  it("one session's token never opens another session", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const a = await h.start();
    const b = await h.start();
    for (const [method, path] of [
      ['GET', `/handoff/sessions/${b.id}`],
      ['GET', `/handoff/sessions/${b.id}/events`],
      ['DELETE', `/handoff/sessions/${b.id}`],
      ['PUT', `/handoff/sessions/${b.id}/typing`],
    ] as const) {
      const body = method === 'PUT' ? {typing: true} : undefined;
      const r = await h.browser(method, path, {token: a.token, body});
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
    const none = await h.browser('GET', `/handoff/sessions/${b.id}`);
    assert.equal(none.status, 401);
    assert.equal((await h.snapshot(b.id, b.token)).status, 'queued');
  });

  it('an unknown session is 404, and tokens are long random strings', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const a = await h.start();
    const b = await h.start();
    assert.notEqual(a.token, b.token);
    assert.match(a.token, /^[A-Za-z0-9_-]{43,}$/);
    const r = await h.browser('GET', '/handoff/sessions/00000000-0000-4000-8000-000000000000', {
      token: a.token,
    });
    assert.equal(r.status, 404);
  });
});

describe('webhooks', () => {
  it('a delivery with a wrong secret gets 401 and changes nothing', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const visitorId = (await h.simState()).visitors.at(-1)?.id;
    const forged = {
      event_type: 'engagement.start',
      engagement: {id: '0a0b0c0d-0e0f-4000-8000-000000000001', visitor_id: visitorId},
    };
    const attempts: Array<Record<string, string>> = [
      {},
      {[WEBHOOK_SECRET_HEADER]: 'guess'},
      {[WEBHOOK_SECRET_HEADER]: session.token},
    ];
    for (const headers of attempts) {
      const r = await h.proxy.request(`/handoff/webhooks/glia/${session.id}`, {
        method: 'POST',
        headers: {'content-type': 'application/json', ...headers},
        body: JSON.stringify(forged),
      });
      assert.equal(r.status, 401);
    }
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'queued');
    assert.equal(snapshot.lastEventId, '1');
  });

  it("a delivery about another visitor's engagement is refused even with the secret", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const secret = [...h.secrets].find((s) => s.length === 43 && s !== session.token);
    assert.ok(secret);
    const r = await h.proxy.request(`/handoff/webhooks/glia/${session.id}`, {
      method: 'POST',
      headers: {'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: secret},
      body: JSON.stringify({
        event_type: 'engagement.start',
        engagement: {
          id: '0a0b0c0d-0e0f-4000-8000-000000000001',
          visitor_id: '0a0b0c0d-0e0f-4000-8000-000000000002',
        },
      }),
    });
    assert.equal(r.status, 422);
    assert.equal((await h.snapshot(session.id, session.token)).status, 'queued');
  });
  it('holds a message that arrives before engagement.start and shows it after the join', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const secret = [...h.secrets].find((s) => s.length === 43 && s !== session.token);
    assert.ok(secret);
    const state = await h.simState();
    const visitorId = state.visitors.at(-1)?.id;
    const engagementId = '0a0b0c0d-0e0f-4000-8000-00000000000e';
    const deliver = (payload: unknown) =>
      h.proxy.request(`/handoff/webhooks/glia/${session.id}`, {
        method: 'POST',
        headers: {'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: secret},
        body: JSON.stringify(payload),
      });
    const early = await deliver({
      event_type: 'engagement.chat.message',
      message: {
        id: '0a0b0c0d-0e0f-4000-8000-0000000000a1',
        engagement_id: engagementId,
        content: 'Hello from the agent',
        target: 'visitor',
        sender: {type: 'operator'},
        timestamp: '2026-11-25T10:00:00Z',
      },
    });
    assert.equal(early.status, 204);
    assert.equal((await h.snapshot(session.id, session.token)).messages.length, 0);
    const start = await deliver({
      event_type: 'engagement.start',
      engagement: {id: engagementId, visitor_id: visitorId},
    });
    assert.equal(start.status, 204);
    const events = await (await h.stream(session.id, session.token)).events(4);
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['status', 'operator', 'status', 'message']
    );
    assert.equal((await deliver({event_type: 'engagement.something_new'})).status, 204);
    assert.equal((await deliver({event_type: 'engagement.end'})).status, 400);
  });
});

describe('the browser edge', () => {
  it('answers a page on an allowed origin with CORS headers, and preflights', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'x'}});
    assert.equal(r.headers.get('access-control-allow-origin'), PAGE_ORIGIN);
    const preflight = await h.proxy.request('/handoff/sessions', {
      method: 'OPTIONS',
      headers: {
        origin: PAGE_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), PAGE_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  });

  it('refuses a page from an origin not allowed with 403, and lets requests without Origin through', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const foreign = await h.browser('POST', '/handoff/sessions', {
      body: {description: 'x'},
      headers: {origin: 'https://evil.example'},
    });
    assert.equal(foreign.status, 403);
    assert.equal(errorOf(foreign.body).code, 'origin-not-allowed');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal(await h.metric('glia_handoff_sessions'), 0);
    assert.equal((await h.simLog()).requests.length, 0, 'nothing reached Glia');
    const curl = await h.proxy.request('/handoff/sessions', {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({description: 'from a script'}),
    });
    assert.equal(curl.status, 201);
  });

  it('rejects bad bodies with 400 and the field in words, and changes nothing', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const cases: Array<[string | undefined, unknown, RegExp]> = [
      ['{"description": ', undefined, /not valid JSON/],
      [undefined, {description: '   '}, /description must not be empty/],
      [undefined, {description: 'x', admin: true}, /unknown field admin/],
      [undefined, {description: 'x', email: 'not-an-email'}, /email must be a valid email/],
      [undefined, {}, /description is required/],
      [undefined, {description: 'x', queue: 'nope'}, /queue must be a valid uuid/],
    ];
    for (const [raw, body, expected] of cases) {
      const r = await h.browser('POST', '/handoff/sessions', raw === undefined ? {body} : {raw});
      assert.equal(r.status, 400, r.text);
      assert.equal(errorOf(r.body).code, 'validation');
      assert.match(errorOf(r.body).message, expected);
    }
    assert.equal(await h.metric('glia_handoff_sessions'), 0);
    assert.equal((await h.simLog()).requests.length, 0);
  });

  it('limits the body size and the message length', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const huge = await h.browser('POST', '/handoff/sessions', {
      raw: JSON.stringify({description: 'x'.repeat(LIMITS.bodyBytes + 10)}),
      headers: {'content-type': 'application/json'},
    });
    assert.equal(huge.status, 413);
    assert.equal(errorOf(huge.body).code, 'too-large');
    const session = await h.start();
    await h.accept();
    const long = await h.browser(
      'PUT',
      `/handoff/sessions/${session.id}/messages/${newMessageId()}`,
      {
        token: session.token,
        body: {text: 'x'.repeat(LIMITS.messageLength + 1)},
      }
    );
    assert.equal(long.status, 400);
    assert.match(
      errorOf(long.body).message,
      new RegExp(`text must be at most ${LIMITS.messageLength} characters`)
    );
    const badId = await h.browser('PUT', `/handoff/sessions/${session.id}/messages/42`, {
      token: session.token,
      body: {text: 'hi'},
    });
    assert.equal(badId.status, 400);
    assert.match(errorOf(badId.body).message, /UUID/);
  });

  it('limits new sessions per client address with 429 and Retry-After', async (t) => {
    const clock = new FakeClock();
    const h = setup({
      proxy: {
        now: clock.now,
        limits: {newSessionsPerAddress: {capacity: 2, refillPerSecond: 1 / 30}},
        clientAddress: (c) => c.req.header('x-test-address') ?? 'unknown',
      },
    });
    t.after(() => h.close());
    const from = (address: string) =>
      h.browser('POST', '/handoff/sessions', {
        body: {description: 'x'},
        headers: {'x-test-address': address},
      });
    assert.equal((await from('10.0.0.1')).status, 201);
    assert.equal((await from('10.0.0.1')).status, 201);
    const third = await from('10.0.0.1');
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '30');
    assert.equal(errorOf(third.body).code, 'rate-limited');
    assert.equal((await from('10.0.0.2')).status, 201, 'another address is not affected');
    clock.time += 30_000;
    assert.equal((await from('10.0.0.1')).status, 201, 'allowed again after the wait');
  });

  it('limits messages and typing per session', async (t) => {
    const h = setup({
      proxy: {
        limits: {
          messagesPerSession: {capacity: 2, refillPerSecond: 0.001},
          typingPerSession: {capacity: 1, refillPerSecond: 0.001},
        },
      },
    });
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    const send = () =>
      h.browser('PUT', `/handoff/sessions/${session.id}/messages/${newMessageId()}`, {
        token: session.token,
        body: {text: 'hi'},
      });
    assert.equal((await send()).status, 201);
    assert.equal((await send()).status, 201);
    const third = await send();
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    const typing = () =>
      h.browser('PUT', `/handoff/sessions/${session.id}/typing`, {
        token: session.token,
        body: {typing: true},
      });
    assert.equal((await typing()).status, 204);
    assert.equal((await typing()).status, 429);
    const other = await h.start();
    assert.equal(
      (
        await h.browser('PUT', `/handoff/sessions/${other.id}/typing`, {
          token: other.token,
          body: {typing: true},
        })
      ).status,
      204
    );
  });
});

describe('a delivery decided on a record this instance held, another instance changed since', () => {
  /**
   * An instance on Redis keeps the records it read and wrote (`peek`), and starts a delivery's
   * change from that. Here the store hands out a record from before the agent started typing, as
   * an instance would whose last read came before another instance took that delivery.
   */
  async function stale(t: TestContext) {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const open = await h.stream(session.id, session.token);
    await open.events(3);
    const before = await h.proxy.store.sessions.get(session.id);
    assert.ok(before);
    await h.operator('POST', `/engagements/${engagementId}/typing`, {typing: true});
    assert.deepEqual(
      (await open.events(1)).map((e) => e.event),
      [{type: 'typing', typing: true}]
    );
    h.proxy.store.sessions.peek = (id) => (id === session.id ? before : undefined);
    return {h, session, engagementId, open};
  }

  it('is decided again on the latest version when it would change nothing there', async (t) => {
    const {h, engagementId, open} = await stale(t);
    // On the old record the agent was not typing, so a stop would change nothing: the visitor
    // would see "typing…" for ever. On the latest it is a change.
    await h.operator('POST', `/engagements/${engagementId}/typing`, {typing: false});
    assert.deepEqual(
      (await open.events(1)).map((e) => e.event),
      [{type: 'typing', typing: false}]
    );
  });

  it('is committed once, on the latest version, when it is a change', async (t) => {
    const {h, session, engagementId, open} = await stale(t);
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'Still there?'});
    // The simulator says the agent stopped typing, then the message.
    const events = (await open.events(2)).map((e) => e.event);
    assert.deepEqual(
      events.map((e) => (e.type === 'message' ? e.message.text : e)),
      [{type: 'typing', typing: false}, 'Still there?']
    );
    const record = await h.proxy.store.sessions.get(session.id);
    assert.equal(
      record?.operatorTyping,
      false,
      'the message ended the typing, on the latest record'
    );
  });
});
