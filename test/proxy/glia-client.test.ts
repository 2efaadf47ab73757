import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {GliaVisitor, createGliaClient} from '../../src/proxy/glia/glia-client.js';
import {GliaError} from '../../src/proxy/glia/glia-error.js';
import {createSimulator} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';

const SITE = '5b0c2d1e-8f3a-4c6b-9d7e-1a2b3c4d5e6f';
const VISITOR = '11111111-2222-4333-8444-555555555555';
const SECRET = 'service-secret-do-not-print';

interface Call {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

type Answer =
  {status: number; body?: unknown; headers?: Record<string, string>} | 'network' | 'hang';

/** A tiny Glia: answers each path from a queue of answers (the last one repeats). */
function fakeGlia(routes: Record<string, Answer[]>) {
  const calls: Call[] = [];
  const fetch: GliaFetch = async (url, init) => {
    const path = new URL(url).pathname;
    calls.push({
      method: init.method,
      path,
      auth: init.headers.Authorization,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const key = `${init.method} ${path}`;
    const queue = routes[key];
    assert.ok(queue, `unexpected call ${key}`);
    const answer = queue.length > 1 ? queue.shift() : queue[0];
    if (answer === 'network') throw new TypeError('fetch failed');
    if (answer === 'hang' || answer === undefined) return new Promise<Response>(() => {});
    await Promise.resolve();
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: {'content-type': 'application/json', ...answer.headers},
    });
  };
  return {calls, fetch};
}

function client(fetch: GliaFetch, overrides: Record<string, unknown> = {}) {
  const sleeps: number[] = [];
  let now = 1_000_000;
  const glia = createGliaClient({
    apiBase: 'https://glia.example',
    siteId: SITE,
    apiKeyId: 'key-id',
    apiKeySecret: SECRET,
    credentialType: 'auto',
    fetch,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    timeoutMs: 50,
    ...overrides,
  });
  return {glia, sleeps, advance: (ms: number) => (now += ms)};
}

const TOKEN_OK: Answer = {status: 200, body: {token: 'tok-1', expires_in: 3600}};
const VISITOR_OK: Answer = {status: 200, body: {id: VISITOR, access_token: 'visitor-jwt'}};

async function rejection(promise: Promise<unknown>): Promise<GliaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GliaError, String(error));
    return error;
  }
  assert.fail('expected a GliaError');
}

