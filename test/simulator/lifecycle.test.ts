import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Hono} from 'hono';
import {createSimulator, createSimulatorApp} from '../../src/simulator/app.js';
import {WebhookPayload} from '../../src/wire/glia/index.js';
import {SEED, fakeTimers, setup} from './support.js';

describe('simulator: embedding', () => {
  it('createSimulatorApp returns an app that answers in-process', async () => {
    const app = createSimulatorApp();
    const r = await app.request('/__sim/state');
    assert.equal(r.status, 200);
    const state = (await r.json()) as {queues: {id: string}[]};
    assert.deepEqual(
      state.queues.map((q) => q.id),
      [SEED.openQueue.id, SEED.closedQueue.id]
    );
  });

  it("delivers webhooks to another Hono app's request, as a proxy's tests do", async (t) => {
    const received: WebhookPayload[] = [];
    const receiver = new Hono();
    receiver.post('/handoff/webhooks/glia/:session', async (c) => {
      if (c.req.header('x-session-secret') !== 's3cret') return c.body(null, 401);
      received.push(WebhookPayload.parse(await c.req.json()));
      return c.body(null, 204);
    });
    const {sim, call, waitingTicket} = setup({fetch: (url, init) => receiver.request(url, init)});
    t.after(() => sim.close());
    const {ticket} = await waitingTicket({
      webhooks: [
        {
          url: 'http://proxy.test/handoff/webhooks/glia/abc',
          method: 'POST',
          headers: {'X-Session-Secret': 's3cret'},
          events: ['engagement.start'],
        },
      ],
    });
    await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    await sim.webhooksIdle();
    assert.deepEqual(
      received.map((p) => p.event_type),
      ['engagement.start']
    );
  });

  it('close() cancels every pending timer', async () => {
    const clock = fakeTimers();
    const {sim, waitingTicket} = setup({
      now: clock.now,
      timers: clock.timers,
      autoOperator: {acceptAfterMs: 60_000, replyAfterMs: 1000},
    });
    await waitingTicket();
    assert.ok(clock.pending > 0);
    sim.close();
    assert.equal(clock.pending, 0);
  });

  it('keeps two simulators apart', async () => {
    const a = createSimulator();
    const b = createSimulator();
    try {
      const token = (await (
        await a.app.request('/operator_authentication/tokens', {
          method: 'POST',
          headers: {'content-type': 'application/json'},
          body: JSON.stringify({
            api_key_id: SEED.serviceCredential.apiKeyId,
            api_key_secret: SEED.serviceCredential.apiKeySecret,
          }),
        })
      ).json()) as {token: string};
      const elsewhere = await b.app.request(`/queues/${SEED.openQueue.id}`, {
        headers: {authorization: `Bearer ${token.token}`},
      });
      assert.equal(elsewhere.status, 401);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('simulator: a webhook receiver that never answers', () => {
  it('counts an unanswered delivery as failed after the timeout, aborts it, and retries', async (t) => {
    const clock = fakeTimers();
    const signals: AbortSignal[] = [];
    const {sim, call, waitingTicket} = setup({
      now: clock.now,
      timers: clock.timers,
      webhookTimeoutMs: 1000,
      webhookRetry: {attempts: 2, baseDelayMs: 100},
      fetch: (_url, init) => {
        if (init.signal) signals.push(init.signal);
        return new Promise<Response>(() => {});
      },
    });
    t.after(() => sim.close());
    const {ticket} = await waitingTicket({
      webhooks: [{url: 'http://slow.test/hook', method: 'POST', events: ['engagement.start']}],
    });
    await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    await clock.tick(1000);
    await clock.tick(100);
    await clock.tick(1000);
    await sim.webhooksIdle();
    const log = (await call('GET', '/__sim/log')).body as {
      webhooks: {attempt: number; status: number | null; outcome: string}[];
    };
    assert.deepEqual(
      log.webhooks.map((w) => [w.attempt, w.status, w.outcome]),
      [
        [1, null, 'retrying'],
        [2, null, 'failed'],
      ]
    );
    assert.equal(signals.length, 2);
    assert.ok(signals.every((s) => s.aborted));
  });
});

describe('simulator: with node:test mock timers', () => {
  it('runs the auto-operator on the mocked global setTimeout when no timers are injected', async (t) => {
    t.mock.timers.enable({apis: ['setTimeout']});
    const {sim, waitingTicket, state} = setup({
      autoOperator: {acceptAfterMs: 30_000, replyAfterMs: 0},
    });
    t.after(() => sim.close());
    await waitingTicket();
    t.mock.timers.tick(29_999);
    assert.equal((await state()).engagements.length, 0);
    t.mock.timers.tick(1);
    assert.equal((await state()).engagements.length, 1);
  });
});
