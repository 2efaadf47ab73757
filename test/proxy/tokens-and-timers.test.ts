import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {FakeClock, newMessageId, setup} from './support.js';

const tokenRequests = (log: {requests: Array<{path: string}>}) =>
  log.requests.filter((r) => r.path.endsWith('/tokens') && !r.path.startsWith('/visitors')).length;

describe('Glia tokens', () => {
  it('100 concurrent new sessions cause one token exchange', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const answers = await Promise.all(
      Array.from({length: 100}, (_, i) =>
        h.browser('POST', '/handoff/sessions', {body: {description: `Request ${i}`}})
      )
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    assert.equal(tokenRequests(await h.simLog()), 1);
    assert.equal((await h.simState()).tickets.length, 100);
  });

  it('a token that expires mid-engagement is renewed without the visitor noticing', async (t) => {
    const clock = new FakeClock();
    const h = setup({proxy: {now: clock.now}, sim: {now: clock.now, tokenTtlSeconds: 600}});
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept('Alex Rivera');
    const stream = await h.stream(session.id, session.token);
    await stream.events(3);

    clock.time += 3600_000; // an hour later, every Glia service token has expired
    await h.operator('POST', `/engagements/${engagementId}/transfer`, {
      operator: {name: 'Sam Okafor'},
    });
    const sent = await h.browser(
      'PUT',
      `/handoff/sessions/${session.id}/messages/${newMessageId()}`,
      {
        token: session.token,
        body: {text: 'still there?'},
      }
    );
    assert.equal(sent.status, 201);
    const events = await stream.events(2);
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['operator', 'message']
    );
    assert.deepEqual(events[0]?.event, {
      type: 'operator',
      operator: {name: 'Sam Okafor'},
      change: 'transferred',
    });
    const log = await h.simLog();
    assert.equal(tokenRequests(log), 2);
    assert.ok(
      log.requests.every((r) => r.status < 400),
      'no call failed'
    );
    await stream.drop();
  });

  it('a token Glia rejects before its time is re-minted once and the call goes through', async (t) => {
    const gliaClock = new FakeClock();
    // Glia's clock runs ahead of the proxy's: the proxy thinks its token is fresh, Glia says 401.
    const h = setup({sim: {now: gliaClock.now, tokenTtlSeconds: 600}});
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    gliaClock.time += 3600_000;
    await h.operator('POST', `/engagements/${engagementId}/transfer`, {
      operator: {name: 'Sam Okafor'},
    });
    assert.deepEqual((await h.snapshot(session.id, session.token)).operator, {name: 'Sam Okafor'});
    const operatorCalls = (await h.simLog()).requests.filter((r) =>
      r.path.startsWith('/operators/')
    );
    assert.deepEqual(
      operatorCalls.map((r) => r.status),
      [200, 401, 200]
    );
  });

  it("renews the visitor's own token when Glia says it expired", async (t) => {
    const clock = new FakeClock();
    const h = setup({sim: {now: clock.now, visitorTokenTtlSeconds: 60}});
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    clock.time += 120_000;
    const sent = await h.browser(
      'PUT',
      `/handoff/sessions/${session.id}/messages/${newMessageId()}`,
      {
        token: session.token,
        body: {text: 'after a long pause'},
      }
    );
    assert.equal(sent.status, 201, sent.text);
    const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
    assert.ok(engagement?.messages.some((m) => m.content === 'after a long pause'));
    // The renewed token was sealed into the session: the next message goes out with it at once.
    const again = await h.browser(
      'PUT',
      `/handoff/sessions/${session.id}/messages/${newMessageId()}`,
      {token: session.token, body: {text: 'and again'}}
    );
    assert.equal(again.status, 201, again.text);
    const log = await h.simLog();
    const renewals = log.requests.filter((r) => /^\/visitors\/[^/]+\/token$/.test(r.path));
    assert.equal(renewals.length, 1);
    const sends = log.requests.filter((r) => r.path.includes('/chat_messages/'));
    assert.deepEqual(
      sends.map((r) => r.status),
      [401, 200, 200]
    );
  });
});

