/** Webhooks delivered over real HTTP to a receiver on 127.0.0.1, with the simulator's default transport. */
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {randomUUID} from 'node:crypto';
import {after, before, beforeEach, describe, it} from 'node:test';
import {WebhookPayload} from '../../src/wire/glia/index.js';
import {ALL_EVENTS, setup} from './support.js';

interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  payload: WebhookPayload;
}

describe('simulator: webhooks to a real receiver', () => {
  const received: Received[] = [];
  /** Status codes to answer with, in order; 204 once they run out. */
  let script: number[] = [];
  /** Requests to /silent that were never answered and then closed by the simulator. */
  let abandoned = 0;
  const server = createServer((req, res) => {
    if (req.url === '/silent') {
      res.once('close', () => abandoned++);
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const status = script.shift() ?? 204;
      if (status < 300)
        received.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          payload: WebhookPayload.parse(JSON.parse(body)),
        });
      res.writeHead(status).end();
    });
  });
  let base = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  function realSimulator(webhookTimeoutMs?: number) {
    // No fetch given: the simulator delivers with its default transport, over the loopback interface.
    return setup({
      fetch: undefined,
      webhookRetry: {attempts: 3, baseDelayMs: 5},
      messageStatusDelayMs: 0,
      ...(webhookTimeoutMs ? {webhookTimeoutMs} : {}),
    });
  }

  /** Files a ticket whose one webhook (engagement.start) goes to `url`, accepts it, and returns
   * each delivery attempt as [attempt, status, outcome] once the simulator has given up or succeeded. */
  async function attemptsAt(sim: ReturnType<typeof realSimulator>, url: string) {
    const {ticket} = await sim.waitingTicket({
      webhooks: [{url, method: 'POST', events: ['engagement.start']}],
    });
    await sim.call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    await sim.sim.webhooksIdle();
    const log = (await sim.call('GET', '/__sim/log')).body as {
      webhooks: {attempt: number; status: number | null; outcome: string}[];
    };
    return log.webhooks.map((w) => [w.attempt, w.status, w.outcome]);
  }

  const GAVE_UP = [
    [1, null, 'retrying'],
    [2, null, 'retrying'],
    [3, null, 'failed'],
  ];

  it('sends the registered events with the registered method and headers, in order', async (t) => {
    const {sim, call, newVisitor, ticketBody} = realSimulator();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const body = ticketBody({
      webhooks: [
        {
          url: `${base}/hook/one`,
          method: 'PUT',
          headers: {'X-Webhook-Token': 'secret-1'},
          events: [...ALL_EVENTS],
        },
      ],
    });
    const ticket = (await call('POST', '/queue_tickets', {token: visitor.access_token, body}))
      .body as {id: string};
    const accepted = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    const engagementId = (accepted.body as {engagement: {id: string}}).engagement.id;
    await call('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'hi'},
    });
    await call('POST', `/__sim/engagements/${engagementId}/messages`, {body: {content: 'hello'}});
    await call('POST', `/__sim/engagements/${engagementId}/end`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sim.webhooksIdle();
    assert.ok(received.every((r) => r.method === 'PUT' && r.path === '/hook/one'));
    assert.ok(received.every((r) => r.headers['x-webhook-token'] === 'secret-1'));
    assert.ok(received.every((r) => r.headers['content-type'] === 'application/json'));
    const types = received.map((r) => r.payload.event_type);
    assert.equal(types[0], 'engagement.start');
    assert.ok(types.lastIndexOf('engagement.chat.message') < types.indexOf('engagement.end'));
    assert.deepEqual(
      [...new Set(types)].sort(),
      [...ALL_EVENTS]
        .filter((e) => e !== 'engagement.request.failure' && e !== 'engagement.transfer')
        .sort()
    );
  });

  it('sends only the events a webhook registered', async (t) => {
    const {sim, call, newVisitor, ticketBody} = realSimulator();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const body = ticketBody({
      webhooks: [{url: `${base}/only-end`, method: 'POST', events: ['engagement.end']}],
    });
    const ticket = (await call('POST', '/queue_tickets', {token: visitor.access_token, body}))
      .body as {id: string};
    const accepted = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    const engagementId = (accepted.body as {engagement: {id: string}}).engagement.id;
    await call('POST', `/__sim/engagements/${engagementId}/messages`, {body: {content: 'hello'}});
    await call('POST', `/__sim/engagements/${engagementId}/end`);
    await sim.webhooksIdle();
    assert.deepEqual(
      received.map((r) => r.payload.event_type),
      ['engagement.end']
    );
  });

  it('retries a delivery answered with 5xx, with backoff, until it is accepted', async (t) => {
    const simulator = realSimulator();
    t.after(() => simulator.sim.close());
    script = [503, 500];
    assert.deepEqual(await attemptsAt(simulator, `${base}/flaky`), [
      [1, 503, 'retrying'],
      [2, 500, 'retrying'],
      [3, 204, 'delivered'],
    ]);
    assert.equal(received.length, 1);
  });

  it('gives up after the configured attempts, and retries network errors too', async (t) => {
    const simulator = realSimulator();
    t.after(() => simulator.sim.close());
    assert.deepEqual(await attemptsAt(simulator, 'http://127.0.0.1:9/nothing-listens'), GAVE_UP);
  });

  it('abandons a delivery the receiver never answers after the timeout, closing it, and retries', async (t) => {
    const simulator = realSimulator(100);
    t.after(() => simulator.sim.close());
    abandoned = 0;
    assert.deepEqual(await attemptsAt(simulator, `${base}/silent`), GAVE_UP);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(abandoned, 3, 'each unanswered request was closed, not left open');
  });
});
