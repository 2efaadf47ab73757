/**
 * The proxy against a Glia that answers less, or otherwise, than the simulator's recorded shapes:
 * a ticket answer without an id, webhooks without ids, senders or visitor ids, unknown values and
 * events, an agent's overlong message, and a gateway that echoes the request's credentials in its
 * error. Each is what a real tenant may send; none may cost the visitor their conversation.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {AGENT_MESSAGE_LIMIT} from '../../src/proxy/glia/to-chat-event.js';
import type {ErrorBody} from '../../src/wire/handoff/index.js';
import {FakeClock, SEED, newMessageId, setup} from './support.js';
import type {SetupOptions} from './support.js';

const ENGAGEMENT = '0a0b0c0d-0e0f-4000-8000-00000000e001';

/** Replaces the answer to requests matching `method` and `path` with `answer(request)`. */
function answering(
  method: string,
  path: RegExp,
  answer: (init: {headers: Record<string, string>}, real: Response) => Response | Promise<Response>
): (inner: GliaFetch) => GliaFetch {
  return (inner) => async (url, init) => {
    const real = await inner(url, init);
    if (init.method !== method || !path.test(new URL(url).pathname)) return real;
    return answer(init, real);
  };
}

/** A proxy and simulator, and a way to make Glia's deliveries to the newest session by hand. */
function harness(options: SetupOptions = {}) {
  const registrations: Array<{url: string; headers: Record<string, string>}> = [];
  const h = setup({
    ...options,
    gliaFetch: (inner) => {
      const wrapped = options.gliaFetch ? options.gliaFetch(inner) : inner;
      return async (url, init) => {
        if (init.method === 'POST' && url.endsWith('/queue_tickets')) {
          const body = JSON.parse(typeof init.body === 'string' ? init.body : '{}') as {
            webhooks?: typeof registrations;
          };
          registrations.push(...(body.webhooks ?? []));
        }
        return wrapped(url, init);
      };
    },
  });
  const deliver = async (payload: unknown) => {
    const hook = registrations.at(-1);
    assert.ok(hook, 'no webhook registered');
    const r = await h.proxy.request(hook.url, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...hook.headers},
      body: JSON.stringify(payload),
    });
    return r.status;
  };
  const unexpected = (endpoint: string, kind: string) =>
    h.proxy.metrics.value('glia_handoff_glia_unexpected_total', {endpoint, kind});
  return {...h, deliver, unexpected};
}

const errorOf = (body: unknown) => (body as ErrorBody).error;

describe('a ticket answer the proxy does not need', () => {
  for (const [label, body] of [
    ['{}', '{}'],
    ['not JSON', 'Created'],
    ['an id that is a number', '{"id": 42}'],
  ] as const) {
    it(`lets the session go on when Glia answers ${label}, and the visitor can still leave`, async (t) => {
      const h = harness({
        gliaFetch: answering(
          'POST',
          /^\/queue_tickets$/,
          (_init, real) => new Response(body, {status: real.status})
        ),
      });
      t.after(() => h.close());
      const session = await h.start();
      assert.equal(session.status, 'queued');
      assert.equal(h.unexpected('queue-ticket', 'missing_field'), 1);

      // The visitor leaves while queued: without an id nothing can be cancelled…
      const left = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
        token: session.token,
      });
      assert.equal(left.status, 200, left.text);
      assert.equal((left.body as {status: string}).status, 'ended');
      assert.ok(!(await h.simLog()).requests.some((r) => r.method === 'DELETE'));
      // …so when an agent accepts the ticket later, the engagement is ended at once.
      const engagementId = await h.accept();
      const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
      assert.equal(engagement?.state, 'ended');
    });
  }

  it('goes on to a chat when the agent accepts a ticket whose answer had no id', async (t) => {
    const h = harness({
      gliaFetch: answering('POST', /^\/queue_tickets$/, () => new Response('{}', {status: 201})),
    });
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept('Alex Rivera');
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'Hi there'});
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'engaged');
    assert.deepEqual(snapshot.operator, {name: 'Alex Rivera'});
    assert.deepEqual(
      snapshot.messages.map((m) => m.text),
      ['Hi there']
    );
  });
});

