import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {
  SEED,
  SITE_KEY,
  assertFailed,
  assertPassed,
  assertSkipped,
  goodEnv,
  setup,
} from './doctor-support.js';

describe('glia-handoff doctor, when everything is right', () => {
  for (const credential of [
    {label: 'a Service Credential', env: {}, endpoint: '/operator_authentication/tokens'},
    {label: 'a legacy Site API key', env: SITE_KEY, endpoint: '/sites/tokens'},
  ]) {
    it(`passes every check with ${credential.label}, at its own token endpoint`, async (t) => {
      const h = setup();
      t.after(() => h.close());
      const run = await h.doctor(goodEnv(credential.env));

      assert.equal(run.report.ok, true, run.text);
      for (const id of [
        'config',
        'token',
        'create-visitor',
        'update-visitor',
        'queue',
        'webhook',
      ] as const)
        assertPassed(run, id);
      assert.match(assertPassed(run, 'token').detail ?? '', new RegExp(credential.endpoint));
      // Without --ticket nothing is filed, and the checklist says how to ask for it.
      assert.match(assertSkipped(run, 'queue-ticket').detail, /--ticket/);
      assert.equal((await h.state()).tickets.length, 0);
      assert.match(run.text, /All checks passed/);
    });
  }

  it('with --ticket files a ticket in the queue and cancels it at once, leaving nothing waiting', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv(), {ticket: true});

    assert.equal(run.report.ok, true, run.text);
    assertPassed(run, 'queue-ticket');
    assert.match(assertPassed(run, 'cancel-ticket').detail ?? '', /nothing is left waiting/);
    const state = await h.state();
    assert.equal(state.tickets.length, 1);
    assert.equal(state.tickets[0]?.state, 'cancelled');
    assert.deepEqual(state.engagements, []);
    // An agent who saw the ticket would know what it was.
    assert.equal(
      state.visitors.find((v) => v.id === state.tickets[0]?.visitor_id)?.name,
      'glia-handoff doctor'
    );
  });

  it('says which permissions it could not check without an agent', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv());
    const step = assertSkipped(run, 'engagement');
    assert.match(step.detail, /Update Engagement/);
    assert.match(step.detail, /Fetch Engagement/);
  });
});

describe('glia-handoff doctor, the kind of key', () => {
  it('says a Service Credential set up as a Site API key is a Service Credential (422 at /sites/tokens)', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({GLIA_CREDENTIAL_TYPE: 'site'}));

    const token = assertFailed(run, 'token');
    assert.equal(token.status, 422);
    assert.match(token.detail ?? '', /\/sites\/tokens answered 422/);
    assert.match(token.cause, /This is a Service Credential/);
    assert.match(token.fix, /GLIA_CREDENTIAL_TYPE=service or auto/);
    assert.equal(run.report.ok, false);
    // The rest still ran with the endpoint that works, so one run finds every other problem.
    assertPassed(run, 'create-visitor');
    assertPassed(run, 'queue');
  });

  it('finds that a Site API key forced to service works at /sites/tokens, and says so', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({...SITE_KEY, GLIA_CREDENTIAL_TYPE: 'service'}));

    const token = assertFailed(run, 'token');
    assert.match(token.cause, /legacy Site API key/);
    assert.match(token.cause, /\/sites\/tokens took it/);
    assert.match(token.fix, /GLIA_CREDENTIAL_TYPE=site or auto/);
  });

  it('when auto guesses wrong, tells to set the type explicitly rather than auto', async (t) => {
    const h = setup();
    t.after(() => h.close());
    // A site key whose secret lacks the gls_ prefix: auto takes it for a Service Credential.
    const key = {
      GLIA_API_KEY_ID: crypto.randomUUID(),
      GLIA_API_KEY_SECRET: `odd-site-secret-${crypto.randomUUID()}`,
    };
    await h.control('POST', '/credentials', {
      api_key_id: key.GLIA_API_KEY_ID,
      api_key_secret: key.GLIA_API_KEY_SECRET,
      type: 'site',
    });
    const run = await h.doctor(goodEnv(key));

    const token = assertFailed(run, 'token');
    assert.match(token.fix, /Set GLIA_CREDENTIAL_TYPE=site: auto guessed/);
    assert.doesNotMatch(token.fix, /or auto/);
  });

  it('says the key is wrong or revoked when neither endpoint takes it, and skips what needs a token', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const key = await h.credential();
    await h.control('DELETE', `/credentials/${key.GLIA_API_KEY_ID}`);
    const run = await h.doctor(goodEnv(key));

    const token = assertFailed(run, 'token');
    assert.equal(token.status, 401);
    assert.match(token.cause, /revoked/);
    assert.match(token.fix, /GLIA_API_KEY_ID and GLIA_API_KEY_SECRET/);
    for (const id of ['create-visitor', 'update-visitor', 'queue'] as const) {
      const step = assertSkipped(run, id);
      assert.equal(step.blockedBy, 'token');
      assert.match(step.detail, /needs "Token exchange"/);
    }
    assert.match(run.text, /1 check failed, 3 skipped because of it/);
  });
});

