/**
 * When Redis loses what a visitor already saw. A flushed Redis took the session with it: the
 * stream and the snapshot answer 404 (the conversation is gone, not behind). A Redis brought back
 * from an older copy still holds the session but not its latest events: a client whose
 * Last-Event-ID lies beyond the log's end is not behind, and the events that follow are numbered
 * after what it saw (a client drops ids it has passed), the agent's lost messages coming back from
 * Glia's transcript (which has no message ids: a client that had shown them shows them again).
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {createClient} from 'redis';
import {DEFAULT_LIMITS} from '../../src/proxy/app.js';
import {createRedisStore} from '../../src/proxy/sessions/redis-store.js';
import type {RedisServer} from './redis-server.js';
import {redisSkip, startRedis} from './redis-server.js';
import {setup} from './support.js';

const KEY = 'a-test-key-of-at-least-32-characters';

describe('a Redis that lost events', {skip: redisSkip()}, () => {
  let redis: RedisServer;
  let admin: ReturnType<typeof createClient>;
  before(async () => {
    redis = await startRedis();
    admin = createClient({url: redis.url});
    await admin.connect();
  });
  after(async () => {
    await admin?.close();
    await redis?.stop();
  });

  async function cluster(prefix: string) {
    const store = await createRedisStore({
      url: redis.url,
      encryptionKey: KEY,
      limits: DEFAULT_LIMITS,
      ttlSeconds: 3600,
      prefix,
    });
    const h = setup({env: {SESSION_ENCRYPTION_KEY: KEY}, proxy: {store}});
    return {
      h,
      close: async () => {
        await h.close();
        await store.close();
      },
    };
  }

  it('answers 404 for a session a flush took: the stream and the snapshot say it is gone', async (t) => {
    const {h, close} = await cluster('flushed:');
    t.after(close);
    const session = await h.start();
    await h.accept();
    const stream = await h.stream(session.id, session.token);
    const seen = await stream.events(3);
    await stream.drop();
    await admin.flushAll();
    const resumed = await h.proxy.request(`/handoff/sessions/${session.id}/events`, {
      headers: {authorization: `Bearer ${session.token}`, 'last-event-id': String(seen.at(-1)?.id)},
    });
    assert.equal(resumed.status, 404);
    assert.equal(((await resumed.json()) as {error: {code: string}}).error.code, 'not-found');
    const snapshot = await h.browser('GET', `/handoff/sessions/${session.id}`, {
      token: session.token,
    });
    assert.equal(snapshot.status, 404);
  });

  it('numbers what follows after a client that saw more than the log holds, and brings the lost messages back', async (t) => {
    const prefix = 'restored:';
    const {h, close} = await cluster(prefix);
    t.after(close);
    const session = await h.start();
    const engagementId = await h.accept();
    const stream = await h.stream(session.id, session.token);
    await stream.events(3); // queued, joined, engaged
    // Redis' older copy: the session as it is now.
    const base = `${prefix}s:{${session.id}}`;
    const keys = [base, `${base}:log`, `${base}:seen`];
    const held = [];
    for (const key of keys) if (await admin.copy(key, `backup:${key}`)) held.push(key);
    for (const content of ['Lost one', 'Lost two'])
      await h.operator('POST', `/engagements/${engagementId}/messages`, {content});
    const seen = await stream.events(2);
    const lastSeen = seen.at(-1)?.id as number;
    await stream.drop();
    // Redis comes back from that copy: the session is there, its last two events are not.
    await admin.del(keys);
    for (const key of held) await admin.copy(`backup:${key}`, key);

    const resumed = await h.stream(session.id, session.token, {'last-event-id': String(lastSeen)});
    // Connecting caught up from the transcript; then the agent writes on.
    const caughtUp = await resumed.events(2);
    await h.operator('POST', `/engagements/${engagementId}/messages`, {content: 'After'});
    const next = [...caughtUp, ...(await resumed.events(1))];
    assert.ok(
      next.every((e) => e.id > lastSeen),
      `ids after ${lastSeen}: ${next.map((e) => e.id).join(',')}`
    );
    assert.deepEqual(
      next.map((e) => (e.event.type === 'message' ? e.event.message.text : e.event.type)),
      ['Lost one', 'Lost two', 'After']
    );
    await resumed.drop();
    assert.ok(h.logLines.some((line) => line.includes('resumed beyond the end of its log')));
  });
});