describe('typing', () => {
  it('tells Glia at most once per 3 s, and always the final state', async (t) => {
    const clock = new FakeClock();
    const h = setup({proxy: {now: clock.now, timers: clock, typingIntervalMs: 3000}});
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const typing = (value: boolean) =>
      h.browser('PUT', `/handoff/sessions/${session.id}/typing`, {
        token: session.token,
        body: {typing: value},
      });
    const typingCalls = async () =>
      (await h.simLog()).requests.filter((r) => r.path.endsWith('/typing_indicator')).length;
    const visitorTyping = async () =>
      (
        (await h.simState()).engagements.find((e) => e.id === engagementId) as unknown as {
          visitor_typing: boolean;
        }
      ).visitor_typing;

    await typing(true);
    await clock.advance(0);
    assert.equal(await typingCalls(), 1);
    assert.equal(await visitorTyping(), true);
    for (const value of [false, true, false, true, false]) {
      await typing(value);
      await clock.advance(200);
    }
    assert.equal(await typingCalls(), 1, 'held back inside the 3 s window');
    await clock.advance(3000);
    assert.equal(await typingCalls(), 2);
    assert.equal(await visitorTyping(), false, 'the final false went out');
    await clock.advance(10_000);
    assert.equal(await typingCalls(), 2, 'nothing more to say');

    // Long after: typing goes out at once again; typing again just after stopping waits its turn.
    await typing(true);
    await clock.advance(0);
    assert.equal(await typingCalls(), 3);
    await clock.advance(3000);
    await typing(false);
    await clock.advance(0);
    assert.equal(await typingCalls(), 4);
    await typing(true);
    await clock.advance(1000);
    assert.equal(await typingCalls(), 4, 'held back after the stop');
    await clock.advance(2000);
    assert.equal(await typingCalls(), 5);
    assert.equal(await visitorTyping(), true, 'typing again went out');
  });

  it('sends nothing to Glia while no agent has joined', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const r = await h.browser('PUT', `/handoff/sessions/${session.id}/typing`, {
      token: session.token,
      body: {typing: true},
    });
    assert.equal(r.status, 204);
    assert.ok(!(await h.simLog()).requests.some((q) => q.path.endsWith('/typing_indicator')));
  });
});

describe('idle sessions', () => {
  it('end their Glia engagement or ticket after the idle time, and are gone; active ones stay', async (t) => {
    const clock = new FakeClock();
    const h = setup({env: {SESSION_IDLE_SECONDS: '600'}, proxy: {now: clock.now, timers: clock}});
    t.after(() => h.close());
    const waiting = await h.start({description: 'waiting'});
    const talking = await h.start({description: 'talking'});
    const engagementId = await h.accept();
    const active = await h.start({description: 'active'});
    const watched = await h.start({description: 'watched'});
    const stream = await h.stream(watched.id, watched.token);

    // The open stream's heartbeats go out (each one that drains counts as activity).
    await clock.advance(300_000);
    await h.snapshot(active.id, active.token); // a request counts as activity
    await clock.advance(301_000);
    assert.equal(await h.proxy.sweep(), 2);

    for (const gone of [waiting, talking]) {
      const r = await h.browser('GET', `/handoff/sessions/${gone.id}`, {token: gone.token});
      assert.equal(r.status, 404);
    }
    assert.equal((await h.snapshot(active.id, active.token)).status, 'queued');
    assert.equal((await h.snapshot(watched.id, watched.token)).status, 'queued');
    const state = await h.simState();
    assert.equal(state.engagements.find((e) => e.id === engagementId)?.state, 'ended');
    assert.equal(state.tickets[0]?.state, 'cancelled');
    await stream.drop();
  });

  it('are swept on a timer', async (t) => {
    const clock = new FakeClock();
    const h = setup({
      env: {SESSION_IDLE_SECONDS: '60'},
      proxy: {now: clock.now, timers: clock, sweepIntervalMs: 30_000},
    });
    t.after(() => h.close());
    const session = await h.start();
    await clock.advance(91_000);
    const r = await h.browser('GET', `/handoff/sessions/${session.id}`, {token: session.token});
    assert.equal(r.status, 404);
  });
});
