/**
 * The findings of a security review of the running proxy, each reproduced as an attack: what the
 * attacker tried, and what the proxy now answers.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {clientAddress} from '../../src/proxy/http.js';
import {FakeClock, newMessageId, setup} from './support.js';

describe('the client address behind trusted reverse proxies', () => {
  it('with TRUST_PROXY=true, 25 starts with a made-up leftmost X-Forwarded-For share one limit', async (t) => {
    const h = setup({
      env: {TRUST_PROXY: 'true'},
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
