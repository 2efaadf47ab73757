/**
 * Glia's deliveries over a real socket take the Node fast path (src/proxy/webhook-fast-path.ts),
 * past Hono. Each answer must be the one the Hono route gives the same delivery, and a delivery
 * must change the conversation exactly as it does through Hono.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Listening} from '../../src/cli/command.js';
import {listen} from '../../src/cli/command.js';
import {WEBHOOK_SECRET_HEADER} from '../../src/proxy/handoff.js';
import {DEFAULT_LIMITS} from '../../src/proxy/app.js';
import {createMemoryStore} from '../../src/proxy/sessions/memory-store.js';
import {StoreUnavailableError} from '../../src/proxy/sessions/ports.js';
import {LIMITS} from '../../src/wire/handoff/index.js';
import {setup} from './support.js';

type Answer = {
  status: number;
  body: unknown;
  contentType: string | null;
  cacheControl: string | null;
};

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : null,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
  };
}

describe('webhook deliveries on the Node fast path', () => {
  const h = setup();
  let server: Listening;
  let session: {id: string; token: string};
  let secret: string;

  before(async () => {
    server = await listen(h.proxy.fetch, 0, '127.0.0.1', undefined, h.proxy.fastPath);
    session = await h.start();
    const found = [...h.secrets].find((s) => s.length === 43 && s !== session.token);
    assert.ok(found);
    secret = found;
  });
  after(async () => {
    await server.close();
    await h.close();
  });

  /** The same delivery through the socket (fast path) and through Hono (`app.request`). */
  async function both(path: string, init: {headers?: Record<string, string>; body: string}) {
    const request = {
      method: 'POST',
      headers: {'content-type': 'application/json', ...init.headers},
      body: init.body,
    };
    const viaSocket = await read(await fetch(`${server.url}${path}`, request));
    const viaHono = await read(await h.proxy.request(path, request));
    return {viaSocket, viaHono};
  }

  it('answers every refusal as the Hono route does, and changes nothing', async () => {
    const ours = `/handoff/webhooks/glia/${session.id}`;
    const withSecret = {[WEBHOOK_SECRET_HEADER]: secret};
    const cases: Array<[string, string, {headers?: Record<string, string>; body: string}, number]> =
      [
        [
          'an unknown session',
          '/handoff/webhooks/glia/00000000-0000-4000-8000-000000000000',
          {headers: withSecret, body: '{}'},
          404,
        ],
        ['no secret', ours, {body: '{"event_type":"engagement.start"}'}, 401],
        ['a wrong secret', ours, {headers: {[WEBHOOK_SECRET_HEADER]: 'guess'}, body: '{}'}, 401],
        ['a body that is not JSON', ours, {headers: withSecret, body: '{nope'}, 400],
        [
          'a payload without what nothing can be done without',
          ours,
          {headers: withSecret, body: '{"event_type":"engagement.chat.message","message":{}}'},
          400,
        ],
        [
          "another visitor's engagement",
          ours,
          {
            headers: withSecret,
            body: JSON.stringify({
              event_type: 'engagement.start',
              engagement: {
                id: '0a0b0c0d-0e0f-4000-8000-000000000001',
                visitor_id: '0a0b0c0d-0e0f-4000-8000-000000000002',
              },
            }),
          },
          422,
        ],
        [
          'an event Glia added later',
          ours,
          {headers: withSecret, body: '{"event_type":"engagement.hologram"}'},
          204,
        ],
      ];
    for (const [label, path, init, status] of cases) {
      const {viaSocket, viaHono} = await both(path, init);
      assert.equal(viaSocket.status, status, label);
      assert.deepEqual(viaSocket, viaHono, label);
    }
    const snapshot = await h.snapshot(session.id, session.token);
    assert.equal(snapshot.status, 'queued');
    assert.equal(snapshot.lastEventId, '1');
  });

  it('refuses a body over the limit, declared or streamed, without reading it all', async () => {
    const path = `/handoff/webhooks/glia/${session.id}`;
    const big = JSON.stringify({
      event_type: 'engagement.hologram',
      pad: 'x'.repeat(LIMITS.bodyBytes),
    });
    const declared = await read(
      await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: secret},
        body: big,
      })
    );
    assert.equal(declared.status, 413);
    assert.deepEqual(declared.body, {
      error: {code: 'too-large', message: `The body is larger than ${LIMITS.bodyBytes} bytes.`},
    });
    // No Content-Length: the body comes chunked and is counted as it arrives.
    const streamed = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: secret},
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    const viaHono = await h.proxy.request(path, {
      method: 'POST',
      headers: {'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: secret},
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(viaHono.status, 413);
    assert.equal((await h.snapshot(session.id, session.token)).lastEventId, '1');
  });

  it("shows an agent's message delivered over the socket once, however often it comes", async () => {
    const engagementId = await h.accept();
    const path = `/handoff/webhooks/glia/${session.id}`;
    const message = {
      event_type: 'engagement.chat.message',
      message: {
        id: '0a0b0c0d-0e0f-4000-8000-0000000000f1',
        engagement_id: engagementId,
        content: 'Straight off the socket',
        target: 'visitor',
        sender: {type: 'operator'},
        timestamp: '2026-12-02T10:00:00Z',
      },
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SECRET_HEADER]: secret,
          'x-request-id': `delivery-${attempt}`,
        },
        body: JSON.stringify(message),
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('x-request-id'), `delivery-${attempt}`);
    }
    const shown = (await h.snapshot(session.id, session.token)).messages.filter(
      (m) => m.text === 'Straight off the socket'
    );
    assert.equal(shown.length, 1);
    assert.equal(shown[0]?.from, 'operator');
  });
});

describe('a delivery on the fast path while the session store is down', () => {
  it('is answered 503 with Retry-After, as through Hono, and the proxy keeps serving', async (t) => {
    let down = false;
    const store = createMemoryStore({now: Date.now, limits: DEFAULT_LIMITS});
    const get = store.sessions.get.bind(store.sessions);
    store.sessions.get = async (id) => {
      if (down) throw new StoreUnavailableError(new Error('gone away'));
      return get(id);
    };
    const h = setup({proxy: {store}});
    const server = await listen(h.proxy.fetch, 0, '127.0.0.1', undefined, h.proxy.fastPath);
    t.after(async () => {
      await server.close();
      await h.close();
      await store.close();
    });
    const session = await h.start();
    const path = `/handoff/webhooks/glia/${session.id}`;
    const request = {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: '{"event_type":"engagement.hologram"}',
    };
    down = true;
    const viaSocket = await fetch(`${server.url}${path}`, request);
    const viaHono = await h.proxy.request(path, request);
    assert.equal(viaSocket.status, 503);
    assert.equal(viaSocket.headers.get('retry-after'), '2');
    assert.deepEqual(await read(viaSocket), await read(viaHono));
    down = false;
    const after = await fetch(`${server.url}${path}`, request);
    assert.equal(after.status, 401, 'served again: the delivery carries no secret');
  });
});