describe('Glia client', () => {
  it('picks the exchange by the secret: gls_ means a Site API key, anything else a Service Credential', async () => {
    const site = fakeGlia({'POST /sites/tokens': [{status: 200, body: {access_token: 's'}}]});
    const siteClient = client(site.fetch, {apiKeySecret: 'GLS_abc'});
    assert.equal(siteClient.glia.credentialType, 'site');
    assert.deepEqual(await siteClient.glia.exchangeToken(), {
      credentialType: 'site',
      expiresInSeconds: 3300,
    });
    const service = fakeGlia({'POST /operator_authentication/tokens': [TOKEN_OK]});
    const serviceClient = client(service.fetch);
    assert.equal(serviceClient.glia.credentialType, 'service');
    assert.deepEqual(await serviceClient.glia.exchangeToken(), {
      credentialType: 'service',
      expiresInSeconds: 3600,
    });
    assert.deepEqual(service.calls[0]?.body, {api_key_id: 'key-id', api_key_secret: SECRET});
  });

  it('makes one token exchange for many concurrent calls and reuses it until near expiry', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      'POST /visitors': [VISITOR_OK],
    });
    const {glia: c, advance} = client(glia.fetch);
    await Promise.all(Array.from({length: 50}, () => c.createVisitor()));
    assert.equal(glia.calls.filter((call) => call.path.endsWith('/tokens')).length, 1);
    assert.ok(
      glia.calls
        .filter((call) => call.path === '/visitors')
        .every((call) => call.auth === 'Bearer tok-1')
    );
    advance(3600_000 - 301_000); // 5 min before expiry: still fresh
    await c.createVisitor();
    assert.equal(glia.calls.filter((call) => call.path.endsWith('/tokens')).length, 1);
    advance(2000); // inside the margin: renewed ahead of expiry
    await c.createVisitor();
    assert.equal(glia.calls.filter((call) => call.path.endsWith('/tokens')).length, 2);
  });

  it('re-mints once on a 401 and retries, but not twice', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK, {status: 200, body: {token: 'tok-2'}}],
      'POST /visitors': [{status: 401, body: {message: 'Invalid token'}}, VISITOR_OK],
    });
    const {glia: c} = client(glia.fetch);
    const visitor = await c.createVisitor();
    assert.equal(visitor.id, VISITOR);
    assert.deepEqual(
      glia.calls.map((call) => `${call.path} ${call.auth ?? ''}`),
      [
        '/operator_authentication/tokens ',
        '/visitors Bearer tok-1',
        '/operator_authentication/tokens ',
        '/visitors Bearer tok-2',
      ]
    );
    const always401 = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      'POST /visitors': [{status: 401, body: {message: 'Invalid token'}}],
    });
    const error = await rejection(client(always401.fetch).glia.createVisitor());
    assert.equal(error.status, 401);
    assert.equal(error.step, 'create-visitor');
    assert.equal(always401.calls.filter((call) => call.path === '/visitors').length, 2);
  });

  it("renews the visitor's token once when Glia rejects it", async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      [`POST /visitors/${VISITOR}/token`]: [
        {status: 200, body: {id: VISITOR, access_token: 'visitor-jwt-2'}},
      ],
      'PUT /engagements/e1/typing_indicator': [
        {status: 401, body: {message: 'expired'}},
        {status: 204},
      ],
    });
    const {glia: c} = client(glia.fetch);
    await c.setTyping(new GliaVisitor(VISITOR, 'visitor-jwt'), 'e1', true);
    const typing = glia.calls.filter((call) => call.path.endsWith('typing_indicator'));
    assert.deepEqual(
      typing.map((call) => call.auth),
      ['Bearer visitor-jwt', 'Bearer visitor-jwt-2']
    );
  });

  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      'POST /visitors': [
        {status: 429, body: {message: 'slow down'}, headers: {'retry-after': '2'}},
        VISITOR_OK,
      ],
    });
    const {glia: c, sleeps} = client(glia.fetch);
    await c.createVisitor();
    assert.deepEqual(sleeps, [2000]);
  });

  it('gives up on a Retry-After longer than it is willing to wait, with a hint', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      'GET /queues/q1': [
        {status: 429, body: {message: 'slow down'}, headers: {'retry-after': '120'}},
      ],
    });
    const error = await rejection(client(glia.fetch).glia.getQueue('q1'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterSeconds, 120);
    assert.match(error.hint, /rate-limiting/);
  });

  it('retries a 5xx with growing, jittered backoff for idempotent calls only', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      'GET /queues/q1': [
        {status: 503},
        {status: 502},
        {
          status: 200,
          body: {id: SITE, site_id: SITE, name: 'Q', state: {status: 'opened', medias: ['text']}},
        },
      ],
      'POST /visitors': [{status: 503}],
    });
    const {glia: c, sleeps} = client(glia.fetch);
    assert.equal((await c.getQueue('q1')).name, 'Q');
    assert.deepEqual(sleeps, [150, 300]); // base 200 and 400, equal jitter at 0.5
    const error = await rejection(c.createVisitor());
    assert.equal(error.status, 503);
    // Creating a visitor twice would make two visitors: one attempt only.
    assert.equal(glia.calls.filter((call) => call.path === '/visitors').length, 1);
  });

  it('reports a network error as Glia unreachable at the base URL', async () => {
    const glia = fakeGlia({'POST /operator_authentication/tokens': ['network']});
    const error = await rejection(client(glia.fetch).glia.ensureToken());
    assert.equal(error.step, 'token');
    assert.equal(error.failure, 'network');
    assert.equal(error.status, null);
    assert.match(error.hint, /unreachable at https:\/\/glia\.example/);
    assert.equal(glia.calls.length, 3); // the exchange is safe to repeat
  });

  it('times out a call Glia never answers', async () => {
    const glia = fakeGlia({'POST /operator_authentication/tokens': ['hang']});
    const error = await rejection(client(glia.fetch, {retry: {attempts: 1}}).glia.ensureToken());
    assert.equal(error.failure, 'timeout');
    assert.match(error.hint, /did not answer/);
  });

  it('refuses an answer that is not what Glia sends', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [{status: 200, body: {hello: 'html?'}}],
    });
    const error = await rejection(client(glia.fetch).glia.ensureToken());
    assert.equal(error.failure, 'invalid-response');
    assert.match(error.hint, /GLIA_API_BASE/);
  });

  it('names the fix for a Service Credential sent to /sites/tokens', async () => {
    const glia = fakeGlia({
      'POST /sites/tokens': [
        {
          status: 422,
          body: {
            error: 'validation_error',
            status: 'error',
            details: [{attribute: 'api_key_id', detail: 'is not a site API key'}],
          },
        },
      ],
    });
    const error = await rejection(client(glia.fetch, {credentialType: 'site'}).glia.ensureToken());
    assert.equal(error.status, 422);
    assert.equal(error.gliaMessage, 'validation_error: api_key_id is not a site API key');
    assert.match(error.hint, /Service Credential.*GLIA_CREDENTIAL_TYPE=service or auto/);
  });

  it('names the policy to add on a 403', async () => {
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [TOKEN_OK],
      [`PATCH /sites/${SITE}/visitors/${VISITOR}`]: [
        {status: 403, body: {message: "You don't have permissions to update visitor"}},
      ],
    });
    const error = await rejection(client(glia.fetch).glia.updateVisitor(VISITOR, {note: 'x'}));
    assert.equal(error.step, 'update-visitor');
    assert.match(error.hint, /"Update Visitor" permission/);
  });

  it('treats ending an engagement that is already over as done', async () => {
    const glia = fakeGlia({
      'PATCH /engagements/e1': [
        {
          status: 422,
          body: {
            error: 'validation_error',
            details: [{attribute: 'engagement', detail: 'has already ended'}],
          },
        },
      ],
    });
    assert.equal(
      await client(glia.fetch).glia.endEngagement(new GliaVisitor(VISITOR, 'v'), 'e1'),
      'already-ended'
    );
  });

  it('keeps the visitor token and the key secret out of JSON and error messages', async () => {
    const visitor = new GliaVisitor(VISITOR, 'visitor-jwt-secret');
    assert.equal(JSON.stringify({visitor}), `{"visitor":{"id":"${VISITOR}"}}`);
    const glia = fakeGlia({
      'POST /operator_authentication/tokens': [
        {status: 401, body: {message: `bad secret ${SECRET}`}},
      ],
    });
    const error = await rejection(client(glia.fetch).glia.ensureToken());
    assert.ok(!error.message.includes(SECRET));
    assert.ok(!JSON.stringify(error).includes(SECRET));
    assert.match(error.hint, /revoked/);
  });
});

