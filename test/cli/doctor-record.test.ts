/**
 * `doctor --record`: every answer Glia gave, redacted so it can be attached to a bug report, in the
 * fixtures' `{_source, body}` shape; and the queue step reporting what the recorded queue shape says.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {RecordedAnswer} from '../../src/cli/doctor/record.js';
import {routeOf} from '../../src/cli/doctor/record.js';
import {SHAPES} from '../../src/simulator/deps.js';
import {SEED, assertPassed, goodEnv, setup} from './doctor-support.js';

/** The type of every value, recursively: what a redacted copy must keep. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return value === null ? 'null' : typeof value;
}

describe('doctor --record', () => {
  for (const shapes of SHAPES) {
    it(`writes every answer of a run, redacted, field names and types kept (${shapes} answers)`, async (t) => {
      const h = setup();
      t.after(() => h.close());
      await h.control('POST', '/config', {shapes});
      let recorded: RecordedAnswer[] = [];
      await h.doctor(goodEnv(), {ticket: true, record: (answers) => (recorded = answers)});
      assert.deepEqual(
        recorded.map((a) => `${a._source.request} ${a._source.status}`),
        [
          // The token check's own exchange, then the one the later steps share.
          'POST /operator_authentication/tokens 200',
          'POST /operator_authentication/tokens 200',
          'POST /visitors 200',
          'PATCH /sites/{site_id}/visitors/{visitor_id} 200',
          'GET /queues/{queue_id} 200',
          'POST /queue_tickets 201',
        ]
      );
      const text = JSON.stringify(recorded.map((a) => a.body));
      const {visitors, tickets} = await h.state();
      for (const value of [
        SEED.serviceCredential.apiKeySecret,
        ...h.minted,
        SEED.siteId,
        SEED.openQueue.id,
        ...visitors.map((v) => v.id),
        ...tickets.map((ticket) => ticket.id),
        'glia-handoff doctor',
        SEED.openQueue.name,
      ])
        assert.ok(!text.includes(value), `the recording holds ${value}`);

      // The queue keeps its shape and what doctor reads from it; only identifying values changed.
      const queue = recorded.find((a) => a._source.request === 'GET /queues/{queue_id}')!.body;
      const token = h.minted.values().next().value!;
      const real = (await (
        await h.sim.app.request(`/queues/${SEED.openQueue.id}`, {
          headers: {authorization: `Bearer ${token}`, accept: 'application/vnd.salemove.v1+json'},
        })
      ).json()) as Record<string, unknown>;
      assert.deepEqual(shapeOf(queue), shapeOf(real));
      assert.equal((queue as {status: string}).status, 'opened');
      // One id, one placeholder: the visitor POST /visitors made is the one PATCH answered about.
      const body = (request: string) => recorded.find((a) => a._source.request === request)!.body;
      const made = body('POST /visitors') as {id: string};
      if (shapes === 'recorded') {
        assert.equal(
          (body('PATCH /sites/{site_id}/visitors/{visitor_id}') as {id: string}).id,
          made.id
        );
        assert.equal((queue as {average_wait_time: number}).average_wait_time, 120);
      }
      assert.match(made.id, /^00000000-0000-4000-8000-\d{12}$/);
    });
  }

  it('names each request by its route', () => {
    assert.equal(
      routeOf(`/sites/${SEED.siteId}/visitors/abc/token`),
      '/sites/{site_id}/visitors/{visitor_id}/token'
    );
    assert.equal(routeOf('/queue_tickets'), '/queue_tickets');
    assert.equal(
      routeOf('/engagements/x/chat_messages/y'),
      '/engagements/{engagement_id}/chat_messages/{message_id}'
    );
  });
});

describe("doctor's queue step", () => {
  it('reports the status, the media and the average wait of the recorded queue shape', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv());
    const step = assertPassed(run, 'queue');
    assert.match(JSON.stringify(step), /status opened, media text, phone, average wait 120 s/);
  });

  it('passes a queue that says only its status, and says what Glia left out', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.control('POST', '/config', {shapes: 'sparse'});
    const step = assertPassed(await h.doctor(goodEnv()), 'queue');
    assert.match(JSON.stringify(step), /status opened, media not said, no average wait/);
  });
});
