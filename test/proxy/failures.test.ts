import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_LIMITS} from '../../src/proxy/app.js';
import {ConfigError, loadConfig} from '../../src/proxy/config.js';
import {startIdentity} from '../../src/proxy/handoff.js';
import {createMemoryStore} from '../../src/proxy/sessions/memory-store.js';
import {hashSecret, newRecord} from '../../src/proxy/sessions/session-record.js';
import type {
  ErrorBody,
  SessionSnapshot,
  StartSessionResponse,
} from '../../src/wire/handoff/index.js';
import {SEED, SITE_KEY_ENV, newMessageId, setup, simEnv} from './support.js';

/** Starts a session that must fail; returns the error body. */
async function failedStart(h: ReturnType<typeof setup>, status: number) {
  const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'Printer on fire'}});
  assert.equal(r.status, status, r.text);
  return (r.body as ErrorBody).error;
}

describe('a misconfigured proxy says which step failed and how to fix it', () => {
  it('a Service Credential forced to the Site API key exchange: 422 at the token step, set the type', async (t) => {
    const h = setup({env: {GLIA_CREDENTIAL_TYPE: 'site'}});
    t.after(() => h.close());
    const error = await failedStart(h, 502);
    assert.equal(error.step, 'token');
    assert.match(error.message, /422/);
    assert.match(error.hint ?? '', /Service Credential.*GLIA_CREDENTIAL_TYPE=service or auto/);
    const ready = await h.browser('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal((ready.body as {reason: string}).reason, 'glia-error');
    assert.ok(h.logLines.some((line) => /GLIA_CREDENTIAL_TYPE=service/.test(line)));
  });

  it('a Site API key forced to the Service Credential exchange: set the type to site or auto', async (t) => {
    const h = setup({env: {...SITE_KEY_ENV, GLIA_CREDENTIAL_TYPE: 'service'}});
    t.after(() => h.close());
    const error = await failedStart(h, 502);
    assert.equal(error.step, 'token');
    assert.match(error.hint ?? '', /Site API key.*GLIA_CREDENTIAL_TYPE=site or auto/);
  });

  for (const [policy, step, label] of [
    ['create_visitor', 'create-visitor', 'Create Visitor'],
    ['update_visitor', 'update-visitor', 'Update Visitor'],
    ['create_queue_ticket', 'queue-ticket', 'Create Queue Ticket'],
  ] as const) {
    it(`a credential without ${policy}: 403 at ${step}, naming the permission, and no session left behind`, async (t) => {
      const apiKeyId = '0f0e0d0c-0b0a-4909-8807-060504030201';
      const h = setup({
        env: {GLIA_API_KEY_ID: apiKeyId, GLIA_API_KEY_SECRET: 'limited-secret-123'},
      });
      t.after(() => h.close());
      await h.operator('POST', '/credentials', {
        api_key_id: apiKeyId,
        api_key_secret: 'limited-secret-123',
        type: 'service',
        policies: [
          'create_visitor',
          'fetch_visitor',
          'update_visitor',
          'create_queue_ticket',
          'fetch_queue',
          'fetch_engagement',
          'update_engagement',
        ].filter((p) => p !== policy),
      });
      const error = await failedStart(h, 502);
      assert.equal(error.step, step);
      assert.match(error.message, /403/);
      assert.match(error.hint ?? '', new RegExp(`"${label}" permission \\(${policy}\\)`));
      assert.equal(await h.metric('glia_handoff_sessions'), 0, 'the failed start keeps no session');
      assert.equal((await h.simState()).tickets.length, 0);
    });
  }

  it('a revoked key: the cached token stops working, the re-mint is refused, the hint says revoked', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.start();
    const revoke = await h.sim.app.request(
      `/__sim/credentials/${SEED.serviceCredential.apiKeyId}`,
      {method: 'DELETE'}
    );
    assert.equal(revoke.status, 204);
    const error = await failedStart(h, 502);
    assert.equal(error.step, 'token');
    assert.match(error.message, /401/);
    assert.match(error.hint ?? '', /GLIA_API_KEY_ID and GLIA_API_KEY_SECRET.*revoked/);
  });

  it('Glia unreachable: 503, and the hint names the base URL', async (t) => {
    const h = setup({
      gliaFetch: () => async () => {
        throw new TypeError('fetch failed');
      },
    });
    t.after(() => h.close());
    const error = await failedStart(h, 503);
    assert.equal(error.code, 'glia-unavailable');
    assert.equal(error.step, 'token');
    assert.match(error.hint ?? '', /unreachable at http:\/\/glia\.test/);
  });

  it('Glia rate-limiting the start: 503 with Retry-After for the widget', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.operator('POST', '/faults', {
      rules: [{method: 'POST', path: '/visitors', status: 429, retry_after: 30}],
    });
    const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'x'}});
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '30');
    assert.equal((r.body as ErrorBody).error.step, 'create-visitor');
  });

  it('a Glia hiccup on an idempotent step is retried and invisible', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.operator('POST', '/faults', {
      rules: [{method: 'PATCH', path: `/sites/${SEED.siteId}/visitors/*`, status: 503, times: 1}],
    });
    const session = await h.start();
    assert.equal(session.status, 'queued');
    // The hiccup happened, and was retried: Glia saw the 503 and then the update that worked.
    const updates = (await h.simLog()).requests.filter(
      (r) => r.method === 'PATCH' && r.path.startsWith(`/sites/${SEED.siteId}/visitors/`)
    );
    assert.deepEqual(
      updates.map((r) => r.status),
      [503, 200]
    );
    assert.equal(
      await h.metric('glia_handoff_glia_calls_total', {step: 'update-visitor', status: '503'}),
      1
    );
    assert.equal(await h.metric('glia_handoff_sessions_created_total', {outcome: 'ok'}), 1);
  });

  it('an ending that Glia refuses leaves the conversation as it was, so the widget can retry', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    await h.operator('POST', '/faults', {
      rules: [{method: 'PATCH', path: '/engagements/*', status: 403, times: 1}],
    });
    const refused = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
      token: session.token,
    });
    assert.equal(refused.status, 502);
    assert.equal((refused.body as ErrorBody).error.step, 'end');
    assert.equal((await h.snapshot(session.id, session.token)).status, 'engaged');
    const retried = await h.browser('DELETE', `/handoff/sessions/${session.id}`, {
      token: session.token,
    });
    assert.equal((retried.body as SessionSnapshot).status, 'ended');
  });
});

