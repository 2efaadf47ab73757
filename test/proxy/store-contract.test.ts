/**
 * The store contract: the memory store and the Redis store (a real `redis-server` spawned for the
 * suite) answer the same way. Each store is opened twice on one backend, as two instances would.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {createMemoryStore} from '../../src/proxy/sessions/memory-store.js';
import type {SessionStore} from '../../src/proxy/sessions/ports.js';
import {StoreUnavailableError} from '../../src/proxy/sessions/ports.js';
import {createRedisStore} from '../../src/proxy/sessions/redis-store.js';
import {SecretBox} from '../../src/proxy/sessions/secret-box.js';
import type {LoggedEvent} from '../../src/proxy/sessions/session-record.js';
import {hashSecret, newRecord} from '../../src/proxy/sessions/session-record.js';
import type {RedisServer} from './redis-server.js';
import {redisSkip, startRedis} from './redis-server.js';

const LIMITS = {
  newSessionsPerAddress: {capacity: 2, refillPerSecond: 1 / 30},
  messagesPerSession: {capacity: 20, refillPerSecond: 1},
  typingPerSession: {capacity: 30, refillPerSecond: 2},
  uploadsPerSession: {capacity: 10, refillPerSecond: 1},
};
const KEY = 'a-test-key-of-at-least-32-characters';

interface Backend {
  /** Another instance's store on the same backend. */
  open(): Promise<SessionStore>;
  close(): Promise<void>;
}

let redis: RedisServer | undefined;
const backends: Record<string, () => Promise<Backend>> = {
  memory: async () => {
    const store = createMemoryStore({now: Date.now, limits: LIMITS, encryptionKey: KEY});
    return {open: async () => store, close: () => store.close()};
  },
  redis: async () => {
    const opened: SessionStore[] = [];
    const prefix = `contract-${Math.random().toString(36).slice(2)}:`;
    return {
      open: async () => {
        const store = await createRedisStore({
          url: (redis as RedisServer).url,
          encryptionKey: KEY,
          limits: LIMITS,
          ttlSeconds: 3600,
          prefix,
        });
        opened.push(store);
        return store;
      },
      close: async () => {
        for (const store of opened) await store.close();
      },
    };
  },
};

const noRedis = redisSkip();