describe('glia-handoff doctor, the configuration', () => {
  for (const base of ['', 'https://', 'api.glia.com', 'https:///visitors']) {
    it(`names GLIA_API_BASE when it is ${JSON.stringify(base)}, and the https:///visitors failure it causes`, async (t) => {
      const h = setup();
      t.after(() => h.close());
      const run = await h.doctor(goodEnv({GLIA_API_BASE: base}));

      const config = assertFailed(run, 'config');
      assert.match(config.cause, /^GLIA_API_BASE /m);
      assert.match(config.fix, /https:\/\/api\.glia\.com/);
      assert.match(config.fix, /https:\/\/\/visitors/);
      assert.equal(assertSkipped(run, 'token').blockedBy, 'config');
      assert.deepEqual(await h.glialog(), [], 'doctor called Glia with a broken base URL');
    });
  }

  it('refuses plain http to a remote Glia', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({GLIA_API_BASE: 'http://api.glia.com'}));
    assert.match(assertFailed(run, 'config').cause, /GLIA_API_BASE uses http:\/\//);
  });

  it('names every missing variable at once', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor({});
    const config = assertFailed(run, 'config');
    for (const variable of [
      'GLIA_SITE_ID',
      'GLIA_QUEUE_ID',
      'GLIA_API_KEY_ID',
      'GLIA_API_KEY_SECRET',
      'PUBLIC_URL',
    ])
      assert.match(config.cause, new RegExp(`^${variable} is not set`, 'm'));
  });

  it('still checks Glia when only a proxy setting is wrong, and says the proxy would not start', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({PUBLIC_URL: undefined}));

    const config = assertFailed(run, 'config');
    assert.match(config.cause, /^PUBLIC_URL is not set/m);
    assert.match(config.detail ?? '', /would not start/);
    assertPassed(run, 'token');
    assertPassed(run, 'queue');
    assert.match(assertSkipped(run, 'webhook').detail, /PUBLIC_URL/);
  });
});

describe('glia-handoff doctor, site and queue', () => {
  it("says GLIA_SITE_ID is not the key's site, and names the site the queue belongs to", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const wrongSite = '00000000-1111-4222-8333-444444444444';
    const run = await h.doctor(goodEnv({GLIA_SITE_ID: wrongSite}));

    const update = assertFailed(run, 'update-visitor');
    assert.equal(update.status, 404);
    assert.match(update.cause, /another site than GLIA_SITE_ID/);
    assert.match(update.fix, /GLIA_SITE_ID/);
    const queue = assertFailed(run, 'queue');
    assert.match(queue.cause, new RegExp(`belongs to site ${SEED.siteId}, not to GLIA_SITE_ID`));
    assert.match(queue.fix, new RegExp(`set GLIA_SITE_ID=${SEED.siteId}`));
  });

  it('says the queue does not exist, and does not file a ticket for it', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({GLIA_QUEUE_ID: '99999999-8888-4777-8666-555555555555'}), {
      ticket: true,
    });

    const queue = assertFailed(run, 'queue');
    assert.equal(queue.status, 404);
    assert.match(queue.cause, /knows no queue 99999999-8888-4777-8666-555555555555/);
    assert.match(queue.fix, /GLIA_QUEUE_ID/);
    assert.equal(assertSkipped(run, 'queue-ticket').blockedBy, 'queue');
    assert.equal(assertSkipped(run, 'cancel-ticket').blockedBy, 'queue');
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('says the queue is closed, so visitors would be told no agent is available', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(goodEnv({GLIA_QUEUE_ID: SEED.closedQueue.id}), {ticket: true});

    const queue = assertFailed(run, 'queue');
    assert.match(queue.cause, /is closed/);
    assert.match(queue.fix, /Open the queue/);
    assertSkipped(run, 'queue-ticket');
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('passes the queue again once it is opened', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.control('POST', `/queues/${SEED.closedQueue.id}`, {open: true});
    const run = await h.doctor(goodEnv({GLIA_QUEUE_ID: SEED.closedQueue.id}));
    assertPassed(run, 'queue');
  });
});