describe('Glia client, step by step against the simulator (what doctor runs)', () => {
  it('exchanges, creates and updates a visitor, reads the queue, files and cancels a ticket', async (t) => {
    const sim = createSimulator();
    t.after(() => sim.close());
    const glia = createGliaClient({
      apiBase: 'http://glia.test',
      siteId: SEED.siteId,
      apiKeyId: SEED.siteApiKey.apiKeyId,
      apiKeySecret: SEED.siteApiKey.apiKeySecret,
      credentialType: 'auto',
      fetch: (url, init) => sim.app.request(url, init),
    });
    assert.equal((await glia.exchangeToken()).credentialType, 'site');
    const wrong = await rejection(glia.exchangeToken('service'));
    assert.match(wrong.hint, /GLIA_CREDENTIAL_TYPE=site or auto/);
    const visitor = await glia.createVisitor();
    const updated = await glia.updateVisitor(visitor.id, {
      note: 'doctor check',
      custom_attributes: {source: 'doctor'},
      custom_attributes_update_method: 'merge',
    });
    assert.equal(updated.note, 'doctor check');
    assert.equal((await glia.getQueue(SEED.openQueue.id)).name, SEED.openQueue.name);
    const {ticket, created} = await glia.createQueueTicket(visitor, {queueId: SEED.openQueue.id});
    assert.equal(created, true);
    assert.equal(ticket.state, 'queued');
    assert.equal(await glia.cancelQueueTicket(visitor, ticket.id ?? ''), 'cancelled');
    const closed = await glia.createQueueTicket(visitor, {queueId: SEED.closedQueue.id});
    assert.equal(closed.ticket.state, 'failed');
  });
});

describe('the chat transcript reader', () => {
  it("reads Glia's documented entries: no id, type user, a null message, a sender with only a type", async () => {
    const engagement = '22222222-2222-4222-8222-222222222222';
    const {fetch} = fakeGlia({
      [`GET /engagements/${engagement}/chat_transcript`]: [
        {
          status: 200,
          body: [
            {
              message: 'Choice 2',
              created_at: '2017-09-21T12:44:01.000Z',
              type: 'user',
              sender: {
                href: 'https://api.glia.com/visitors/x',
                name: 'Sasha Brown',
                type: 'visitor',
              },
              attachment: {type: 'single_choice_response', selected_option: 'choice_2'},
            },
            {message: null, created_at: '2017-09-21T12:44:02.000Z', sender: {type: 'operator'}},
            {message: 'Hello', created_at: '2017-09-21T12:44:03.000Z', sender: {type: 'operator'}},
            'not an entry',
          ],
        },
      ],
    });
    const {glia} = client(fetch);
    const entries = await glia.getChatTranscript(new GliaVisitor('v', 'visitor-token'), engagement);
    assert.deepEqual(
      entries.map((e) => [e.sender?.type, e.message ?? null, e.id ?? null]),
      [
        ['visitor', 'Choice 2', null],
        ['operator', null, null],
        ['operator', 'Hello', null],
      ]
    );
  });
});
