import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {setup} from './support.js';

/** Reads SSE frames from a response body until `count` `change` events arrived. */
async function readChanges(body: ReadableStream<Uint8Array>, count: number) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const changes: {type: string}[] = [];
  while (changes.length < count) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^event: change$/m.test(frame))
        changes.push(JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}'));
    }
  }
  return {changes, reader};
}

describe('simulator: /__sim/events', () => {
  it('streams a change for each new ticket, accepted engagement and message', async (t) => {
    const {sim, call, waitingTicket} = setup();
    t.after(() => sim.close());
    const response = await sim.app.request('/__sim/events');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const reading = readChanges(response.body!, 4);
    const {ticket} = await waitingTicket();
    const accepted = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {body: {}});
    const engagementId = (accepted.body as {engagement: {id: string}}).engagement.id;
    await call('POST', `/__sim/engagements/${engagementId}/messages`, {body: {content: 'hi'}});
    const {changes, reader} = await reading;
    assert.deepEqual(
      changes.map((c) => c.type),
      ['visitor.created', 'ticket.created', 'engagement.started', 'engagement.message']
    );
    await reader.cancel();
  });

  it('ends open streams when the simulator is closed', async () => {
    const {sim} = setup();
    const response = await sim.app.request('/__sim/events');
    const reader = response.body!.getReader();
    await reader.read();
    sim.close();
    for (;;) {
      const {done} = await reader.read();
      if (done) break;
    }
  });
});