describe('a message PUT answered without a body the proxy needs', () => {
  it('shows the sent message with the time of the answer', async (t) => {
    const clock = new FakeClock();
    const h = harness({
      proxy: {now: clock.now},
      gliaFetch: answering(
        'PUT',
        /\/chat_messages\//,
        (_init, real) => new Response('{}', {status: real.status})
      ),
    });
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    const id = newMessageId();
    const sent = await h.browser('PUT', `/handoff/sessions/${session.id}/messages/${id}`, {
      token: session.token,
      body: {text: 'Hello'},
    });
    assert.equal(sent.status, 201, sent.text);
    assert.deepEqual((sent.body as {message: unknown}).message, {
      id,
      from: 'visitor',
      text: 'Hello',
      at: new Date(clock.now()).toISOString(),
    });
  });
});

describe('webhooks in the shapes integrators see', () => {
  it('joins an agent from an engagement.start without visitor id and with a null operator', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    const status = await h.deliver({
      event_type: 'engagement.start',
      engagement: {id: ENGAGEMENT, source: 'visitor', current_sub_engagement: {operator_id: null}},
    });
    assert.equal(status, 204);
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'engaged');
    // Glia knows no such engagement to ask about the agent: a generic name.
    assert.deepEqual(snapshot.operator, {name: 'Support agent'});
    assert.equal(h.unexpected('webhook:engagement.start', 'missing_field'), 2);
  });

  it('shows an agent message without id or sender once, however often it is delivered', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    await h.deliver({event_type: 'engagement.start', engagement: {id: ENGAGEMENT}});
    const message = {
      content: 'Automated reply',
      engagement_id: ENGAGEMENT,
      target: 'visitor',
      timestamp: '2026-03-12T18:21:35+0000',
      type: 'user',
    };
    for (let i = 0; i < 3; i++)
      assert.equal(await h.deliver({event_type: 'engagement.chat.message', message}), 204);
    // Another message with the same text at another time is another message.
    await h.deliver({
      event_type: 'engagement.chat.message',
      message: {...message, timestamp: '2026-03-12T18:22:35.705086Z'},
    });
    const {messages} = await h.snapshot(session.id, session.token);
    assert.deepEqual(
      messages.map((m) => [m.from, m.text, m.at]),
      [
        ['operator', 'Automated reply', '2026-03-12T18:21:35.000Z'],
        ['operator', 'Automated reply', '2026-03-12T18:22:35.705Z'],
      ]
    );
    assert.equal(new Set(messages.map((m) => m.id)).size, 2);
  });

  it('reads an unknown sender type as the agent and counts it, never refusing the message', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    await h.deliver({event_type: 'engagement.start', engagement: {id: ENGAGEMENT}});
    const status = await h.deliver({
      event_type: 'engagement.chat.message',
      message: {
        id: '0a0b0c0d-0e0f-4000-8000-0000000000b1',
        content: 'I am the assistant',
        engagement_id: ENGAGEMENT,
        sender: {type: 'ai_assistant'},
        timestamp: '2026-03-12T18:21:35Z',
      },
    });
    assert.equal(status, 204);
    const {messages} = await h.snapshot(session.id, session.token);
    assert.deepEqual(
      messages.map((m) => [m.from, m.text]),
      [['operator', 'I am the assistant']]
    );
    assert.equal(h.unexpected('webhook:engagement.chat.message', 'unknown_value'), 1);
  });

  it("does not show the visitor's own message back when the delivery says neither target nor sender", async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const id = newMessageId();
    await h.browser('PUT', `/handoff/sessions/${session.id}/messages/${id}`, {
      token: session.token,
      body: {text: 'My own words'},
    });
    await h.deliver({
      event_type: 'engagement.chat.message',
      message: {content: 'My own words', engagement_id: engagementId},
    });
    const {messages} = await h.snapshot(session.id, session.token);
    assert.deepEqual(
      messages.map((m) => [m.from, m.text]),
      [['visitor', 'My own words']]
    );
  });

  it('fails the session on an engagement.request.failure without a queue_ticket', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    assert.equal(await h.deliver({event_type: 'engagement.request.failure'}), 204);
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'failed');
    assert.match(snapshot.reason ?? '', /No agent/);
  });

  it('says who ended from an unknown end reason without refusing the delivery', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    await h.deliver({event_type: 'engagement.start', engagement: {id: ENGAGEMENT}});
    const status = await h.deliver({
      event_type: 'engagement.end',
      engagement: {id: ENGAGEMENT, end_reason: 'omniguide_handover_timeout'},
    });
    assert.equal(status, 204);
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'ended');
    assert.equal(snapshot.endedBy, 'operator');
    assert.equal(h.unexpected('webhook:engagement.end', 'unknown_value'), 1);
  });

  it("still refuses a delivery that lacks what nothing can be done without (a message's content)", async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    await h.deliver({event_type: 'engagement.start', engagement: {id: ENGAGEMENT}});
    const status = await h.deliver({
      event_type: 'engagement.chat.message',
      message: {engagement_id: ENGAGEMENT, target: 'visitor'},
    });
    assert.equal(status, 400);
    assert.equal((await h.snapshot(session.id, session.token)).messages.length, 0);
    assert.equal(h.unexpected('webhook:engagement.chat.message', 'missing_field'), 1);
  });
});

