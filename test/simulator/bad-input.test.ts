/** Bad input anywhere gets a 4xx in one of Glia's shapes, never a 500, and changes nothing. */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it} from 'node:test';
import {gliaErrorMessage} from '../../src/wire/glia/index.js';
import {SEED, setup} from './support.js';

const BODIES = [
  '{',
  'null',
  '[]',
  '"text"',
  '42',
  '{"__proto__": {"polluted": true}}',
  JSON.stringify({content: {nested: true}, typing: 'maybe', action: 7, media: null, note: ['x']}),
  '\u0000\u0001',
];

function isObject(raw: string): boolean {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

describe('simulator: bad input', () => {
  it('answers garbage on every Glia route with a 4xx in a Glia shape and leaves the state unchanged', async (t) => {
    const {sim, call, activeEngagement, serviceToken} = setup();
    t.after(() => sim.close());
    const {visitor, ticket, engagement} = await activeEngagement();
    const service = await serviceToken();
    const routes: [string, string, string | undefined][] = [
      ['POST', '/operator_authentication/tokens', undefined],
      ['POST', '/sites/tokens', undefined],
      ['POST', '/visitors', service],
      ['POST', `/visitors/${visitor.id}/token`, service],
      ['PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, service],
      ['POST', '/queue_tickets', visitor.access_token],
      ['DELETE', `/queue_tickets/${ticket.id}`, visitor.access_token],
      ['PUT', `/engagements/${engagement.id}/chat_messages/${randomUUID()}`, visitor.access_token],
      ['PUT', `/engagements/${engagement.id}/typing_indicator`, visitor.access_token],
      ['PATCH', `/engagements/${engagement.id}`, visitor.access_token],
      ['GET', `/engagements/not-an-id`, service],
      ['GET', `/queues/%00`, service],
      ['GET', `/operators/${'x'.repeat(500)}`, service],
    ];
    const before = JSON.stringify((await call('GET', '/__sim/state')).body);
    for (const [method, path, token] of routes) {
      for (const raw of BODIES) {
        // GET carries no body: the garbage goes into the path instead.
        const r =
          method === 'GET'
            ? await call(method, `${path}${encodeURIComponent(raw)}`, {token})
            : await call(method, path, {token, raw, headers: {'content-type': 'application/json'}});
        const where = `${method} ${path} ${JSON.stringify(raw)}`;
        // Creating a visitor or renewing its token takes no fields: any JSON object is fine there.
        const takesAnyObject = method === 'POST' && path.startsWith('/visitors') && isObject(raw);
        if (takesAnyObject) assert.equal(r.status, 200, where);
        else assert.ok(r.status >= 400 && r.status < 500, `${where} → ${r.status}`);
        if (r.status >= 400)
          assert.ok(
            gliaErrorMessage(r.body),
            `${where}: not a Glia error shape: ${JSON.stringify(r.body)}`
          );
      }
    }
    const after = (await call('GET', '/__sim/state')).body as {visitors: unknown[]};
    // POST /visitors ignores its body, so only new visitors may have appeared.
    const strip = (s: string) => {
      const parsed = JSON.parse(s) as Record<string, unknown>;
      delete parsed.visitors;
      return parsed;
    };
    assert.deepEqual(strip(JSON.stringify(after)), strip(before));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('answers garbage on the control API with 4xx, never 500', async (t) => {
    const {sim, call, activeEngagement} = setup();
    t.after(() => sim.close());
    const {ticket, engagement} = await activeEngagement();
    const routes = [
      `/__sim/queue_tickets/${ticket.id}/accept`,
      `/__sim/queue_tickets/${ticket.id}/reject`,
      `/__sim/engagements/${engagement.id}/messages`,
      `/__sim/engagements/${engagement.id}/typing`,
      `/__sim/engagements/${engagement.id}/transfer`,
      '/__sim/credentials',
      '/__sim/faults',
      '/__sim/config',
      `/__sim/queues/${SEED.openQueue.id}`,
    ];
    for (const path of routes)
      for (const raw of BODIES) {
        const r = await call('POST', path, {raw, headers: {'content-type': 'application/json'}});
        assert.ok(
          r.status >= 400 && r.status < 500,
          `${path} ${JSON.stringify(raw)} → ${r.status}`
        );
      }
  });
});
