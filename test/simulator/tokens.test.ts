import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  OperatorTokenResponse,
  SiteTokenResponse,
  ValidationError,
  LegacyObjectError,
  LegacyArrayError,
} from '../../src/wire/glia/index.js';
import {SEED, fakeClock, setup} from './support.js';

describe('simulator: token exchanges', () => {
  it('exchanges a Service Credential at /operator_authentication/tokens for {token, expires_in}', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/operator_authentication/tokens', {
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    });
    assert.equal(r.status, 200);
    const body = OperatorTokenResponse.parse(r.body);
    assert.equal(body.expires_in, 3600);
    assert.equal('access_token' in (r.body as object), false);
  });

  it('exchanges a Site API key at /sites/tokens for {access_token, expires_in}', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/sites/tokens', {
      body: {
        api_key_id: SEED.siteApiKey.apiKeyId,
        api_key_secret: SEED.siteApiKey.apiKeySecret,
        site_ids: [SEED.siteId],
      },
    });
    assert.equal(r.status, 200);
    assert.equal(SiteTokenResponse.parse(r.body).expires_in, 3600);
    assert.equal('token' in (r.body as object), false);
  });

  it('answers a Service Credential at /sites/tokens with 422 in the validation shape', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/sites/tokens', {
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    });
    assert.equal(r.status, 422);
    const body = ValidationError.parse(r.body);
    assert.equal(body.error, 'validation_error');
    assert.equal(body.status, 'error');
  });

  it('answers an unknown key or a wrong secret with 401 in the legacy object shape, at both endpoints', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const attempts = [
      ['/operator_authentication/tokens', {api_key_id: 'nobody', api_key_secret: 'x'}],
      [
        '/operator_authentication/tokens',
        {api_key_id: SEED.serviceCredential.apiKeyId, api_key_secret: 'wrong'},
      ],
      ['/sites/tokens', {api_key_id: 'nobody', api_key_secret: 'gls_x'}],
      ['/sites/tokens', {api_key_id: SEED.siteApiKey.apiKeyId, api_key_secret: 'gls_wrong'}],
    ] as const;
    for (const [path, body] of attempts) {
      const r = await call('POST', path, {body});
      assert.equal(r.status, 401, path);
      const error = LegacyObjectError.parse(r.body);
      assert.doesNotMatch(JSON.stringify(error), /wrong|sim-service-secret/);
    }
  });

  it('answers an empty body at the operator endpoint with 422 "api_token must be present"', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    for (const options of [{}, {body: {}}]) {
      const r = await call('POST', '/operator_authentication/tokens', options);
      assert.equal(r.status, 422);
      assert.deepEqual(r.body, {
        details: [{attribute: 'api_token', detail: 'must be present'}],
        error: 'validation_error',
        status: 'error',
      });
    }
  });

  it('names the missing or mistyped field of a token request in a 422', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/sites/tokens', {
      body: {api_key_id: SEED.siteApiKey.apiKeyId, api_key_secret: 42},
    });
    assert.equal(r.status, 422);
    const body = ValidationError.parse(r.body);
    assert.ok(
      Array.isArray(body.details) && body.details.some((d) => d.attribute === 'api_key_secret')
    );
  });

  it('accepts a token until its configured lifetime is over, then answers 401', async (t) => {
    const clock = fakeClock();
    const {sim, call, serviceToken} = setup({now: clock.now, tokenTtlSeconds: 60});
    t.after(() => sim.close());
    const token = await serviceToken();
    const first = await call('GET', `/queues/${SEED.openQueue.id}`, {token});
    assert.equal(first.status, 200);
    clock.advance(59_000);
    assert.equal((await call('GET', `/queues/${SEED.openQueue.id}`, {token})).status, 200);
    clock.advance(1_000);
    const expired = await call('GET', `/queues/${SEED.openQueue.id}`, {token});
    assert.equal(expired.status, 401);
    LegacyObjectError.parse(expired.body);
  });

  it('reports expires_in from the token lifetime set through /__sim/config', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    assert.equal(
      (await call('POST', '/__sim/config', {body: {token_ttl_seconds: 120}})).status,
      200
    );
    const r = await call('POST', '/operator_authentication/tokens', {
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    });
    assert.equal(OperatorTokenResponse.parse(r.body).expires_in, 120);
  });
});

describe('simulator: Accept header and bad requests', () => {
  it('answers another vnd.salemove version with 400 in the legacy array shape', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const r = await call('GET', `/queues/${SEED.openQueue.id}`, {
      token,
      headers: {accept: 'application/vnd.salemove.v2+json'},
    });
    assert.equal(r.status, 400);
    const body = LegacyArrayError.parse(r.body);
    assert.equal(body[0]?.message, 'Invalid api version used');
  });

  it('tolerates a missing or generic Accept header', async (t) => {
    const {sim, serviceToken} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    for (const headers of [{}, {accept: 'application/json'}, {accept: '*/*'}] as Record<
      string,
      string
    >[]) {
      const r = await sim.app.request(`/queues/${SEED.openQueue.id}`, {
        headers: {...headers, authorization: `Bearer ${token}`},
      });
      assert.equal(r.status, 200);
    }
  });

  it('answers a request without Authorization with 401 naming the header format', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('POST', '/visitors');
    assert.equal(r.status, 401);
    assert.equal(LegacyObjectError.parse(r.body).message, 'Authorization information missing');
    const garbage = await call('POST', '/visitors', {token: 'not-a-token'});
    assert.equal(garbage.status, 401);
    assert.equal(LegacyObjectError.parse(garbage.body).message, 'Invalid token');
  });

  it('answers malformed JSON with a 400 and an oversize body with a 413, changing nothing', async (t) => {
    const {sim, call, waitingTicket, state, serviceToken} = setup();
    t.after(() => sim.close());
    const {visitor} = await waitingTicket();
    const token = await serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    const malformed = await call('PATCH', path, {
      token,
      raw: '{"note": ',
      headers: {'content-type': 'application/json'},
    });
    assert.equal(malformed.status, 400);
    LegacyArrayError.parse(malformed.body);
    const huge = await call('PATCH', path, {token, body: {note: 'x'.repeat(70 * 1024)}});
    assert.equal(huge.status, 413);
    const after = await state();
    assert.equal(after.visitors.find((v) => v.id === visitor.id)?.note, null);
  });

  it('answers an unrouted path with Glia routing error', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const r = await call('GET', '/no/such/thing');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {error_msg: '404 Route Not Found'});
  });
});