describe('what an agent sends', () => {
  it('cuts an overlong agent message to the limit, visibly', async (t) => {
    const h = harness();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const long = 'x'.repeat(AGENT_MESSAGE_LIMIT * 2);
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: long});
    const [message] = (await h.snapshot(session.id, session.token)).messages;
    assert.ok(message);
    assert.ok(message.text.startsWith('x'.repeat(AGENT_MESSAGE_LIMIT)));
    assert.ok(!message.text.startsWith('x'.repeat(AGENT_MESSAGE_LIMIT + 1)));
    assert.match(message.text, /… \[message shortened: 4000 more characters not shown\]$/);
  });
});

describe('drift, as an operator sees it', () => {
  it('counts unknown events under one fixed label, however many names a sender invents', async (t) => {
    const h = harness();
    t.after(() => h.close());
    await h.start();
    for (let i = 0; i < 50; i++)
      assert.equal(await h.deliver({event_type: `engagement.invented_${i}`}), 204);
    await h.deliver({no_event_type: true});
    const metrics = h.proxy.metrics.render();
    const series = metrics
      .split('\n')
      .filter((l) => l.startsWith('glia_handoff_webhook_deliveries'));
    assert.deepEqual(series, [
      'glia_handoff_webhook_deliveries_total{event="other",outcome="ignored"} 51',
    ]);
    assert.ok(!metrics.includes('invented'));
    assert.equal(h.unexpected('webhook:other', 'unknown_event'), 51);
  });

  it('warns once per endpoint and kind per hour, naming the field and never the value', async (t) => {
    const clock = new FakeClock();
    const h = harness({proxy: {now: clock.now}});
    t.after(() => h.close());
    await h.start();
    const weird = {
      event_type: 'engagement.end',
      engagement: {id: ENGAGEMENT, end_reason: 'secret-looking-value-7f3a'},
    };
    await h.deliver({event_type: 'engagement.start', engagement: {id: ENGAGEMENT}});
    await h.deliver(weird);
    await h.deliver(weird);
    const warned = () =>
      h.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.endpoint === 'webhook:engagement.end' && line.level === 'warn');
    assert.equal(warned().length, 1);
    assert.deepEqual(
      [warned()[0]?.kind, warned()[0]?.field],
      ['unknown_value', 'engagement.end_reason']
    );
    assert.ok(!h.logLines.some((line) => line.includes('secret-looking-value-7f3a')));
    await clock.advance(3_600_000);
    await h.deliver(weird);
    assert.equal(warned().length, 2);
    assert.equal(h.unexpected('webhook:engagement.end', 'unknown_value'), 3);
  });
});

