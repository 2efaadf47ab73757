import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SHAPES} from '../../src/simulator/deps.js';
import {SEED, SITE_KEY_ENV, newMessageId, setup as setupWith} from './support.js';
import type {SetupOptions} from './support.js';

// Every flow runs against both of the simulator's answer shapes: Glia's recorded and documented
// answers, and only what integrators confirm (no message ids or senders, `{id}` tickets, …).
for (const shapes of SHAPES) {
  const setup = (options: SetupOptions = {}) =>
    setupWith({...options, sim: {shapes, ...options.sim}});
  const label = (what: string) => `${what} (${shapes} answers)`;
  const CREDENTIALS = [
    {label: 'a Service Credential', env: {}, tokenPath: '/operator_authentication/tokens'},
    {label: 'a legacy Site API key', env: SITE_KEY_ENV, tokenPath: '/sites/tokens'},
  ] as const;

  for (const credential of CREDENTIALS) {
    describe(label(`the handoff with ${credential.label}`), () => {
      it('goes from queued to engaged to ended through the HTTP contract, streaming every event once', async (t) => {
        const h = setup({env: credential.env});
        t.after(() => h.close());

        const session = await h.start({
          description: 'My VPN drops every hour',
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          attributes: {page: '/it/vpn'},
          transcript: [
            {from: 'visitor', text: 'vpn keeps dropping'},
            {from: 'bot', text: 'Have you tried reconnecting?'},
          ],
        });
        assert.equal(session.status, 'queued');
        assert.ok(session.token.length >= 43);
        assert.equal(session.lastEventId, '1');

        // The agent sees the details on the visitor.
        const state = await h.simState();
        const visitor = state.visitors.at(-1);
        assert.equal(visitor?.note, 'My VPN drops every hour');
        assert.equal(visitor?.name, 'Ada Lovelace');
        assert.equal(visitor?.custom_attributes.page, '/it/vpn');
        assert.equal(
          visitor?.custom_attributes.transcript,
          'Visitor: vpn keeps dropping\nBot: Have you tried reconnecting?'
        );

        const stream = await h.stream(session.id, session.token);
        const seen: number[] = [];
        /** The next `count` events; every id is remembered, to check none is lost or repeated. */
        const next = async (count: number) => {
          const events = await stream.events(count);
          seen.push(...events.map((e) => e.id));
          return events.map((e) => e.event);
        };
        assert.deepEqual(await next(1), [{type: 'status', status: 'queued'}]);

        const engagementId = await h.accept('Alex Rivera');
        assert.deepEqual(await next(2), [
          {type: 'operator', operator: {name: 'Alex Rivera'}, change: 'joined'},
          {
            type: 'status',
            status: 'engaged',
            // The simulator's engagements allow these by default, and so does the proxy.
            filePolicy: {
              contentTypes: [
                'image/png',
                'image/jpeg',
                'image/gif',
                'image/webp',
                'application/pdf',
                'text/plain',
              ],
              maxBytes: 25 * 1024 * 1024,
            },
          },
        ]);

        await h.operator('POST', `/engagements/${engagementId}/typing`, {typing: true});
        assert.deepEqual(await next(1), [{type: 'typing', typing: true}]);
        await h.operator('POST', `/engagements/${engagementId}/messages`, {
          content: 'Hi Ada, Alex here.',
        });
        // The simulator clears the operator's typing before the message arrives.
        const greeting = (await next(2)).filter((e) => e.type !== 'typing');
        assert.equal(greeting.length, 1);
        assert.equal(greeting[0]?.type === 'message' && greeting[0].message.from, 'operator');
        assert.equal(
          greeting[0]?.type === 'message' && greeting[0].message.text,
          'Hi Ada, Alex here.'
        );

        const messageId = newMessageId();
        const sent = await h.browser(
          'PUT',
          `/handoff/sessions/${session.id}/messages/${messageId}`,
          {
            token: session.token,
            body: {text: 'It drops at :00 every hour'},
          }
        );
        assert.equal(sent.status, 201, sent.text);
        assert.deepEqual(await next(1), [
          {
            type: 'message',
            message: {
              id: messageId,
              from: 'visitor',
              text: 'It drops at :00 every hour',
              at: (sent.body as {message: {at: string}}).message.at,
            },
          },
        ]);

        await h.operator('POST', `/engagements/${engagementId}/transfer`, {
          operator: {name: 'Sam Okafor'},
        });
        assert.deepEqual(await next(1), [
          {type: 'operator', operator: {name: 'Sam Okafor'}, change: 'transferred'},
        ]);

        const typingPut = await h.browser('PUT', `/handoff/sessions/${session.id}/typing`, {
          token: session.token,
          body: {typing: true},
        });
        assert.equal(typingPut.status, 204);

        const ended = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
          token: session.token,
        });
        assert.equal(ended.status, 200);
        assert.equal((ended.body as {status: string}).status, 'ended');
        assert.equal((ended.body as {endedBy: string}).endedBy, 'visitor');
        const tail = await stream.rest();
        seen.push(...tail.map((e) => e.id));
        assert.deepEqual(
          tail.map((e) => e.event),
          [
            {type: 'ended', by: 'visitor'},
            {type: 'status', status: 'ended'},
          ]
        );
        // Ids 1..n, each once, and the stream closed after the last.
        assert.deepEqual(
          seen,
          Array.from({length: seen.length}, (_, i) => i + 1)
        );
        assert.equal(await stream.next(), undefined);

        const snapshot = await h.snapshot(session.id, session.token);
        assert.equal(snapshot.status, 'ended');
        assert.deepEqual(snapshot.operator, {name: 'Sam Okafor'});
        assert.deepEqual(
          snapshot.messages.map((m) => [m.from, m.text]),
          [
            ['operator', 'Hi Ada, Alex here.'],
            ['visitor', 'It drops at :00 every hour'],
          ]
        );
        assert.equal(snapshot.lastEventId, String(seen.length));

        const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
        assert.equal(engagement?.state, 'ended');

        // The right exchange was used, and no secret (key secret, Glia tokens, webhook secret) left the proxy.
        assert.ok(h.secrets.size >= 4);
        const log = await h.simLog();
        assert.ok(log.requests.some((r) => r.path === credential.tokenPath && r.status === 200));
        // The proxy read Glia's engagement at the start, for its file permissions (and who the
        // agent is); sparse webhooks do not say who took over either, so once more at the transfer.
        assert.equal(
          log.requests.filter((r) => r.method === 'GET' && /^\/engagements\/[^/]+$/.test(r.path))
            .length,
          shapes === 'sparse' ? 2 : 1
        );
        for (const text of [...h.browserSaw, ...h.logLines]) {
          for (const secret of h.secrets)
            assert.ok(!text.includes(secret), `a secret leaked: ${text.slice(0, 200)}`);
        }
      });
    });
  }

  describe(label('the handoff'), () => {
    it('stores a repeated message PUT once, in the stream and in Glia', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const engagementId = await h.accept();
      const messageId = newMessageId();
      const put = () =>
        h.browser('PUT', `/handoff/sessions/${session.id}/messages/${messageId}`, {
          token: session.token,
          body: {text: 'Once only'},
        });
      const [first, second] = await Promise.all([put(), put()]);
      const third = await put();
      assert.deepEqual([first.status, second.status, third.status].sort(), [200, 200, 201]);
      assert.deepEqual(second.body, first.body);
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.messages.filter((m) => m.id === messageId).length, 1);
      const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
      assert.equal(engagement?.messages.filter((m) => m.content === 'Once only').length, 1);
    });

    it('files one ticket for a start repeated under its startId, and answers it with the same session', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const body = {description: 'My VPN drops every hour', startId: newMessageId()};
      const first = await h.start(body);
      // The answer was lost: the browser asks again, the same way.
      const again = await h.browser('POST', '/handoff/sessions', {body});
      assert.equal(again.status, 200, again.text);
      const session = (again.body as {session: typeof first}).session;
      assert.equal(session.id, first.id);
      assert.equal(session.token, first.token);
      assert.equal(session.status, 'queued');
      assert.equal((await h.simState()).tickets.length, 1);
      // The repeat's token opens the session, and the agent who accepts meets this visitor.
      await h.accept();
      assert.equal((await h.snapshot(session.id, session.token)).status, 'engaged');
      // Another start is another ticket.
      await h.start({...body, startId: newMessageId()});
      assert.equal((await h.simState()).tickets.length, 2);
    });

    it('answers a start repeated while the first is on its way with 409, and files one ticket', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const body = {description: 'My VPN drops every hour', startId: newMessageId()};
      const [a, b] = await Promise.all([
        h.browser('POST', '/handoff/sessions', {body}),
        h.browser('POST', '/handoff/sessions', {body}),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [201, 409]);
      const refused = [a, b].find((r) => r.status === 409);
      assert.equal((refused?.body as {error: {code: string}}).error.code, 'start-in-progress');
      assert.equal((await h.simState()).tickets.length, 1);
    });

    it('starts again under the same startId after a start that failed', async (t) => {
      let failing = true;
      const h = setup({
        gliaFetch: (next) => async (url, init) =>
          failing && String(url).includes('/queue_tickets')
            ? new Response('{"error":"unavailable"}', {status: 503})
            : next(url, init),
      });
      t.after(() => h.close());
      const body = {description: 'My VPN drops every hour', startId: newMessageId()};
      const failed = await h.browser('POST', '/handoff/sessions', {body});
      assert.ok(failed.status >= 500, failed.text);
      failing = false;
      const session = await h.start(body);
      assert.equal(session.status, 'queued');
      assert.equal((await h.simState()).tickets.length, 1);
    });

    it('refuses the same message id with another text', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      await h.accept();
      const messageId = newMessageId();
      const path = `/handoff/sessions/${session.id}/messages/${messageId}`;
      assert.equal(
        (await h.browser('PUT', path, {token: session.token, body: {text: 'a'}})).status,
        201
      );
      const other = await h.browser('PUT', path, {token: session.token, body: {text: 'b'}});
      assert.equal(other.status, 409);
      assert.equal((other.body as {error: {code: string}}).error.code, 'message-id-reused');
    });

    it('answers 409 to a message before an agent has joined, and sends nothing to Glia', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const r = await h.browser(
        'PUT',
        `/handoff/sessions/${session.id}/messages/${newMessageId()}`,
        {
          token: session.token,
          body: {text: 'hello?'},
        }
      );
      assert.equal(r.status, 409);
      assert.equal((r.body as {error: {code: string}}).error.code, 'not-engaged');
      assert.ok(!(await h.simLog()).requests.some((q) => q.path.includes('/chat_messages/')));
    });

    it('shows the operator ending the conversation', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const engagementId = await h.accept();
      await h.operator('POST', `/engagements/${engagementId}/end`);
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.status, 'ended');
      assert.equal(snapshot.endedBy, 'operator');
      // Ending again is fine and changes nothing.
      const again = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
        token: session.token,
      });
      assert.equal(again.status, 200);
      assert.equal((await h.snapshot(session.id, session.token)).lastEventId, snapshot.lastEventId);
    });

    it('cancels a waiting ticket when the visitor leaves before anyone answers', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const r = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
        token: session.token,
      });
      assert.equal(r.status, 200);
      assert.equal((r.body as {status: string}).status, 'ended');
      assert.equal((await h.latestTicket()).state, 'cancelled');
      const again = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
        token: session.token,
      });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, r.body);
    });

    it('ends the engagement at once when Glia could not cancel the ticket and an agent accepts later', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      await h.operator('POST', '/faults', {
        rules: [{method: 'DELETE', path: '/queue_tickets/*', status: 405}],
      });
      const r = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
        token: session.token,
      });
      assert.equal(r.status, 200);
      const engagementId = await h.accept();
      const engagement = (await h.simState()).engagements.find((e) => e.id === engagementId);
      assert.equal(engagement?.state, 'ended');
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.operator, null);
      assert.equal(snapshot.endedBy, 'visitor');
    });

    it('turns a closed queue into a failed session with a reason the widget can show', async (t) => {
      const h = setup({env: {ALLOWED_QUEUES: SEED.closedQueue.id}});
      t.after(() => h.close());
      const session = await h.start({
        description: 'The heating is off',
        queue: SEED.closedQueue.id,
      });
      await h.sim.webhooksIdle();
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.status, 'failed');
      // Recorded: Glia says why; sparse: the failure comes without a reason.
      assert.match(snapshot.reason ?? '', shapes === 'sparse' ? /No agent/ : /closed/);
      const events = await (await h.stream(session.id, session.token)).rest();
      assert.deepEqual(
        events.map((e) => e.event),
        [
          {type: 'status', status: 'queued'},
          {type: 'status', status: 'failed', reason: snapshot.reason},
        ]
      );
    });

    it('fails a session an operator rejects, with a reason', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const ticket = await h.latestTicket();
      await h.operator('POST', `/queue_tickets/${ticket.id}/reject`, {});
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.status, 'failed');
      assert.ok(snapshot.reason && snapshot.reason.length > 10);
    });

    it('shows an operator message delivered twice only once', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      const engagementId = await h.accept();
      await h.operator('POST', '/faults', {
        rules: [{path: 'engagement.chat.message', duplicate_webhook: true}],
      });
      await h.operator('POST', `/engagements/${engagementId}/messages`, {
        content: 'Only once please',
      });
      const log = await h.simLog();
      assert.equal(
        log.webhooks.filter((w) => w.event_type === 'engagement.chat.message').length,
        2
      );
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.messages.filter((m) => m.text === 'Only once please').length, 1);
    });

    it('shows a generic name when the operator lookup fails', async (t) => {
      const h = setup();
      t.after(() => h.close());
      const session = await h.start();
      await h.operator('POST', '/faults', {
        rules: [{method: 'GET', path: '/operators/*', status: 500}],
      });
      await h.accept();
      const snapshot = await h.snapshot(session.id, session.token);
      assert.equal(snapshot.status, 'engaged');
      assert.deepEqual(snapshot.operator, {name: 'Support agent'});
    });
  });
}
