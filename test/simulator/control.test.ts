import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it} from 'node:test';
import {EngagementRequestFailureEvent} from '../../src/wire/glia/index.js';
import {SEED, fakeTimers, setup} from './support.js';

describe('simulator control API: state and operator actions', () => {
  it('shows sites, queues, credentials, visitors, tickets and engagements in the documented shape', async (t) => {
    const {sim, call, activeEngagement, serviceToken} = setup();
    t.after(() => sim.close());
    const {visitor, ticket, engagement} = await activeEngagement('Alex Rivera');
    await call('PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {
      token: await serviceToken(),
      body: {name: 'Dana', note: 'VPN drops', custom_attributes: {bot_transcript: 'User: help'}},
    });
    await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {content: 'Hello Dana'},
    });
    const state = (await call('GET', '/__sim/state')).body as Record<string, unknown[]>;
    assert.deepEqual(state.sites, [{id: SEED.siteId}]);
    assert.deepEqual(
      (state.queues as {id: string; open: boolean}[]).map((q) => [q.id, q.open]),
      [
        [SEED.openQueue.id, true],
        [SEED.closedQueue.id, false],
      ]
    );
    const v = (state.visitors as Record<string, unknown>[])[0];
    assert.deepEqual(
      [v?.id, v?.name, v?.note, v?.custom_attributes],
      [visitor.id, 'Dana', 'VPN drops', {bot_transcript: 'User: help'}]
    );
    const tk = (state.tickets as Record<string, unknown>[])[0];
    assert.deepEqual(
      [tk?.id, tk?.visitor_id, tk?.queue_id, tk?.state],
      [ticket.id, visitor.id, SEED.openQueue.id, 'accepted']
    );
    const e = (state.engagements as Record<string, unknown>[])[0] as {
      id: string;
      ticket_id: string;
      visitor_id: string;
      operator: {name: string};
      state: string;
      messages: {id: string; content: string; sender: string; target: string}[];
    };
    assert.deepEqual(
      [e.id, e.ticket_id, e.visitor_id, e.operator.name, e.state],
      [engagement.id, ticket.id, visitor.id, 'Alex Rivera', 'active']
    );
    assert.deepEqual(
      e.messages.map((m) => [m.content, m.sender, m.target]),
      [['Hello Dana', 'operator', 'visitor']]
    );
  });

  it("never shows the webhook headers, which carry the integrator's secret", async (t) => {
    const {sim, call, waitingTicket} = setup();
    t.after(() => sim.close());
    await waitingTicket();
    const text = JSON.stringify((await call('GET', '/__sim/state')).body);
    assert.doesNotMatch(text, /per-session-secret/);
    assert.match(text, /handoff\/webhooks\/glia/);
  });

  it('answers accept and reject of an unknown ticket with 404 and of a handled one with 409', async (t) => {
    const {sim, call, activeEngagement} = setup();
    t.after(() => sim.close());
    const {ticket} = await activeEngagement();
    assert.equal(
      (await call('POST', `/__sim/queue_tickets/${randomUUID()}/accept`, {body: {}})).status,
      404
    );
    assert.equal((await call('POST', `/__sim/queue_tickets/${randomUUID()}/reject`)).status, 404);
    assert.equal(
      (await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}})).status,
      409
    );
    assert.equal((await call('POST', `/__sim/queue_tickets/${ticket.id}/reject`)).status, 409);
  });

  it('rejects a waiting ticket with engagement.request.failure', async (t) => {
    const {sim, call, waitingTicket, delivered} = setup();
    t.after(() => sim.close());
    const {ticket} = await waitingTicket();
    const r = await call('POST', `/__sim/queue_tickets/${ticket.id}/reject`);
    assert.equal(r.status, 200);
    const [failure] = await delivered('engagement.request.failure');
    assert.equal(EngagementRequestFailureEvent.parse(failure?.payload).queue_ticket?.id, ticket.id);
  });

  it('refuses bad control bodies with 422 and unknown engagements with 404, changing nothing', async (t) => {
    const {sim, call, activeEngagement, delivered} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement();
    const bad = [
      [`/__sim/engagements/${engagement.id}/messages`, {content: ''}],
      [`/__sim/engagements/${engagement.id}/messages`, {text: 'hi'}],
      [`/__sim/engagements/${engagement.id}/typing`, {typing: 'yes'}],
      [`/__sim/engagements/${engagement.id}/transfer`, {operator: {name: ''}}],
      [`/__sim/engagements/${engagement.id}/transfer`, {}],
    ] as const;
    for (const [path, body] of bad)
      assert.equal((await call('POST', path, {body})).status, 422, path);
    const malformed = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      raw: '{',
      headers: {'content-type': 'application/json'},
    });
    assert.equal(malformed.status, 400);
    assert.equal(
      (await call('POST', `/__sim/engagements/${randomUUID()}/messages`, {body: {content: 'x'}}))
        .status,
      404
    );
    assert.equal((await call('POST', `/__sim/engagements/${randomUUID()}/end`)).status, 404);
    assert.equal((await delivered('engagement.chat.message')).length, 0);
    assert.equal((await delivered('engagement.transfer')).length, 0);
  });

  it('ends an engagement once: engagement.end, then 409', async (t) => {
    const {sim, call, activeEngagement, delivered} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement();
    assert.equal((await call('POST', `/__sim/engagements/${engagement.id}/end`)).status, 200);
    assert.equal((await call('POST', `/__sim/engagements/${engagement.id}/end`)).status, 409);
    assert.equal(
      (
        await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
          body: {content: 'late'},
        })
      ).status,
      409
    );
    assert.equal((await delivered('engagement.end')).length, 1);
  });

  it('refuses a transfer to the operator already serving', async (t) => {
    const {sim, call, activeEngagement} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement('Alex Rivera');
    const r = await call('POST', `/__sim/engagements/${engagement.id}/transfer`, {
      body: {operator: {name: 'Alex Rivera'}},
    });
    assert.equal(r.status, 409);
  });
});

