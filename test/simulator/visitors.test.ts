import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  LegacyObjectError,
  ValidationError,
  Visitor,
  VisitorCredentials,
} from '../../src/wire/glia/index.js';
import {SEED, fakeClock, setup} from './support.js';

function decodeJwt(token: string) {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as {alg: string},
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {
      sub: string;
      roles: {type: string; visitor_id?: string; site_id?: string}[];
      iss: string;
      iat: number;
      exp: number;
    },
  };
}

describe('simulator: visitors', () => {
  it('creates a visitor with a service or a site token: 200 {id, access_token}', async (t) => {
    const {sim, call, serviceToken, siteToken} = setup();
    t.after(() => sim.close());
    for (const token of [await serviceToken(), await siteToken()]) {
      const r = await call('POST', '/visitors', {token, body: {}});
      assert.equal(r.status, 200);
      VisitorCredentials.parse(r.body);
    }
  });

  it('gives the visitor an HS512 JWT naming the creating credential, the visitor and the site', async (t) => {
    const {sim, newVisitor} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const {header, payload} = decodeJwt(visitor.access_token);
    assert.equal(header.alg, 'HS512');
    assert.equal(payload.sub, `application:${SEED.serviceCredential.apiKeyId}`);
    assert.equal(payload.iss, 'SaleMove API');
    assert.deepEqual(payload.roles, [
      {type: 'visitor', visitor_id: visitor.id},
      {type: 'site_visitor', site_id: SEED.siteId},
    ]);
    assert.ok(payload.exp > payload.iat);
  });

  it('renews a visitor token: 200 with the same id and a token that works', async (t) => {
    const {sim, call, serviceToken, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const r = await call('POST', `/visitors/${visitor.id}/token`, {token});
    assert.equal(r.status, 200);
    const renewed = VisitorCredentials.parse(r.body);
    assert.equal(renewed.id, visitor.id);
    const ticket = await call('POST', '/queue_tickets', {
      token: renewed.access_token,
      body: ticketBody(),
    });
    assert.equal(ticket.status, 201);
    const unknown = await call('POST', `/visitors/${SEED.openQueue.id}/token`, {token});
    assert.equal(unknown.status, 404);
  });

  it('fetches a visitor with every documented field, blanks as null', async (t) => {
    const {sim, call, serviceToken, newVisitor} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const r = await call('GET', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {token});
    assert.equal(r.status, 200);
    const body = r.body as Record<string, unknown>;
    assert.equal(body.id, visitor.id);
    assert.equal(body.name, null);
    assert.equal(body.note, null);
    assert.deepEqual(body.custom_attributes, {});
    assert.match(String(body.generated_name), /^Visitor #\d+$/);
    assert.equal(body.href, `http://localhost/sites/${SEED.siteId}/visitors/${visitor.id}`);
  });

  it('updates name, email and note; appends to the note when asked', async (t) => {
    const {sim, call, serviceToken, newVisitor} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    let r = await call('PATCH', path, {
      token,
      body: {name: 'Dana Cruz', email: 'dana@example.com', note: 'VPN drops'},
    });
    assert.equal(r.status, 200);
    assert.equal(Visitor.parse(r.body).name, 'Dana Cruz');
    r = await call('PATCH', path, {
      token,
      body: {note: 'every hour', note_update_method: 'append'},
    });
    assert.match(Visitor.parse(r.body).note ?? '', /^VPN drops\s*every hour$/);
    r = await call('PATCH', path, {token, body: {note: 'replaced'}});
    assert.equal(Visitor.parse(r.body).note, 'replaced');
    assert.equal(Visitor.parse((await call('GET', path, {token})).body).email, 'dana@example.com');
  });

  it('replaces custom attributes by default and merges them when asked, null deleting a key', async (t) => {
    const {sim, call, serviceToken, newVisitor} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await call('PATCH', path, {token, body: {custom_attributes: {a: '1', b: '2'}}});
    let r = await call('PATCH', path, {token, body: {custom_attributes: {c: '3'}}});
    assert.deepEqual(Visitor.parse(r.body).custom_attributes, {c: '3'});
    r = await call('PATCH', path, {
      token,
      body: {custom_attributes: {d: '4', c: null}, custom_attributes_update_method: 'merge'},
    });
    assert.deepEqual(Visitor.parse(r.body).custom_attributes, {d: '4'});
  });

  it('refuses unknown fields, wrong types and unknown methods with 422, leaving the visitor unchanged', async (t) => {
    const {sim, call, serviceToken, newVisitor} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await call('PATCH', path, {token, body: {name: 'Before'}});
    for (const body of [
      {name: 'After', admin: true},
      {name: 42},
      {name: 'After', note_update_method: 'prepend'},
      {custom_attributes: {nested: {x: '1'}}},
    ]) {
      const r = await call('PATCH', path, {token, body});
      assert.equal(r.status, 422, JSON.stringify(body));
      ValidationError.parse(r.body);
    }
    assert.equal(Visitor.parse((await call('GET', path, {token})).body).name, 'Before');
  });

  it('answers an unknown visitor or site with 404', async (t) => {
    const {sim, call, serviceToken, newVisitor} = setup();
    t.after(() => sim.close());
    const token = await serviceToken();
    const visitor = await newVisitor(token);
    const unknownVisitor = await call(
      'GET',
      `/sites/${SEED.siteId}/visitors/${SEED.openQueue.id}`,
      {token}
    );
    assert.equal(unknownVisitor.status, 404);
    LegacyObjectError.parse(unknownVisitor.body);
    const unknownSite = await call('PATCH', `/sites/${SEED.openQueue.id}/visitors/${visitor.id}`, {
      token,
      body: {name: 'x'},
    });
    assert.equal(unknownSite.status, 404);
  });
});

describe('simulator: policies', () => {
  const limited = (policies: string[]) => ({
    api_key_id: 'limited-key',
    api_key_secret: 'limited-secret',
    type: 'service',
    policies,
  });

  it('answers a call whose policy is missing with 403 naming the policy', async (t) => {
    const {sim, call, serviceToken} = setup();
    t.after(() => sim.close());
    const registered = await call('POST', '/__sim/credentials', {body: limited(['fetch_queue'])});
    assert.equal(registered.status, 201);
    const token = await serviceToken({apiKeyId: 'limited-key', apiKeySecret: 'limited-secret'});
    const r = await call('POST', '/visitors', {token});
    assert.equal(r.status, 403);
    const error = LegacyObjectError.parse(r.body);
    assert.match(`${error.message} ${error.debug_message}`, /create_visitor|create visitor/);
    assert.equal((await call('GET', `/queues/${SEED.openQueue.id}`, {token})).status, 200);
  });

  it('checks create_queue_ticket on the credential that created the visitor', async (t) => {
    const {sim, call, serviceToken, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    await call('POST', '/__sim/credentials', {body: limited(['create_visitor', 'update_visitor'])});
    const token = await serviceToken({apiKeyId: 'limited-key', apiKeySecret: 'limited-secret'});
    const visitor = await newVisitor(token);
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    assert.equal(r.status, 403);
    assert.match(JSON.stringify(r.body), /create_queue_ticket|create queue ticket/);
    const other = await newVisitor();
    assert.equal(
      (await call('POST', '/queue_tickets', {token: other.access_token, body: ticketBody()}))
        .status,
      201
    );
  });

  it('gives a registered credential every policy when none are listed', async (t) => {
    const {sim, call, state} = setup();
    t.after(() => sim.close());
    await call('POST', '/__sim/credentials', {
      body: {api_key_id: 'all', api_key_secret: 'gls_all', type: 'site'},
    });
    const credential = (await state()).credentials.find((c) => c.api_key_id === 'all');
    assert.deepEqual(credential?.policies.sort(), [
      'create_queue_ticket',
      'create_visitor',
      'fetch_engagement',
      'fetch_engagement_requests',
      'fetch_queue',
      'fetch_visitor',
      'update_engagement',
      'update_visitor',
    ]);
  });

  it('stops accepting the tokens of a revoked credential, and of the visitors it created', async (t) => {
    const {sim, call, serviceToken, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    await call('POST', '/__sim/credentials', {
      body: limited(['create_visitor', 'create_queue_ticket', 'fetch_queue']),
    });
    const token = await serviceToken({apiKeyId: 'limited-key', apiKeySecret: 'limited-secret'});
    const visitor = await newVisitor(token);
    assert.equal((await call('DELETE', '/__sim/credentials/limited-key')).status, 204);
    assert.equal((await call('GET', `/queues/${SEED.openQueue.id}`, {token})).status, 401);
    assert.equal(
      (await call('POST', '/queue_tickets', {token: visitor.access_token, body: ticketBody()}))
        .status,
      401
    );
    assert.equal((await call('DELETE', '/__sim/credentials/limited-key')).status, 404);
  });

  it('never shows a secret in the state', async (t) => {
    const {sim, call} = setup();
    t.after(() => sim.close());
    const text = JSON.stringify((await call('GET', '/__sim/state')).body);
    assert.doesNotMatch(text, new RegExp(SEED.serviceCredential.apiKeySecret));
    assert.doesNotMatch(text, /gls_/);
  });
});

describe('simulator: visitor token lifetime', () => {
  it('refuses a visitor token once its exp has passed on the injected clock', async (t) => {
    const clock = fakeClock();
    const {sim, call, newVisitor, ticketBody} = setup({
      now: clock.now,
      visitorTokenTtlSeconds: 600,
    });
    t.after(() => sim.close());
    const visitor = await newVisitor();
    clock.advance(600_000);
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(),
    });
    assert.equal(r.status, 401);
    LegacyObjectError.parse(r.body);
  });

  it('refuses a visitor token whose signature was tampered with', async (t) => {
    const {sim, call, newVisitor, ticketBody} = setup();
    t.after(() => sim.close());
    const visitor = await newVisitor();
    const [header, payload] = visitor.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {exp: number};
    const forged = `${header}.${Buffer.from(JSON.stringify({...claims, exp: claims.exp + 1})).toString('base64url')}.${visitor.access_token.split('.')[2]}`;
    assert.equal(
      (await call('POST', '/queue_tickets', {token: forged, body: ticketBody()})).status,
      401
    );
  });
});
