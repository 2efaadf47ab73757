import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it} from 'node:test';
import {
  ChatMessage,
  ChatMessageEvent,
  ChatMessageStatusEvent,
  ChatTranscript,
  Engagement,
  EndEngagementResponse,
  EngagementEndEvent,
  EngagementTransferEvent,
  LegacyObjectError,
  Operator,
  ValidationError,
} from '../../src/wire/glia/index.js';
import {SEED, setup} from './support.js';

describe('simulator: chat messages', () => {
  it('stores a visitor message once per uuid and answers 200 with the message object', async (t) => {
    const {sim, call, activeEngagement, state} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const id = randomUUID();
    const path = `/engagements/${engagement.id}/chat_messages/${id}`;
    const first = await call('PUT', path, {
      token: visitor.access_token,
      body: {content: 'My VPN drops'},
    });
    assert.equal(first.status, 200);
    const message = ChatMessage.parse(first.body);
    assert.equal(message.id, id);
    assert.equal(message.engagement_id, engagement.id);
    assert.equal(message.sender?.type, 'visitor');
    assert.equal(message.target, 'operator');
    assert.equal(message.status, 'sent');
    const again = await call('PUT', path, {
      token: visitor.access_token,
      body: {content: 'My VPN drops'},
    });
    assert.equal(again.status, 200);
    assert.equal(ChatMessage.parse(again.body).id, id);
    const messages = (await state()).engagements[0]?.messages ?? [];
    assert.equal(messages.filter((m) => m.id === id).length, 1);
  });

  it('echoes a visitor message to the webhook with target operator, then its status', async (t) => {
    const {sim, call, activeEngagement, delivered} = setup({messageStatusDelayMs: 0});
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const id = randomUUID();
    await call('PUT', `/engagements/${engagement.id}/chat_messages/${id}`, {
      token: visitor.access_token,
      body: {content: 'Hello'},
    });
    await call('PUT', `/engagements/${engagement.id}/chat_messages/${id}`, {
      token: visitor.access_token,
      body: {content: 'Hello'},
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const echoes = (await delivered('engagement.chat.message')).map((d) =>
      ChatMessageEvent.parse(d.payload)
    );
    assert.equal(echoes.length, 1);
    assert.equal(echoes[0]?.message.target, 'operator');
    assert.equal(echoes[0]?.message.content, 'Hello');
    const statuses = (await delivered('engagement.chat.message_status')).map((d) =>
      ChatMessageStatusEvent.parse(d.payload)
    );
    assert.equal(statuses.length, 1);
    assert.equal(statuses[0]?.message?.id, id);
  });

  it('delivers operator messages from the control API with target visitor and the operator as sender', async (t) => {
    const {sim, call, activeEngagement, delivered} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement('Ada Lovelace');
    const r = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {content: 'Hi, I can help'},
    });
    assert.equal(r.status, 201);
    const [event] = (await delivered('engagement.chat.message')).map((d) =>
      ChatMessageEvent.parse(d.payload)
    );
    assert.equal(event?.message.target, 'visitor');
    // As Glia documents a message: the sender by type only.
    assert.deepEqual(event?.message.sender, {type: 'operator'});
    assert.equal(event?.message.content, 'Hi, I can help');
  });

  it('refuses a non-uuid id, an empty or missing content and extra fields with 422, storing nothing', async (t) => {
    const {sim, call, activeEngagement, state} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const cases = [
      [`/engagements/${engagement.id}/chat_messages/not-a-uuid`, {content: 'x'}],
      [`/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {content: ''}],
      [`/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {}],
      [`/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {content: 'x', admin: true}],
      [`/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {content: 7}],
    ] as const;
    for (const [path, body] of cases) {
      const r = await call('PUT', path, {token: visitor.access_token, body});
      assert.equal(r.status, 422, JSON.stringify(body));
      ValidationError.parse(r.body);
    }
    assert.equal((await state()).engagements[0]?.messages.length, 0);
  });

  it('answers another visitor with 403, an unknown engagement with 404 and an ended one with 422', async (t) => {
    const {sim, call, activeEngagement, newVisitor} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const stranger = await newVisitor();
    const body = {content: 'x'};
    const forbidden = await call(
      'PUT',
      `/engagements/${engagement.id}/chat_messages/${randomUUID()}`,
      {token: stranger.access_token, body}
    );
    assert.equal(forbidden.status, 403);
    LegacyObjectError.parse(forbidden.body);
    const unknown = await call('PUT', `/engagements/${SEED.siteId}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body,
    });
    assert.equal(unknown.status, 404);
    await call('POST', `/__sim/engagements/${engagement.id}/end`);
    const ended = await call('PUT', `/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body,
    });
    assert.equal(ended.status, 422);
  });
});