describe('glia-handoff doctor, permissions', () => {
  const ALL = [
    'create_visitor',
    'fetch_visitor',
    'update_visitor',
    'create_queue_ticket',
    'fetch_queue',
    'fetch_engagement',
    'update_engagement',
    'fetch_engagement_requests',
  ] as const;
  const CHECKED = [
    {policy: 'create_visitor', label: 'Create Visitor', step: 'create-visitor'},
    {policy: 'update_visitor', label: 'Update Visitor', step: 'update-visitor'},
    {policy: 'fetch_queue', label: 'Fetch Queue', step: 'queue'},
    {policy: 'create_queue_ticket', label: 'Create Queue Ticket', step: 'queue-ticket'},
  ] as const;

  for (const missing of CHECKED) {
    it(`names "${missing.label}" as the permission to add when the key lacks it`, async (t) => {
      const h = setup();
      t.after(() => h.close());
      const key = await h.credential(ALL.filter((p) => p !== missing.policy));
      const run = await h.doctor(goodEnv(key), {ticket: true});

      const step = assertFailed(run, missing.step);
      assert.equal(step.status, 403);
      assert.match(
        step.cause,
        new RegExp(`lacks the "${missing.label}" permission \\(${missing.policy}\\)`)
      );
      assert.match(
        step.fix,
        new RegExp(`add "${missing.label}" to the role of API key ${key.GLIA_API_KEY_ID}`)
      );
      // Exactly one problem is reported for one missing permission.
      assert.equal(run.report.steps.filter((s) => 'ok' in s && !s.ok).length, 1, run.text);
    });
  }

  it('without Fetch Queue, still tests the queue by filing a ticket', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const key = await h.credential(ALL.filter((p) => p !== 'fetch_queue'));
    const run = await h.doctor(goodEnv(key), {ticket: true});

    assert.match(assertFailed(run, 'queue').fix, /--ticket/);
    assertPassed(run, 'queue-ticket');
    assertPassed(run, 'cancel-ticket');
  });
});

describe('glia-handoff doctor, when Glia misbehaves', () => {
  it("reports a Glia server error as Glia's, not as a configuration problem", async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.control('POST', '/faults', {
      rules: [{method: 'POST', path: '/operator_authentication/tokens', status: 503}],
    });
    const run = await h.doctor(goodEnv());

    const token = assertFailed(run, 'token');
    assert.equal(token.status, 503);
    assert.match(token.cause, /server error \(503\)/);
    assert.match(token.fix, /Nothing in your configuration/);
    assertSkipped(run, 'create-visitor');
  });

  it('reports a server error on one step and goes on with the others', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.control('POST', '/faults', {
      rules: [{method: 'POST', path: '/visitors', status: 500, times: 1}],
    });
    const run = await h.doctor(goodEnv());

    assert.equal(assertFailed(run, 'create-visitor').status, 500);
    assertPassed(run, 'queue');
  });

  it('says nothing answered when the connection fails, with the reason and the base URL', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const refused: GliaFetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), {code: 'ECONNREFUSED'}),
      });
    };
    const run = await h.doctor(goodEnv(), {fetch: refused});

    const token = assertFailed(run, 'token');
    assert.equal(token.status, undefined);
    assert.match(token.cause, /Nothing answered at https:\/\/api\.glia\.test \(ECONNREFUSED\)/);
    assert.match(token.fix, /GLIA_API_BASE/);
    assert.equal(assertSkipped(run, 'queue').blockedBy, 'token');
  });

  it('says Glia did not answer in time when a call hangs', async (t) => {
    const h = setup();
    t.after(() => h.close());
    await h.control('POST', '/faults', {
      rules: [{path: '/operator_authentication/tokens', delay_ms: 5000}],
    });
    const run = await h.doctor(goodEnv(), {timeoutMs: 50});

    const token = assertFailed(run, 'token');
    assert.match(token.cause, /did not answer within 50 ms/);
    assert.match(token.detail ?? '', /no answer/);
  });

  it("mentions an outbound proxy variable that Node's fetch ignores", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const hang: GliaFetch = () => new Promise<Response>(() => {});
    const run = await h.doctor(goodEnv({HTTPS_PROXY: 'http://proxy.corp:3128'}), {
      fetch: hang,
      timeoutMs: 30,
    });
    assert.match(assertFailed(run, 'token').fix, /HTTPS_PROXY is set/);
  });

  it("says the base URL is not Glia's API when it answers with a web page", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const webPage: GliaFetch = async () =>
      new Response('<html>Glia Hub</html>', {status: 200, headers: {'content-type': 'text/html'}});
    const run = await h.doctor(goodEnv(), {fetch: webPage});
    assert.match(assertFailed(run, 'token').cause, /not Glia's API host/);
  });
});

