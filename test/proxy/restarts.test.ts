/**
 * What a stop and lost webhooks do with sessions in memory: a stop ends each open chat in Glia as
 * ended by the system and tells the visitor before the stream closes; a message whose webhook
 * never arrived is caught up from Glia's transcript when the stream reconnects, once.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {newMessageId, setup} from './support.js';

describe('a stop with sessions in memory', () => {
  it('ends the chat in Glia as ended by the system, and the visitor is told before the stream closes', async (t) => {
    const h = setup();
    t.after(() => h.sim.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const stream = await h.stream(session.id, session.token);
    assert.equal((await stream.events(3)).length, 3); // queued, joined, engaged
    await h.proxy.close();
    const rest = await stream.rest();
    assert.deepEqual(
      rest.map((e) => e.event),
      [
        {type: 'ended', by: 'system'},
        {type: 'status', status: 'ended'},
      ]
    );
    const state = (await h.operator('GET', '/state')) as {
      engagements: Array<{id: string; state: string; ended_by: string}>;
    };
    const engagement = state.engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.state, 'ended');
    assert.equal(engagement?.ended_by, 'system', 'the console does not say "Ended by visitor"');
  });
});

describe('lost webhooks', () => {
  it('are caught up from the transcript when the stream reconnects: in order, each once', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    const engagementId = await h.accept();
    const first = await h.stream(session.id, session.token);
    const seen = await first.events(3);
    await first.drop();
    await h.operator('POST', '/faults', {
      rules: [{path: 'engagement.chat.message', drop_webhook: true, times: 2}],
    });
    for (const content of ['Are you there?', 'I can see your ticket'])
      await h.operator('POST', `/engagements/${engagementId}/messages`, {content});
    // The visitor's own message on the way: it is in the log already and is not repeated.
    const messageId = newMessageId();
    const sent = await h.browser('PUT', `/handoff/sessions/${session.id}/messages/${messageId}`, {
      token: session.token,
      body: {text: 'Yes'},
    });
    assert.equal(sent.status, 201);

    const again = await h.stream(session.id, session.token, {
      'last-event-id': String(seen.at(-1)?.id),
    });
    const caught = await again.events(3);
    assert.deepEqual(
      caught.map((e) =>
        e.event.type === 'message' ? [e.event.message.from, e.event.message.text] : e.event.type
      ),
      [
        ['visitor', 'Yes'],
        ['operator', 'Are you there?'],
        ['operator', 'I can see your ticket'],
      ]
    );
    await again.drop();
    // Another reconnect (and another catch-up) shows nothing twice.
    const third = await h.stream(session.id, session.token);
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'Done'});
    const all = await third.events(7);
    const texts = all.flatMap((e) => (e.event.type === 'message' ? [e.event.message.text] : []));
    assert.deepEqual(texts, ['Yes', 'Are you there?', 'I can see your ticket', 'Done']);
    await third.drop();
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.messages.length, 4);
  });
});
