import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it} from 'node:test';
import {LegacyObjectError} from '../../src/wire/glia/index.js';
import {SEED, fakeTimers, setup} from './support.js';

describe('simulator: fault injection', () => {
  it('answers a matching request with the injected status and Retry-After, the given number of times', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const r = await call('POST', '/__sim/faults', {
      body: {rules: [{method: 'POST', path: '/visitors', status: 429, retry_after: 7, times: 2}]},
    });
    assert.equal(r.status, 200);
    for (let i = 0; i < 2; i++) {
      const limited = await call('POST', '/visitors', {token});
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '7');
      LegacyObjectError.parse(limited.body);
    }
    assert.equal((await call('POST', '/visitors', {token})).status, 200);
  });

  it('matches paths with * and leaves other methods alone', async (t) => {
    const {sim, call, serviceToken, activeEngagement} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    await call('POST', '/__sim/faults', {
      body: {rules: [{method: 'PUT', path: '/engagements/*', status: 503}]},
    });
    const put = await call('PUT', `/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'x'},
    });
    assert.equal(put.status, 503);
    assert.equal(
      (await call('GET', `/engagements/${engagement.id}`, {token: await serviceToken()})).status,
      200
    );
    const state = (await call('GET', '/__sim/state')).body as {
      engagements: {messages: unknown[]}[];
    };
    assert.equal(state.engagements[0]?.messages.length, 0, 'a faulted request changes nothing');
  });

  it('clears every rule with DELETE /__sim/faults', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    await call('POST', '/__sim/faults', {body: {rules: [{path: '/visitors', status: 500}]}});
    assert.equal((await call('POST', '/visitors', {token})).status, 500);
    assert.equal((await call('DELETE', '/__sim/faults')).status, 204);
    assert.equal((await call('POST', '/visitors', {token})).status, 200);
    assert.deepEqual((await call('GET', '/__sim/faults')).body, {rules: []});
  });

  it('delays a matching request by delay_ms on the injected clock', async (t) => {
    const clock = fakeTimers();
    const {sim, call, serviceToken} = setup({now: clock.now, timers: clock.timers});
    t.after(() => sim.close());
    const token = await serviceToken();
    await call('POST', '/__sim/faults', {
      body: {rules: [{path: `/queues/${SEED.openQueue.id}`, delay_ms: 5000, times: 1}]},
    });
    let answered = false;
    const pending = call('GET', `/queues/${SEED.openQueue.id}`, {token}).then((r) => {
      answered = true;
      return r;
    });
    await clock.tick(4999);
    assert.equal(answered, false);
    await clock.tick(1);
    assert.equal((await pending).status, 200);
  });

  it('refuses rules without an effect or with a bad status (422)', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    for (const rules of [
      [{path: '/visitors'}],
      [{path: '/visitors', status: 200}],
      [],
      [{status: 500}],
    ])
      assert.equal(
        (await call('POST', '/__sim/faults', {body: {rules}})).status,
        422,
        JSON.stringify(rules)
      );
    assert.deepEqual((await call('GET', '/__sim/faults')).body, {rules: []});
  });

  it('drops a matching webhook delivery', async (t) => {
    const {sim, call, waitingTicket, delivered} = setup();
    t.after(() => sim.close());
    await call('POST', '/__sim/faults', {
      body: {rules: [{path: 'engagement.start', drop_webhook: true, times: 1}]},
    });
    const {ticket} = await waitingTicket();
    await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    assert.equal((await delivered('engagement.start')).length, 0);
    const log = (await call('GET', '/__sim/log')).body as {
      webhooks: {event_type: string; outcome: string}[];
    };
    assert.deepEqual(
      log.webhooks.map((w) => [w.event_type, w.outcome]),
      [['engagement.start', 'dropped']]
    );
  });

  it('duplicates a matching webhook delivery', async (t) => {
    const {sim, call, activeEngagement, delivered} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement();
    await call('POST', '/__sim/faults', {
      body: {rules: [{path: '*', duplicate_webhook: true, times: 1}]},
    });
    await call('POST', `/__sim/engagements/${engagement.id}/messages`, {body: {content: 'once'}});
    const messages = await delivered('engagement.chat.message');
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[0]?.payload, messages[1]?.payload);
  });
});

describe('simulator: request log', () => {
  it('records method, path, credential kind and status of each Glia request, never a token or secret', async (t) => {
    const {sim, call, serviceToken, siteToken, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    await call('DELETE', '/__sim/log');
    const service = await serviceToken();
    const site = await siteToken();
    const visitor = await newVisitor(site);
    await call('POST', '/queue_tickets', {token: visitor.access_token, body: ticketBody()});
    await call('GET', `/queues/${SEED.openQueue.id}`, {token: service});
    await call('GET', `/queues/${SEED.openQueue.id}`);
    const log = (await call('GET', '/__sim/log')).body as {
      requests: {method: string; path: string; credential: string; status: number}[];
    };
    assert.deepEqual(
      log.requests.map((r) => [r.method, r.path, r.credential, r.status]),
      [
        ['POST', '/operator_authentication/tokens', 'none', 200],
        ['POST', '/sites/tokens', 'none', 200],
        ['POST', '/visitors', 'site', 200],
        ['POST', '/queue_tickets', 'visitor', 201],
        ['GET', `/queues/${SEED.openQueue.id}`, 'service', 200],
        ['GET', `/queues/${SEED.openQueue.id}`, 'none', 401],
      ]
    );
    const text = JSON.stringify(log);
    for (const secret of [
      service,
      site,
      visitor.access_token,
      SEED.serviceCredential.apiKeySecret,
      SEED.siteApiKey.apiKeySecret,
      'per-session-secret',
    ])
      assert.equal(text.includes(secret), false);
  });

  it('logs injected faults with their status, and not the control API', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    await call('POST', '/__sim/faults', {
      body: {rules: [{path: '/visitors', status: 502, times: 1}]},
    });
    await call('POST', '/visitors', {token});
    const log = (await call('GET', '/__sim/log')).body as {
      requests: {path: string; status: number}[];
    };
    assert.deepEqual(log.requests.at(-1), {...log.requests.at(-1), path: '/visitors', status: 502});
    assert.equal(
      log.requests.some((r) => r.path.startsWith('/__sim')),
      false
    );
  });
});