describe('simulator control API: credentials, config, reset, queues', () => {
  it('registers a credential (201), replaces it (200), refuses a bad one (422)', async (t) => {
    const {sim, call, state} = setup();
    t.after(() => sim.close());
    const body = {api_key_id: 'k', api_key_secret: 's', type: 'service', policies: ['fetch_queue']};
    assert.equal((await call('POST', '/__sim/credentials', {body})).status, 201);
    assert.equal(
      (await call('POST', '/__sim/credentials', {body: {...body, policies: ['create_visitor']}}))
        .status,
      200
    );
    assert.deepEqual((await state()).credentials.find((c) => c.api_key_id === 'k')?.policies, [
      'create_visitor',
    ]);
    for (const invalid of [
      {...body, type: 'user'},
      {...body, policies: ['fly']},
      {api_key_id: 'k2', type: 'site'},
    ])
      assert.equal((await call('POST', '/__sim/credentials', {body: invalid})).status, 422);
  });

  it('resets to the seed: visitors, tickets, credentials, config and faults forgotten', async (t) => {
    const {sim, call, activeEngagement, state, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    await activeEngagement();
    await call('POST', '/__sim/credentials', {
      body: {api_key_id: 'extra', api_key_secret: 's', type: 'service'},
    });
    await call('POST', '/__sim/config', {body: {token_ttl_seconds: 5}});
    await call('POST', '/__sim/faults', {body: {rules: [{path: '/visitors', status: 503}]}});
    assert.equal((await call('POST', '/__sim/reset')).status, 204);
    const after = await state();
    assert.deepEqual(
      [after.visitors.length, after.tickets.length, after.engagements.length],
      [0, 0, 0]
    );
    assert.deepEqual(
      after.credentials.map((c) => c.api_key_id).sort(),
      [SEED.serviceCredential.apiKeyId, SEED.siteApiKey.apiKeyId].sort()
    );
    assert.equal(
      ((await call('GET', '/__sim/config')).body as {token_ttl_seconds: number}).token_ttl_seconds,
      3600
    );
    assert.equal(
      (await call('POST', '/visitors', {token})).status,
      401,
      'old tokens are forgotten too'
    );
    assert.equal((await call('POST', '/visitors', {token: await serviceToken()})).status, 200);
  });

  it('closes and reopens a queue: a ticket to a closed queue fails', async (t) => {
    const {sim, call, newVisitor, ticketBody, delivered, serviceToken} = setup();
    t.after(() => sim.close());
    assert.equal(
      (await call('POST', `/__sim/queues/${SEED.openQueue.id}`, {body: {open: false}})).status,
      200
    );
    const queue = (await call('GET', `/queues/${SEED.openQueue.id}`, {token: await serviceToken()}))
      .body as {status: string};
    assert.equal(queue.status, 'closed');
    const visitor = await newVisitor();
    await call('POST', '/queue_tickets', {token: visitor.access_token, body: ticketBody()});
    assert.equal((await delivered('engagement.request.failure')).length, 1);
    assert.equal(
      (await call('POST', `/__sim/queues/${randomUUID()}`, {body: {open: true}})).status,
      404
    );
  });

  it('refuses a bad config with 422 and shows the config unchanged', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const before = (await call('GET', '/__sim/config')).body;
    for (const body of [
      {token_ttl_seconds: 0},
      {auto_operator: true},
      {auto_operator: {accept_after_ms: -1, reply_after_ms: 0}},
      {colour: 'red'},
    ])
      assert.equal((await call('POST', '/__sim/config', {body})).status, 422, JSON.stringify(body));
    assert.deepEqual((await call('GET', '/__sim/config')).body, before);
  });
});

