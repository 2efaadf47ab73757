import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  EngagementRequestFailureEvent,
  EngagementStartEvent,
  LegacyObjectError,
  Queue,
  QueueTicket,
  ValidationError,
} from '../../src/wire/glia/index.js';
import {HOOK_URL, SEED, setup} from './support.js';

describe('simulator: queues', () => {
  it('shows the open queue as opened with text and phone, the closed one as closed', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    // The recorded shape: status and self_status, media under available_properties, no `state`.
    const open = (await call('GET', `/queues/${SEED.openQueue.id}`, {token})).body as Record<
      string,
      unknown
    >;
    assert.equal(open.status, 'opened');
    assert.equal(open.self_status, 'opened');
    assert.deepEqual(open.available_properties, {media: ['text', 'phone']});
    assert.equal(open.average_wait_time, SEED.openQueue.averageWaitSeconds);
    assert.match(String(open.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(open.state, undefined);
    assert.equal(open.name, SEED.openQueue.name);
    assert.equal(open.site_id, SEED.siteId);
    const closed = Queue.parse((await call('GET', `/queues/${SEED.closedQueue.id}`, {token})).body);
    assert.equal(closed.status, 'closed');
  });

  it('answers an unknown queue with 404 and a missing fetch_queue policy with 403', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const unknown = await call('GET', `/queues/${SEED.siteId}`, {token});
    assert.equal(unknown.status, 404);
    LegacyObjectError.parse(unknown.body);
    await call('POST', '/__sim/credentials', {
      body: {
        api_key_id: 'no-queue',
        api_key_secret: 's',
        type: 'service',
        policies: ['create_visitor'],
      },
    });
    const limited = await serviceToken({apiKeyId: 'no-queue', apiKeySecret: 's'});
    const r = await call('GET', `/queues/${SEED.openQueue.id}`, {token: limited});
    assert.equal(r.status, 403);
    assert.match(JSON.stringify(r.body), /fetch_queue|fetch queue/);
  });
});