describe('simulator: typing indicator', () => {
  it('answers 204 to the visitor, 403 to a stranger and 422 to a bad body or an ended engagement', async (t) => {
    const {sim, call, activeEngagement, newVisitor, state} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const path = `/engagements/${engagement.id}/typing_indicator`;
    assert.equal(
      (await call('PUT', path, {token: visitor.access_token, body: {typing: true}})).status,
      204
    );
    const s = (await state()) as unknown as {engagements: {visitor_typing: boolean}[]};
    assert.equal(s.engagements[0]?.visitor_typing, true);
    const stranger = await newVisitor();
    assert.equal(
      (await call('PUT', path, {token: stranger.access_token, body: {typing: true}})).status,
      403
    );
    assert.equal(
      (await call('PUT', path, {token: visitor.access_token, body: {typing: 'yes'}})).status,
      422
    );
    await call('POST', `/__sim/engagements/${engagement.id}/end`);
    assert.equal(
      (await call('PUT', path, {token: visitor.access_token, body: {typing: false}})).status,
      422
    );
  });

  it('sends operator typing only to webhooks that registered engagement.operator_typing', async (t) => {
    const {sim, call, newVisitor, ticketBody, delivered} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const body = ticketBody({
      webhooks: [
        {
          url: 'http://a.test/hook',
          method: 'POST',
          events: ['engagement.start', 'engagement.operator_typing'],
        },
        {url: 'http://b.test/hook', method: 'POST', events: ['engagement.start']},
      ],
    });
    const ticket = (await call('POST', '/queue_tickets', {token: visitor.access_token, body}))
      .body as {id: string};
    const accepted = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    const engagementId = (accepted.body as {engagement: {id: string}}).engagement.id;
    assert.equal(
      (await call('POST', `/__sim/engagements/${engagementId}/typing`, {body: {typing: true}}))
        .status,
      204
    );
    const typing = await delivered('engagement.operator_typing');
    assert.deepEqual(
      typing.map((d) => d.url),
      ['http://a.test/hook']
    );
    assert.equal(
      typing[0]?.payload.event_type === 'engagement.operator_typing' && typing[0].payload.typing,
      true
    );
  });
});