describe('glia-handoff doctor, the webhook URL', () => {
  const cases = [
    {publicUrl: 'http://localhost:8080', says: /http:\/\/[\s\S]*loopback/},
    {publicUrl: 'https://127.0.0.1', says: /loopback/},
    {publicUrl: 'https://10.1.2.3', says: /private network address/},
    {publicUrl: 'https://192.168.0.20:8443', says: /private network address/},
    {publicUrl: 'https://handoff', says: /only your own network resolves/},
    {publicUrl: 'https://handoff.corp.internal', says: /only your own network resolves/},
    {publicUrl: 'http://handoff.example.com', says: /unencrypted/},
  ];
  for (const c of cases) {
    it(`fails for PUBLIC_URL=${c.publicUrl} when Glia is remote`, async (t) => {
      const h = setup();
      t.after(() => h.close());
      const run = await h.doctor(goodEnv({PUBLIC_URL: c.publicUrl}));
      const webhook = assertFailed(run, 'webhook');
      assert.match(webhook.cause, c.says);
      assert.match(webhook.fix, /public https address/);
    });
  }

  it('accepts a local PUBLIC_URL when Glia is local too (the simulator)', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const run = await h.doctor(
      goodEnv({GLIA_API_BASE: 'http://127.0.0.1:8081', PUBLIC_URL: 'http://localhost:8080'})
    );
    assert.equal(run.report.ok, true, run.text);
  });

  it('fails a name that does not resolve, and notes one that resolves only to private addresses', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const lookup = async (host: string) => {
      if (host === 'split.example.com') return ['10.0.0.5'];
      throw Object.assign(new Error('not found'), {code: 'ENOTFOUND'});
    };
    const missing = await h.doctor(goodEnv({PUBLIC_URL: 'https://nowhere.example.com'}), {lookup});
    assert.match(
      assertFailed(missing, 'webhook').cause,
      /does not resolve from here \(ENOTFOUND\)/
    );

    const split = await h.doctor(goodEnv({PUBLIC_URL: 'https://split.example.com'}), {lookup});
    assert.match(assertPassed(split, 'webhook').detail ?? '', /resolves only to 10\.0\.0\.5/);
  });
});

describe('glia-handoff doctor never prints a secret or a token', () => {
  it('keeps the secret and every token Glia handed out out of the checklist and the JSON', async (t) => {
    const h = setup();
    t.after(() => h.close());
    // Passing and failing runs; the support asserts on each output.
    await h.doctor(goodEnv(), {ticket: true});
    await h.doctor(goodEnv(SITE_KEY), {ticket: true});
    await h.doctor(goodEnv({GLIA_CREDENTIAL_TYPE: 'site'}));
    await h.doctor(goodEnv({GLIA_API_BASE: ''}));
    await h.doctor(goodEnv({GLIA_SITE_ID: 'not-a-uuid'}));
    assert.ok(h.minted.size >= 6, 'the simulator handed out tokens that doctor could have leaked');
  });

  it('redacts a token when Glia echoes it back in an error', async (t) => {
    const h = setup();
    t.after(() => h.close());
    let echoed = '';
    const echoToken: GliaFetch = async (url, init) => {
      if (new URL(url).pathname !== '/visitors') return h.fetch(url, init);
      echoed = (init.headers.Authorization ?? '').replace('Bearer ', '');
      return new Response(JSON.stringify({message: `Token ${echoed} may not create visitors`}), {
        status: 403,
        headers: {'content-type': 'application/json'},
      });
    };
    const run = await h.doctor(goodEnv(), {fetch: echoToken});
    assert.ok(echoed.length > 10);
    assert.equal(
      assertFailed(run, 'create-visitor').gliaMessage,
      'Token [redacted] may not create visitors'
    );
  });

  it('redacts the secret when Glia echoes it back in an error', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const secret = SEED.serviceCredential.apiKeySecret;
    const echo: GliaFetch = async () =>
      new Response(JSON.stringify({message: `Unknown key secret ${secret}`, debug_message: ''}), {
        status: 401,
        headers: {'content-type': 'application/json'},
      });
    const run = await h.doctor(goodEnv(), {fetch: echo});
    assert.match(run.text, /\[redacted\]/);
  });
});