describe('configuration', () => {
  const problem = (env: Record<string, string | undefined>, variable: string): string => {
    try {
      loadConfig(simEnv(env));
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const found = error.problems.find((p) => p.variable === variable);
      assert.ok(found, `no problem named ${variable}: ${error.message}`);
      assert.match(error.message, new RegExp(`^  ${variable} `, 'm'));
      return found.message;
    }
    assert.fail('the configuration was accepted');
  };

  it('refuses an empty or host-less GLIA_API_BASE (the https:///visitors failure) by name', () => {
    assert.match(problem({GLIA_API_BASE: ''}, 'GLIA_API_BASE'), /http\(s\) URL with a host/);
    assert.match(problem({GLIA_API_BASE: 'https://'}, 'GLIA_API_BASE'), /got "https:\/\/"/);
    assert.match(problem({GLIA_API_BASE: 'https:///visitors'}, 'GLIA_API_BASE'), /with a host/);
    assert.match(problem({GLIA_API_BASE: 'api.glia.com'}, 'GLIA_API_BASE'), /http\(s\)/);
  });

  it('defaults an unset GLIA_API_BASE to production and trims a trailing slash', () => {
    assert.equal(
      loadConfig(simEnv({GLIA_API_BASE: undefined})).glia.apiBase,
      'https://api.glia.com'
    );
    assert.equal(
      loadConfig(simEnv({GLIA_API_BASE: 'https://api.glia.eu/'})).glia.apiBase,
      'https://api.glia.eu'
    );
  });

  it('refuses site and queue ids that are not UUIDs, and missing key id, secret and PUBLIC_URL', () => {
    assert.match(problem({GLIA_SITE_ID: 'my-site'}, 'GLIA_SITE_ID'), /UUID/);
    assert.match(problem({GLIA_QUEUE_ID: '42'}, 'GLIA_QUEUE_ID'), /UUID/);
    assert.match(problem({GLIA_API_KEY_ID: undefined}, 'GLIA_API_KEY_ID'), /not set/);
    assert.match(problem({GLIA_API_KEY_SECRET: ''}, 'GLIA_API_KEY_SECRET'), /empty/);
    assert.match(problem({PUBLIC_URL: undefined}, 'PUBLIC_URL'), /not set/);
    assert.match(
      problem({GLIA_CREDENTIAL_TYPE: 'legacy'}, 'GLIA_CREDENTIAL_TYPE'),
      /auto, service or site/
    );
    assert.match(problem({ALLOWED_ORIGINS: 'https://ok.example, *'}, 'ALLOWED_ORIGINS'), /origins/);
    assert.match(problem({PORT: 'eighty'}, 'PORT'), /port/);
  });

  it('refuses REDIS_URL without SESSION_ENCRYPTION_KEY, and a bad REDIS_URL, without repeating either', () => {
    const noKey = problem(
      {REDIS_URL: 'redis://user:hunter22@cache:6379'},
      'SESSION_ENCRYPTION_KEY'
    );
    assert.match(noKey, /REDIS_URL/);
    assert.ok(!noKey.includes('hunter22'));
    const bad = problem({REDIS_URL: 'http://user:hunter22@cache:6379'}, 'REDIS_URL');
    assert.match(bad, /redis:\/\//);
    assert.ok(!bad.includes('hunter22'));
    const short = problem({SESSION_ENCRYPTION_KEY: 'too-short-key'}, 'SESSION_ENCRYPTION_KEY');
    assert.match(short, /32 characters/);
    assert.ok(!short.includes('too-short-key'));
    const config = loadConfig(
      simEnv({REDIS_URL: 'redis://cache:6379', SESSION_ENCRYPTION_KEY: 'k'.repeat(32)})
    );
    assert.equal(config.redisUrl, 'redis://cache:6379');
  });

  it('never repeats the secret in its message', () => {
    try {
      loadConfig(
        simEnv({GLIA_API_KEY_SECRET: 'super-secret-value', GLIA_SITE_ID: 'x', GLIA_API_BASE: ''})
      );
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.ok(!error.message.includes('super-secret-value'));
    }
  });

  it('reads every setting it documents', () => {
    const config = loadConfig(
      simEnv({
        GLIA_CREDENTIAL_TYPE: 'service',
        ALLOWED_ORIGINS: 'https://a.example/, http://localhost:3000',
        PORT: '9090',
        SESSION_IDLE_SECONDS: '600',
        TRUST_PROXY: 'true',
        GLIA_OPERATOR_TYPING_EVENT: 'false',
      })
    );
    assert.equal(config.glia.credentialType, 'service');
    assert.deepEqual(config.allowedOrigins, ['https://a.example', 'http://localhost:3000']);
    assert.equal(config.port, 9090);
    assert.equal(config.sessionIdleSeconds, 600);
    assert.equal(config.trustProxy, 1);
    assert.equal(config.operatorTypingEvent, false);
  });
});

describe('a start whose instance died before it filed the ticket', () => {
  // What a proxy that stopped mid-start leaves in a shared store: a session without a ticket.
  async function halfStarted(ageMs: number) {
    let now = 1_000_000;
    const store = createMemoryStore({now: () => now, limits: DEFAULT_LIMITS});
    const h = setup({proxy: {store, now: () => now}});
    const startId = newMessageId();
    const {id, token} = startIdentity(startId);
    await store.sessions.create(
      newRecord({
        id,
        tokenHash: hashSecret(token),
        webhookSecretHash: hashSecret('secret'),
        createdAt: now,
        queueId: 'queue',
      })
    );
    now += ageMs;
    const body = {description: 'Printer on fire', startId};
    return {h, repeat: () => h.browser('POST', '/handoff/sessions', {body})};
  }

  it('is still on its way for a while: a repeat is asked to wait, and files nothing', async (t) => {
    const {h, repeat} = await halfStarted(5_000);
    t.after(() => h.close());
    const r = await repeat();
    assert.equal(r.status, 409, r.text);
    assert.equal((r.body as ErrorBody).error.code, 'start-in-progress');
    assert.equal((await h.simState()).tickets.length, 0);
  });

  it('is made again by a repeat once it has clearly stopped, with one ticket', async (t) => {
    const {h, repeat} = await halfStarted(61_000);
    t.after(() => h.close());
    const r = await repeat();
    assert.equal(r.status, 201, r.text);
    assert.equal((r.body as StartSessionResponse).session.status, 'queued');
    assert.equal((await h.simState()).tickets.length, 1);
  });
});
