/**
 * Several proxy instances on one Redis, behind a round-robin balancer (test/proxy/cluster.ts): the
 * browser's requests, Glia's webhooks and the event stream land on different instances, and
 * nothing a visitor or an agent wrote is lost or shown twice when an instance is killed, when every
 * instance is down longer than Glia retries its webhooks, when Redis restarts, when an answer is
 * lost after Glia took the message, or when an instance is stopped for an upgrade.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import type {Visitor} from './cluster.js';
import {Cluster, assertGliaHoldsOnce, assertShownOnce, until} from './cluster.js';
import {redisSkip} from './redis-server.js';

describe('many instances on one Redis', {skip: redisSkip()}, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({instances: 2});
  });
  after(() => cluster?.close());

  /** A visitor in an engaged conversation, its stream open. */
  async function engaged(): Promise<{visitor: Visitor; engagementId: string}> {
    await cluster.ensure(2);
    const visitor = await cluster.visitor();
    await visitor.streamInstance();
    const engagementId = await cluster.accept();
    await until('the agent to join', () =>
      visitor.seen.some((s) => s.event.type === 'status' && s.event.status === 'engaged')
    );
    return {visitor, engagementId};
  }

  const shown = (visitor: Visitor, count: number) =>
    until(`${count} messages on the stream (have ${visitor.messages().length})`, () =>
      visitor.messages().length >= count ? visitor.messages() : undefined
    );

  it('carries a chat whose requests, webhooks and stream land on different instances', async () => {
    const {visitor, engagementId} = await engaged();
    const expected: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await cluster.agentSays(engagementId, `agent ${i}`);
      expected.push(`operator: agent ${i}`);
      const sent = await cluster.say(visitor, `visitor ${i}`);
      assert.equal(sent.status, 201);
      expected.push(`visitor: visitor ${i}`);
    }
    await shown(visitor, expected.length);
    assertShownOnce(visitor, expected);
    assertGliaHoldsOnce(
      await cluster.engagement(engagementId),
      [1, 2, 3].map((i) => `visitor ${i}`)
    );
    assert.equal(cluster.balancer.instancesFor(/\/webhooks\//).size, 2, 'webhooks on both');
    assert.equal(cluster.balancer.instancesFor(/\/messages\//).size, 2, 'sends on both');
    assert.equal(visitor.connections.length, 1, 'one stream, on one instance, took it all');
    await visitor.stop();
  });

  it('goes on when the instance holding the stream is killed: the reconnect elsewhere gets what was said meanwhile', async () => {
    const {visitor, engagementId} = await engaged();
    await cluster.agentSays(engagementId, 'before');
    await shown(visitor, 1);
    const holder = await visitor.streamInstance();
    await cluster.kill(cluster.instance(holder));
    await cluster.agentSays(engagementId, 'meanwhile 1');
    assert.equal((await cluster.say(visitor, 'are you there?')).status, 201);
    await cluster.agentSays(engagementId, 'meanwhile 2');
    await shown(visitor, 4);
    await cluster.agentSays(engagementId, 'after');
    const expected = [
      'operator: before',
      'operator: meanwhile 1',
      'visitor: are you there?',
      'operator: meanwhile 2',
      'operator: after',
    ];
    await shown(visitor, expected.length);
    assertShownOnce(visitor, expected);
    assert.notEqual(await visitor.streamInstance(), holder);
    assertGliaHoldsOnce(await cluster.engagement(engagementId), ['are you there?']);
    await visitor.stop();
  });

  it('catches up from the transcript when every instance was down longer than the webhook retries', async () => {
    const {visitor, engagementId} = await engaged();
    await cluster.agentSays(engagementId, 'first');
    await shown(visitor, 1);
    await Promise.all(cluster.alive().map((i) => cluster.kill(i)));
    // Delivered to nobody: the balancer answers 502 and the simulator gives up after its retries.
    await cluster.agentSays(engagementId, 'while down 1');
    await cluster.agentSays(engagementId, 'while down 2');
    const failed = (
      (await cluster.operator('GET', '/log')) as {webhooks: Array<{outcome: string}>}
    ).webhooks.filter((w) => w.outcome === 'failed');
    assert.ok(failed.length >= 2, 'the deliveries were given up');
    await cluster.startInstance();
    await shown(visitor, 3);
    await cluster.agentSays(engagementId, 'back');
    await shown(visitor, 4);
    assertShownOnce(visitor, [
      'operator: first',
      'operator: while down 1',
      'operator: while down 2',
      'operator: back',
    ]);
    await visitor.stop();
  });

  it('recovers from a Redis restart: not ready while it is down, the chat goes on after', async () => {
    const {visitor, engagementId} = await engaged();
    await cluster.agentSays(engagementId, 'before');
    assert.equal((await cluster.say(visitor, 'one')).status, 201);
    await shown(visitor, 2);
    await cluster.redis.stop({keepData: true});
    for (const instance of cluster.alive())
      await until(`${instance.name} not ready`, async () => {
        const r = await fetch(`${instance.url}/readyz`);
        return r.status === 503 && ((await r.json()) as {error?: {code: string}}).error?.code;
      });
    // A send while Redis is away is refused, changing nothing; the browser retries it later.
    const retried = randomUUID();
    const refused = await cluster.say(visitor, 'two', retried);
    assert.equal(refused.status, 503);
    await cluster.redis.restart();
    for (const instance of cluster.alive())
      await until(
        `${instance.name} ready again`,
        async () => (await fetch(`${instance.url}/readyz`)).status === 200
      );
    assert.equal((await cluster.say(visitor, 'two', retried)).status, 201);
    await cluster.agentSays(engagementId, 'after');
    const expected = ['operator: before', 'visitor: one', 'visitor: two', 'operator: after'];
    await shown(visitor, expected.length);
    assertShownOnce(visitor, expected);
    assertGliaHoldsOnce(await cluster.engagement(engagementId), ['one', 'two']);
    await visitor.stop();
  });

  it('stores a message once when the answer was lost after Glia took it and the browser retried elsewhere', async () => {
    const {visitor, engagementId} = await engaged();
    const messageId = randomUUID();
    let killed: string | undefined;
    let gone: Promise<unknown> | undefined;
    cluster.onGliaMessagePut = async (id) => {
      if (id !== messageId || killed) return;
      // Glia has the message; the instance that sent it dies before it answers the browser.
      const sender = [...cluster.balancer.routed]
        .reverse()
        .find((r) => r.path.endsWith(`/messages/${messageId}`))?.instance;
      assert.ok(sender);
      killed = sender;
      gone = cluster.kill(cluster.instance(sender));
      await gone;
    };
    const lost = await cluster.say(visitor, 'did this arrive?', messageId);
    // The balancer sees the connection break before the process has exited: until it has, the
    // balancer still counts it alive, and a retry sent to it meets its listening socket in teardown.
    await gone;
    cluster.onGliaMessagePut = undefined;
    assert.equal(cluster.hookError, undefined);
    assert.equal(lost.status, 502, 'the balancer lost the answer');
    assert.ok(killed);
    const again = await cluster.say(visitor, 'did this arrive?', messageId);
    assert.ok(
      again.status === 201 || again.status === 200,
      `${again.status} from ${again.instance}: ${JSON.stringify(again.body)}`
    );
    assert.notEqual(again.instance, killed);
    await cluster.agentSays(engagementId, 'it did');
    await shown(visitor, 2);
    assertShownOnce(visitor, ['visitor: did this arrive?', 'operator: it did']);
    assertGliaHoldsOnce(await cluster.engagement(engagementId), ['did this arrive?']);
    await visitor.stop();
  });

  it('ends no conversation when an instance is stopped: its streams move to another, Glia stays engaged', async () => {
    const {visitor, engagementId} = await engaged();
    await cluster.agentSays(engagementId, 'hello');
    await shown(visitor, 1);
    const holder = cluster.instance(await visitor.streamInstance());
    assert.equal(await cluster.kill(holder, 'SIGTERM'), 0, holder.stderr());
    assert.match(holder.stderr(), /conversations go on in Redis/);
    await until('the stream to move', async () => (await visitor.streamInstance()) !== holder.name);
    await cluster.agentSays(engagementId, 'still here');
    assert.equal((await cluster.say(visitor, 'good')).status, 201);
    await shown(visitor, 3);
    assertShownOnce(visitor, ['operator: hello', 'operator: still here', 'visitor: good']);
    assert.ok(
      !visitor.seen.some(
        (s) => s.event.type === 'ended' || (s.event.type === 'status' && s.event.status === 'ended')
      ),
      'the visitor was never told the chat ended'
    );
    assert.equal((await cluster.engagement(engagementId)).state, 'active');
    await visitor.stop();
  });
});