before(async () => {
  if (!noRedis) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

let counter = 0;
function record(token = 'token') {
  counter++;
  return newRecord({
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    tokenHash: hashSecret(token),
    webhookSecretHash: hashSecret('secret'),
    createdAt: 1000,
    queueId: 'queue',
  });
}

const message = (id: string) => ({
  event: {type: 'message' as const, message: {id, from: 'operator' as const, text: id, at: 't'}},
  onceKeys: [`id:${id}`],
});

for (const [name, make] of Object.entries(backends)) {
  describe(`the ${name} store`, {skip: name === 'redis' && noRedis}, () => {
    let backend: Backend;
    let a: SessionStore;
    let b: SessionStore;
    before(async () => {
      backend = await make();
      a = await backend.open();
      b = await backend.open();
    });
    after(() => backend.close());

    it('keeps a record, opens it only with its token, and forgets it', async () => {
      const r = record('the-token');
      await a.sessions.create(r);
      assert.deepEqual(await b.sessions.get(r.id), r);
      assert.equal(await b.sessions.authenticate(r.id, 'wrong'), 'unauthorized');
      assert.equal(await b.sessions.authenticate(r.id, undefined), 'unauthorized');
      assert.equal(await b.sessions.authenticate('nope', 'the-token'), 'not-found');
      assert.equal(((await b.sessions.authenticate(r.id, 'the-token')) as typeof r).id, r.id);
      assert.ok((await a.sessions.ids()).includes(r.id));
      await b.sessions.delete(r.id);
      assert.equal(await a.sessions.get(r.id), undefined);
      assert.ok(!(await a.sessions.ids()).includes(r.id));
      assert.deepEqual(await a.events.read(r.id, 0), []);
    });

    it('creates a session once: a second create of its id, on any instance, changes nothing', async () => {
      const r = record('first');
      assert.equal(await a.sessions.create(r), true);
      assert.equal(await b.sessions.create({...r, tokenHash: hashSecret('second')}), false);
      assert.equal(((await a.sessions.authenticate(r.id, 'first')) as typeof r).id, r.id);
      assert.equal(await a.sessions.authenticate(r.id, 'second'), 'unauthorized');
      // Once forgotten, the id can be used again.
      await a.sessions.delete(r.id);
      assert.equal(await b.sessions.create(r), true);
      await b.sessions.delete(r.id);
    });

    it('commits under a version check, with its events, all or nothing', async () => {
      const r = record();
      await a.sessions.create(r);
      const first = await a.sessions.commit(r, {...r, status: 'engaged'}, [message('m1')]);
      assert.ok(typeof first === 'object');
      assert.equal(first.record.version, 1);
      assert.deepEqual(
        first.appended.map((e) => e?.id),
        [1]
      );
      // A change made from the old version is refused and appends nothing.
      assert.equal(
        await b.sessions.commit(r, {...r, status: 'failed'}, [message('m2')]),
        'conflict'
      );
      assert.equal((await b.sessions.get(r.id))?.status, 'engaged');
      assert.equal((await b.events.read(r.id, 0)).length, 1);
      await a.sessions.delete(r.id);
      assert.equal(await a.sessions.commit(first.record, first.record, []), 'gone');
    });

    it('reads what another instance committed last, never a copy it kept', async () => {
      const r = record();
      await a.sessions.create(r);
      const byA = await a.sessions.commit(r, {...r, status: 'engaged'}, []);
      assert.ok(typeof byA === 'object');
      assert.equal((await a.sessions.get(r.id))?.status, 'engaged');
      const byB = await b.sessions.commit(byA.record, {...byA.record, operatorTyping: true}, []);
      assert.ok(typeof byB === 'object');
      // A wrote version 1 and read it back; B has written version 2 since.
      const seenByA = await a.sessions.get(r.id);
      assert.equal(seenByA?.version, 2);
      assert.equal(seenByA?.operatorTyping, true);
      assert.equal(await a.sessions.commit(byA.record, byA.record, []), 'conflict');
      await a.sessions.delete(r.id);
    });

    it('numbers events from 1, appends a repeated key once, reads after an id', async () => {
      let r = record();
      await a.sessions.create(r);
      const commit = async (store: SessionStore, events: ReturnType<typeof message>[]) => {
        const done = await store.sessions.commit(r, r, events);
        assert.ok(typeof done === 'object');
        r = done.record;
        return done.appended.map((e) => e?.id ?? null);
      };
      assert.deepEqual(await commit(a, [message('x'), message('y')]), [1, 2]);
      assert.deepEqual(await commit(b, [message('x'), message('z'), message('z')]), [
        null,
        3,
        null,
      ]);
      assert.deepEqual(
        (await b.events.read(r.id, 1)).map((e) => e.id),
        [2, 3]
      );
      assert.deepEqual(
        (await a.events.read(r.id, 0)).map((e) => e.event),
        [message('x').event, message('y').event, message('z').event]
      );
    });

    it('numbers later events after a position a client saw beyond the log, never back', async () => {
      const r = record();
      await a.sessions.create(r);
      const first = await a.sessions.commit(r, r, [message('a1')]);
      assert.ok(typeof first === 'object');
      await b.events.continueAfter(r.id, 7);
      await b.events.continueAfter(r.id, 3);
      const next = await a.sessions.commit(first.record, first.record, [message('a2')]);
      assert.ok(typeof next === 'object');
      assert.deepEqual(
        next.appended.map((e) => e?.id),
        [8]
      );
      assert.deepEqual(
        (await b.events.read(r.id, 1)).map((e) => e.id),
        [8]
      );
    });

    it('tells every watcher, on any instance, of each append and of the end', async () => {
      const r = record();
      await a.sessions.create(r);
      const heard: (LoggedEvent | 'gone')[] = [];
      const gotTwo = new Promise<void>((resolve) => {
        b.events.watch(r.id, (event) => {
          heard.push(event);
          if (heard.length === 3) resolve();
        });
      });
      // Redis: the subscription is in place once the watch call returned and a round trip passed.
      await b.sessions.get(r.id);
      const done = await a.sessions.commit(r, r, [message('p'), message('q')]);
      assert.ok(typeof done === 'object');
      await a.sessions.delete(r.id);
      await gotTwo;
      assert.deepEqual(
        heard.map((e) => (e === 'gone' ? e : e.id)),
        [1, 2, 'gone']
      );
    });

    it('remembers visitor messages by id', async () => {
      const r = record();
      await a.sessions.create(r);
      assert.equal(await b.idempotency.recall(r.id, 'm'), undefined);
      const sent = {id: 'm', from: 'visitor' as const, text: 'hi', at: 't'};
      await a.idempotency.remember(r.id, sent);
      assert.deepEqual(await b.idempotency.recall(r.id, 'm'), sent);
    });

    it('knows which sessions are idle', async () => {
      const old = record();
      const fresh = record();
      await a.sessions.create(old);
      await a.sessions.create(fresh);
      await a.idle.touch(old.id, 1_000);
      await b.idle.touch(fresh.id, Date.now() + 60_000);
      const idle = await b.idle.idleSince(Date.now());
      assert.ok(idle.includes(old.id));
      assert.ok(!idle.includes(fresh.id));
    });

    it('shares rate limits between instances', async () => {
      const key = `10.0.0.${counter++}`;
      assert.equal((await a.limits.take('newSessionsPerAddress', key)).ok, true);
      assert.equal((await b.limits.take('newSessionsPerAddress', key)).ok, true);
      const third = await a.limits.take('newSessionsPerAddress', key);
      assert.equal(third.ok, false);
      assert.ok(!third.ok && third.retryAfterSeconds >= 1 && third.retryAfterSeconds <= 30);
    });

    it('runs an exclusive task on one instance at a time', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = a.exclusive('job', 10_000, () => held);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await b.exclusive('job', 10_000, async () => undefined), false);
      release();
      assert.equal(await first, true);
      assert.equal(await b.exclusive('job', 10_000, async () => undefined), true);
    });

    it('seals with the configured key: another key cannot open it', () => {
      const sealed = a.box.seal('visitor-token');
      assert.ok(!sealed.includes('visitor-token'));
      assert.equal(b.box.open(sealed), 'visitor-token');
      assert.throws(() => new SecretBox('another-key-of-at-least-32-characters').open(sealed));
      assert.equal(a.ready(), true);
    });
  });
}

describe('the redis store, when Redis stops answering', {skip: noRedis}, () => {
  it(
    'fails each call as unavailable within its command timeout, and works again once Redis answers',
    {timeout: 15_000},
    async () => {
      const frozen = await startRedis();
      const store = await createRedisStore({
        url: frozen.url,
        encryptionKey: KEY,
        limits: LIMITS,
        ttlSeconds: 3600,
        commandTimeoutMs: 300,
      });
      try {
        const kept = record();
        await store.sessions.create(kept);
        frozen.pause();
        const started = performance.now();
        await assert.rejects(store.sessions.get(kept.id), StoreUnavailableError);
        const waited = performance.now() - started;
        assert.ok(waited >= 250 && waited < 3000, `failed after ${Math.round(waited)} ms`);
        assert.equal(store.ready(), false, 'not ready while Redis does not answer');
        frozen.resume();
        assert.equal((await store.sessions.get(kept.id))?.id, kept.id);
        assert.equal(store.ready(), true, 'ready again once Redis answers');
      } finally {
        frozen.resume();
        await store.close();
        await frozen.stop();
      }
    }
  );
});