describe("Glia's error text", () => {
  /** A gateway that answers 502 with the request's Authorization header in its body. */
  const echo = (method: string, path: RegExp) =>
    answering(
      method,
      path,
      (init) =>
        new Response(`upstream refused request with Authorization: ${init.headers.Authorization}`, {
          status: 502,
        })
    );

  it('never carries the service token to the browser that starts a session', async (t) => {
    const h = harness({
      gliaFetch: echo('PATCH', /\/visitors\//),
      proxy: {glia: {sleep: async () => undefined, timeoutMs: 2000, retry: {attempts: 1}}},
    });
    t.after(() => h.close());
    const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'Help'}});
    assert.equal(r.status, 502);
    const error = errorOf(r.body);
    assert.equal(error.step, 'update-visitor');
    assert.ok(error.hint && error.hint.length > 10);
    assert.ok(!r.text.includes('upstream refused'), r.text);
    // The logs keep what Glia said, with the token taken out.
    const logged = h.logLines.find((line) => line.includes('upstream refused'));
    assert.ok(logged, 'Glia text logged');
    assert.match(logged, /Authorization: Bearer \[redacted\]/);
    for (const text of [...h.browserSaw, ...h.logLines])
      for (const secret of h.secrets) assert.ok(!text.includes(secret), 'a token leaked');
  });

  it("never logs the session's webhook secret when Glia's refusal of the ticket repeats it", async (t) => {
    const h = harness({
      gliaFetch: (inner) => async (url, init) => {
        const real = await inner(url, init);
        if (init.method !== 'POST' || !url.endsWith('/queue_tickets')) return real;
        const {webhooks} = JSON.parse(String(init.body)) as {webhooks: Array<{headers: unknown}>};
        const headers = JSON.stringify(webhooks.map((hook) => hook.headers));
        return new Response(`bad webhooks in ${headers}`, {status: 400});
      },
      proxy: {glia: {sleep: async () => undefined, timeoutMs: 2000, retry: {attempts: 1}}},
    });
    t.after(() => h.close());
    const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'Help'}});
    assert.equal(errorOf(r.body).step, 'queue-ticket');
    const logged = h.logLines.find((line) => line.includes('bad webhooks in'));
    assert.ok(logged, 'Glia text logged');
    assert.match(logged, /x-glia-handoff-webhook-secret/);
    for (const text of [...h.browserSaw, ...h.logLines])
      for (const secret of h.secrets) assert.ok(!text.includes(secret), 'a secret leaked');
  });

  it("never carries the visitor's token to the browser that sends a message", async (t) => {
    const h = harness({
      gliaFetch: echo('PUT', /\/chat_messages\//),
      proxy: {glia: {sleep: async () => undefined, timeoutMs: 2000, retry: {attempts: 1}}},
    });
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    const r = await h.browser('PUT', `/handoff/sessions/${session.id}/messages/${newMessageId()}`, {
      token: session.token,
      body: {text: 'Hello'},
    });
    assert.equal(r.status, 502);
    assert.equal(errorOf(r.body).step, 'send-message');
    assert.ok(!r.text.includes('upstream refused'), r.text);
    assert.ok(h.logLines.some((line) => line.includes('upstream refused')));
    for (const text of [...h.browserSaw, ...h.logLines])
      for (const secret of h.secrets) assert.ok(!text.includes(secret), 'a token leaked');
  });
});

describe('what the queue tells a waiting visitor', () => {
  it("shows Glia's average wait while queued, read once a minute with the proxy's token", async (t) => {
    const clock = new FakeClock();
    const h = harness({proxy: {now: clock.now}});
    t.after(() => h.close());
    const queueReads = async () =>
      (await h.simLog()).requests.filter((r) => r.path.startsWith('/queues/')).length;
    const first = await h.start();
    assert.equal(first.estimatedWaitSeconds, 120);
    const second = await h.start();
    assert.equal((await h.snapshot(second.id, second.token)).estimatedWaitSeconds, 120);
    assert.equal(await queueReads(), 1);
    assert.ok(
      (await h.simLog()).requests.some(
        (r) => r.path.startsWith('/queues/') && r.credential !== 'visitor'
      )
    );
    // A minute later Glia is asked again, and says something else.
    await h.operator('POST', `/queues/${SEED.openQueue.id}`, {average_wait_time: 300});
    await clock.advance(60_000);
    assert.equal((await h.snapshot(first.id, first.token)).estimatedWaitSeconds, 300);
    assert.equal(await queueReads(), 2);
    // Once an agent has joined, there is nothing to estimate.
    await h.accept();
    assert.equal((await h.snapshot(second.id, second.token)).estimatedWaitSeconds, undefined);
  });

  for (const [label, wait] of [
    ['reports 0 (an idle queue)', 0],
    ['reports none', null],
  ] as const) {
    it(`says nothing when the queue ${label}`, async (t) => {
      const h = harness();
      t.after(() => h.close());
      await h.operator('POST', `/queues/${SEED.openQueue.id}`, {average_wait_time: wait});
      const session = await h.start();
      assert.equal(session.estimatedWaitSeconds, undefined);
      assert.equal('estimatedWaitSeconds' in session, false);
    });
  }
});
