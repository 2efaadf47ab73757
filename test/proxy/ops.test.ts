import assert from 'node:assert/strict';
import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {newMessageId, setup} from './support.js';

describe('operations', () => {
  it('answers healthz, and readyz once a token exchange works', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const health = await h.browser('GET', '/healthz');
    assert.equal(health.status, 200);
    const ready = await h.browser('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, {status: 'ready', credentialType: 'service'});
  });

  it('exposes Prometheus metrics: sessions, streams, Glia calls by step and status, exchanges, webhooks', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    const stream = await h.stream(session.id, session.token);
    await stream.events(3);
    const r = await h.proxy.request('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    for (const line of [
      'glia_handoff_sessions{status="engaged"} 1',
      'glia_handoff_open_streams 1',
      'glia_handoff_glia_calls_total{status="200",step="token"} 1',
      'glia_handoff_glia_calls_total{status="201",step="queue-ticket"} 1',
      'glia_handoff_token_exchanges_total{credential_type="service",outcome="ok"} 1',
      'glia_handoff_webhook_deliveries_total{event="engagement.start",outcome="applied"} 1',
      'glia_handoff_sessions_created_total{outcome="ok"} 1',
    ]) {
      assert.ok(text.includes(line), `missing ${line}\n${text}`);
    }
    await stream.drop();
  });

  it('writes JSON log lines with a request id for every request', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const r = await h.browser('POST', '/handoff/sessions', {body: {description: 'x'}});
    const requestId = r.headers.get('x-request-id');
    assert.ok(requestId);
    const lines = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.find((l) => l.msg === 'request' && l.requestId === requestId);
    assert.equal(line?.path, '/handoff/sessions');
    assert.equal(line?.status, 201);
  });

  it('logs accepted webhook deliveries only at debug, and refused ones at info', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start();
    await h.accept();
    const forged = await h.proxy.request(`/handoff/webhooks/glia/${session.id}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: '{}',
    });
    assert.equal(forged.status, 401);
    const requests = h.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === 'request' && String(l.path).startsWith('/handoff/webhooks/'));
    assert.deepEqual(
      requests.map((l) => l.status),
      [401],
      'the engagement.start delivery (204) is not logged at info'
    );
  });

  it('leaks no secret into any response, SSE frame or log line over a whole conversation', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const session = await h.start({
      description: 'VPN',
      name: 'Ada',
      transcript: [{from: 'bot', text: 'Hi'}],
    });
    const stream = await h.stream(session.id, session.token);
    const engagementId = await h.accept();
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'hello'});
    await h.browser('PUT', `/handoff/sessions/${session.id}/messages/${newMessageId()}`, {
      token: session.token,
      body: {text: 'hi'},
    });
    await h.browser('PUT', `/handoff/sessions/${session.id}/typing`, {
      token: session.token,
      body: {typing: true},
    });
    await h.browser('GET', `/handoff/sessions/${session.id}`, {token: session.token});
    await h.browser('GET', '/readyz');
    await h.browser('GET', '/metrics');
    await h.browser('PUT', `/handoff/sessions/${session.id}/messages/nope`, {
      token: session.token,
      body: {text: 'x'},
    });
    await h.browser('GET', `/handoff/sessions/${session.id}`, {token: 'wrong'});
    await h.browser('DELETE', `/handoff/sessions/${session.id}`, {token: session.token});
    await stream.rest();
    // The run minted: the key secret, a service token, a visitor token, a webhook secret.
    assert.ok(h.secrets.size >= 4, `only ${h.secrets.size} secrets recorded`);
    assert.ok(h.browserSaw.length > 10 && h.logLines.length > 10);
    for (const text of [...h.browserSaw, ...h.logLines]) {
      for (const secret of h.secrets) {
        assert.ok(!text.includes(secret), `secret found in: ${text.slice(0, 300)}`);
      }
    }
  });
});

describe('the widget bundle', () => {
  it('is served with a long cache for hashed assets and a short one for the entry', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'widget-'));
    t.after(() => rm(dir, {recursive: true, force: true}));
    await writeFile(join(dir, 'glia-handoff.js'), 'import "./assets/chunk-3f9a1c7e.js";');
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'assets', 'chunk-3f9a1c7e.js'), 'export {};');
    const h = setup({proxy: {widgetDir: dir}});
    t.after(() => h.close());
    const entry = await h.proxy.request('/handoff/widget.js');
    assert.equal(entry.status, 200);
    assert.match(entry.headers.get('content-type') ?? '', /text\/javascript/);
    assert.match(entry.headers.get('cache-control') ?? '', /max-age=300/);
    assert.equal(await entry.text(), 'import "./assets/chunk-3f9a1c7e.js";');
    const chunk = await h.proxy.request('/handoff/assets/chunk-3f9a1c7e.js');
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const escape = await h.proxy.request('/handoff/assets/..%2F..%2Fetc%2Fpasswd');
    assert.equal(escape.status, 404);
  });

  it('answers 404 with a clear message when there is no build', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const r = await h.browser('GET', '/handoff/widget.js');
    assert.equal(r.status, 404);
    assert.equal((r.body as {error: {code: string}}).error.code, 'widget-not-built');
  });
});