describe('simulator: auto-operator', () => {
  it('accepts a waiting ticket after the configured delay and answers each visitor message', async (t) => {
    const clock = fakeTimers();
    const {sim, call, waitingTicket, delivered, state} = setup({
      now: clock.now,
      timers: clock.timers,
      autoOperator: {acceptAfterMs: 2000, replyAfterMs: 500},
    });
    t.after(() => sim.close());
    const {visitor} = await waitingTicket();
    await clock.tick(1999);
    assert.equal((await delivered('engagement.start')).length, 0);
    await clock.tick(1);
    assert.equal((await delivered('engagement.start')).length, 1);
    const engagementId = (await state()).engagements[0]?.id ?? '';
    await call('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'printer on fire'},
    });
    await clock.tick(500);
    const toVisitor = (await delivered('engagement.chat.message')).filter(
      (d) =>
        d.payload.event_type === 'engagement.chat.message' && d.payload.message.target === 'visitor'
    );
    assert.equal(toVisitor.length, 1);
    const reply = toVisitor[0]?.payload;
    assert.equal(
      reply?.event_type === 'engagement.chat.message' && reply.message.content,
      "Thanks, I'm looking into: printer on fire"
    );
  });

  it('is switched on through /__sim/config, serving visitors already waiting, and off again', async (t) => {
    const clock = fakeTimers();
    const {sim, call, waitingTicket, state} = setup({now: clock.now, timers: clock.timers});
    t.after(() => sim.close());
    await waitingTicket();
    await clock.tick(10_000);
    assert.equal((await state()).engagements.length, 0);
    const on = {
      auto_operator: {accept_after_ms: 100, reply_after_ms: 100, operator_name: 'Bot Bob'},
    };
    assert.equal((await call('POST', '/__sim/config', {body: on})).status, 200);
    await clock.tick(100);
    const engagements = (await state()).engagements;
    assert.equal(engagements.length, 1);
    assert.equal(engagements[0]?.operator.name, 'Bot Bob');
    await call('POST', '/__sim/config', {body: {auto_operator: false}});
    await waitingTicket();
    await clock.tick(10_000);
    assert.equal((await state()).engagements.length, 1);
  });
});

describe('simulator control API: requests from other web pages', () => {
  it('a text/plain or form POST (what any page can send without asking) is 415 and changes nothing', async (t) => {
    const {sim, call, activeEngagement} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement('Alex Rivera');
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
        raw: JSON.stringify({content: 'Please enter your password'}),
        headers: {'content-type': contentType},
      });
      assert.equal(r.status, 415, contentType);
      const {error} = r.body as {error: {code: string; message: string}};
      assert.equal(error.code, 'unsupported_media_type');
      assert.match(error.message, /Content-Type: application\/json/);
    }
    const reset = await call('POST', '/__sim/reset', {headers: {'content-type': 'text/plain'}});
    assert.equal(reset.status, 415);
    const noType = await call('POST', `/__sim/engagements/${engagement.id}/end`, {raw: '{}'});
    assert.equal(noType.status, 415);
    const state = (await call('GET', '/__sim/state')).body as {
      engagements: Array<{id: string; state: string; messages: unknown[]}>;
    };
    const after = state.engagements.find((e) => e.id === engagement.id);
    assert.equal(after?.state, 'active');
    assert.deepEqual(after?.messages, []);
  });

  it('a POST from another origin is 403 even without a body; the console (same origin) and JSON callers work', async (t) => {
    const {sim, call, activeEngagement} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement('Alex Rivera');
    const r = await call('POST', `/__sim/engagements/${engagement.id}/end`, {
      headers: {origin: 'https://evil.example'},
    });
    assert.equal(r.status, 403);
    assert.equal((r.body as {error: {code: string}}).error.code, 'cross_origin');
    const console = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {content: 'Hello'},
      // The console is served by the simulator itself, at its own origin.
      headers: {origin: 'http://localhost'},
    });
    assert.equal(console.status, 201);
    const ended = await call('POST', `/__sim/engagements/${engagement.id}/end`);
    assert.equal(ended.status, 200);
  });
});