describe('simulator: ending, reading and transferring engagements', () => {
  it('lets the visitor end the engagement: 200 {id, sub_engagement_id}, engagement.end, then 422', async (t) => {
    const {sim, call, activeEngagement, delivered, state} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const r = await call('PATCH', `/engagements/${engagement.id}`, {
      token: visitor.access_token,
      body: {action: 'end'},
    });
    assert.equal(r.status, 200);
    assert.equal(EndEngagementResponse.parse(r.body).id, engagement.id);
    const [end] = await delivered('engagement.end');
    assert.equal(EngagementEndEvent.parse(end?.payload).engagement.id, engagement.id);
    assert.equal((await state()).engagements[0]?.state, 'ended');
    const again = await call('PATCH', `/engagements/${engagement.id}`, {
      token: visitor.access_token,
      body: {action: 'end'},
    });
    assert.equal(again.status, 422);
    ValidationError.parse(again.body);
  });

  it('refuses to end for a non-participant (403) or with a bad action (422)', async (t) => {
    const {sim, call, activeEngagement, newVisitor, serviceToken} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    const stranger = await newVisitor();
    const path = `/engagements/${engagement.id}`;
    assert.equal(
      (await call('PATCH', path, {token: stranger.access_token, body: {action: 'end'}})).status,
      403
    );
    assert.equal(
      (await call('PATCH', path, {token: await serviceToken(), body: {action: 'end'}})).status,
      403
    );
    assert.equal(
      (await call('PATCH', path, {token: visitor.access_token, body: {action: 'pause'}})).status,
      422
    );
    assert.equal((await call('PATCH', path, {token: visitor.access_token})).status, 422);
  });

  it('shows an engagement and its transcript to a service token and to its visitor', async (t) => {
    const {sim, call, activeEngagement, serviceToken} = setup();
    t.after(() => sim.close());
    const {visitor, engagement} = await activeEngagement();
    await call('PUT', `/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'Hello'},
    });
    await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {content: 'Hi there'},
    });
    for (const token of [await serviceToken(), visitor.access_token]) {
      const r = await call('GET', `/engagements/${engagement.id}`, {token});
      assert.equal(r.status, 200);
      const body = Engagement.parse(r.body);
      assert.equal(body.visitor_id, visitor.id);
      assert.equal(body.source, 'visitor_integrator');
      const transcript = ChatTranscript.parse(
        (await call('GET', `/engagements/${engagement.id}/chat_transcript`, {token})).body
      );
      assert.deepEqual(
        transcript.map((m) => [m.sender?.type, m.message]),
        [
          ['visitor', 'Hello'],
          ['operator', 'Hi there'],
        ]
      );
    }
    assert.equal(
      (await call('GET', `/engagements/${SEED.siteId}`, {token: await serviceToken()})).status,
      404
    );
  });

  it('names the operator at GET /operators/:id for a service or site token', async (t) => {
    const {sim, call, serviceToken, siteToken, activeEngagement} = setup();
    t.after(() => sim.close());
    const {visitor} = await activeEngagement('Grace Hopper');
    const start = (await call('GET', '/__sim/state')).body as {
      engagements: {operator: {id: string}}[];
    };
    const operatorId = start.engagements[0]?.operator.id ?? '';
    for (const token of [await serviceToken(), await siteToken()]) {
      const r = await call('GET', `/operators/${operatorId}`, {token});
      assert.equal(r.status, 200);
      const operator = r.body as {id: string; name: string; href: string};
      assert.deepEqual([operator.id, operator.name], [operatorId, 'Grace Hopper']);
      assert.equal(operator.href, `http://localhost/operators/${operatorId}`);
    }
    assert.equal(
      (await call('GET', `/operators/${SEED.operators[1].id}`, {token: await serviceToken()}))
        .status,
      200
    );
    assert.equal(
      (await call('GET', `/operators/${SEED.siteId}`, {token: await serviceToken()})).status,
      404
    );
    assert.equal(
      (await call('GET', `/operators/${operatorId}`, {token: visitor.access_token})).status,
      403
    );
  });

  it('transfers to another operator: engagement.transfer names the new operator', async (t) => {
    const {sim, call, activeEngagement, delivered, serviceToken} = setup();
    t.after(() => sim.close());
    const {engagement} = await activeEngagement();
    const r = await call('POST', `/__sim/engagements/${engagement.id}/transfer`, {
      body: {operator: {name: 'Sam Okafor'}},
    });
    assert.equal(r.status, 200);
    const [transfer] = await delivered('engagement.transfer');
    const payload = EngagementTransferEvent.parse(transfer?.payload);
    const operatorId = payload.engagement.current_sub_engagement?.operator_id ?? '';
    assert.equal(operatorId, SEED.operators[1].id);
    const operator = Operator.parse(
      (await call('GET', `/operators/${operatorId}`, {token: await serviceToken()})).body
    );
    assert.equal(operator.name, 'Sam Okafor');
  });
});

describe('simulator: operator typing around a message', () => {
  it('sends typing false before the operator message that ends the typing', async (t) => {
    const {sim, call, newVisitor, ticketBody, delivered} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const body = ticketBody({
      webhooks: [
        {
          url: 'http://a.test/hook',
          method: 'POST',
          events: ['engagement.chat.message', 'engagement.operator_typing'],
        },
      ],
    });
    const ticket = (await call('POST', '/queue_tickets', {token: visitor.access_token, body}))
      .body as {id: string};
    const accepted = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    const engagementId = (accepted.body as {engagement: {id: string}}).engagement.id;
    await call('POST', `/__sim/engagements/${engagementId}/typing`, {body: {typing: true}});
    await call('POST', `/__sim/engagements/${engagementId}/messages`, {
      body: {content: 'Found it'},
    });
    const sequence = (await delivered()).map((d) =>
      d.payload.event_type === 'engagement.operator_typing'
        ? `typing:${d.payload.typing}`
        : d.payload.event_type
    );
    assert.deepEqual(sequence, ['typing:true', 'typing:false', 'engagement.chat.message']);
  });
});