describe('simulator: queue tickets', () => {
  it('files a ticket with the visitor token: 201, waiting', async (t) => {
    const {sim, call, newVisitor, ticketBody, state} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    assert.equal(r.status, 201);
    const ticket = QueueTicket.parse(r.body);
    assert.equal(ticket.visitor_id, visitor.id);
    assert.equal(ticket.state, 'queued');
    assert.equal((await state()).tickets.find((x) => x.id === ticket.id)?.state, 'queued');
  });

  it('accepts queue_id as well as queue_ids', async (t) => {
    const {sim, call, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const body = {...ticketBody(), queue_ids: undefined, queue_id: SEED.openQueue.id};
    const r = await call('POST', '/queue_tickets', {token: visitor.access_token, body});
    assert.equal(r.status, 201);
    assert.deepEqual(QueueTicket.parse(r.body).queue_ids, [SEED.openQueue.id]);
  });

  it('answers the same criteria again with 200 and the same ticket, other criteria with 409', async (t) => {
    const {sim, call, newVisitor, ticketBody, state} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const first = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    const again = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    assert.equal(again.status, 200);
    assert.equal(QueueTicket.parse(again.body).id, QueueTicket.parse(first.body).id);
    const other = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody({media: 'phone'}),
    });
    assert.equal(other.status, 409);
    assert.equal((await state()).tickets.length, 1);
  });

  it('refuses a media other than text or phone, a missing queue, >10 webhooks and bad webhooks with 422', async (t) => {
    const {sim, call, newVisitor, ticketBody, state} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const hook = {url: HOOK_URL, method: 'POST', events: ['engagement.start']};
    const invalid = [
      ticketBody({media: 'video'}),
      ticketBody({media: 'fax'}),
      {...ticketBody(), queue_ids: undefined},
      ticketBody({webhooks: Array.from({length: 11}, () => hook)}),
      ticketBody({webhooks: [{...hook, url: 'not a url'}]}),
      ticketBody({webhooks: [{...hook, events: []}]}),
      ticketBody({webhooks: [{...hook, events: ['engagement.gossip']}]}),
      ticketBody({site_id: 42}),
      {media: 'text', queue_ids: [SEED.openQueue.id]},
    ];
    for (const body of invalid) {
      const r = await call('POST', '/queue_tickets', {token: visitor.access_token, body});
      assert.equal(r.status, 422, JSON.stringify(body).slice(0, 120));
      ValidationError.parse(r.body);
    }
    const ten = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody({webhooks: Array.from({length: 10}, () => hook)}),
    });
    assert.equal(ten.status, 201);
    assert.equal((await state()).tickets.length, 1);
  });

  it('answers an unknown site or queue with a 422 naming it', async (t) => {
    const {sim, call, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const site = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody({site_id: SEED.openQueue.id}),
    });
    assert.equal(site.status, 422);
    assert.match(JSON.stringify(site.body), /site_id/);
    const queue = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody({queue_ids: [SEED.siteId]}),
    });
    assert.equal(queue.status, 422);
    assert.match(JSON.stringify(queue.body), /queue_ids/);
  });

  it('refuses a service token at /queue_tickets: the visitor token is required', async (t) => {
    const {sim, call, serviceToken, ticketBody} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/queue_tickets', {
      token: await serviceToken(),
      body: ticketBody(),
    });
    assert.equal(r.status, 403);
    LegacyObjectError.parse(r.body);
  });

  it('ends a ticket to the closed queue in engagement.request.failure', async (t) => {
    const {sim, call, newVisitor, ticketBody, delivered} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody({queue_ids: [SEED.closedQueue.id]}),
    });
    assert.equal(r.status, 201);
    const [failure, ...rest] = await delivered('engagement.request.failure');
    assert.equal(rest.length, 0);
    const payload = EngagementRequestFailureEvent.parse(failure?.payload);
    assert.equal(payload.queue_ticket?.id, QueueTicket.parse(r.body).id);
    assert.equal(payload.queue_ticket?.visitor_id, visitor.id);
  });

  it('cancels a waiting ticket with the visitor token: 204, then 422 once no longer waiting, 404 unknown', async (t) => {
    const {sim, call, waitingTicket, state, delivered} = setup();
    t.after(() => sim.close());
    const {visitor, ticket} = await waitingTicket();
    const r = await call('DELETE', `/queue_tickets/${ticket.id}`, {token: visitor.access_token});
    assert.equal(r.status, 204);
    assert.equal((await state()).tickets[0]?.state, 'cancelled');
    const again = await call('DELETE', `/queue_tickets/${ticket.id}`, {
      token: visitor.access_token,
    });
    assert.equal(again.status, 422);
    ValidationError.parse(again.body);
    const unknown = await call('DELETE', `/queue_tickets/${SEED.siteId}`, {
      token: visitor.access_token,
    });
    assert.equal(unknown.status, 404);
    const accept = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    assert.equal(accept.status, 409);
    assert.equal((await delivered('engagement.start')).length, 0);
  });

  it("does not let one visitor cancel another visitor's ticket", async (t) => {
    const {sim, call, waitingTicket, newVisitor} = setup();
    t.after(() => sim.close());
    const {ticket} = await waitingTicket();
    const stranger = await newVisitor();
    assert.equal(
      (await call('DELETE', `/queue_tickets/${ticket.id}`, {token: stranger.access_token})).status,
      404
    );
  });

  it('lets the visitor file a new ticket after the first was cancelled', async (t) => {
    const {sim, call, waitingTicket, ticketBody} = setup();
    t.after(() => sim.close());
    const {visitor, ticket} = await waitingTicket();
    await call('DELETE', `/queue_tickets/${ticket.id}`, {token: visitor.access_token});
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    assert.equal(r.status, 201);
    assert.notEqual(QueueTicket.parse(r.body).id, ticket.id);
  });

  it('starts the engagement when an operator accepts, with engagement.start to the registered URL', async (t) => {
    const {sim, activeEngagement, delivered} = setup();
    t.after(() => sim.close());
    const {visitor, ticket, engagement} = await activeEngagement();
    const [start] = await delivered('engagement.start');
    assert.ok(start);
    assert.equal(start.url, HOOK_URL);
    assert.equal(start.method, 'POST');
    assert.equal(
      start.headers.Authorization ?? start.headers.authorization,
      'Bearer per-session-secret'
    );
    const payload = EngagementStartEvent.parse(start.payload);
    assert.equal(payload.engagement.id, engagement.id);
    assert.equal(payload.engagement.visitor_id, visitor.id);
    assert.equal(payload.engagement.queue_ticket_id, ticket.id);
    assert.equal(payload.engagement.current_sub_engagement?.operator_id, SEED.operators[0].id);
  });
});
