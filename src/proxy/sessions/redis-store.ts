/**
 * @module The ports in Redis (`REDIS_URL`), for several instances, after Centrifugo's Redis engine.
 * Per session (all keys share the `{id}` hash tag, so they sit on one cluster slot):
 * - `s:{id}` a hash: the record's JSON, its version and the log's last offset;
 * - `s:{id}:log` a Stream: entry `<offset>-0` is the event with SSE id `<offset>`;
 * - `s:{id}:seen` a set of the keys of appended messages (de-duplication across instances);
 * - `s:{id}:vm` a hash of the visitor's accepted messages by id (idempotency).
 * Every change is one Lua script: check the version, write the record, then per event check its
 * keys, `HINCRBY` the offset, `XADD`, and `PUBLISH` on one channel. Each instance holds one
 * subscription to that channel and fans out to its local streams; there is no blocking read per
 * visitor. `idle` is a sorted set of last activity; rate limits are `rate-limiter-flexible` on the
 * same connection; `lock:<name>` is a `SET NX PX` lock. Every key has a TTL, renewed by activity.
 * While Redis is unreachable every call throws `StoreUnavailableError` (503) at once: commands
 * are not queued, so nothing is written late.
 */
import {randomBytes} from 'node:crypto';
import {createClient} from 'redis';
import {BurstyRateLimiter, RateLimiterRedis, RateLimiterRes} from 'rate-limiter-flexible';
import {backoffMs} from '../../kit/backoff.js';
import {ChatMessage, ChatEvent} from '../../wire/handoff/index.js';
import type {RateLimit} from '../rate-limit.js';
import type {LimitName, LimitSettings, SessionStore} from './ports.js';
import {StoreUnavailableError} from './ports.js';
import {SecretBox} from './secret-box.js';
import {LocalWatchers} from './local-watchers.js';
import type {LoggedEvent} from './session-record.js';
import {SessionRecord, committedRecord, matchesHash} from './session-record.js';

export interface RedisStoreOptions {
  url: string;
  /** Required: the visitors' Glia tokens are sealed with it. */
  encryptionKey: string;
  limits: LimitSettings;
  /** Each session's keys live this long after its last activity. */
  ttlSeconds: number;
  /** Key prefix (default `glia-handoff:`), so several deployments or tests can share a server. */
  prefix?: string;
  /** A command Redis has not answered in this long fails as unavailable (default 5 s). */
  commandTimeoutMs?: number;
}

/** node-redis's own default, kept: a Redis that stopped answering is a Redis that is down. */
const COMMAND_TIMEOUT_MS = 5000;
/** How many sessions' last records an instance keeps parsed (a few KB each). */
const RECENT_RECORDS = 10_000;

const COMMIT = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {-1} end
if v ~= ARGV[1] then return {-2} end
local nv = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', nv, 'rec', ARGV[2])
local out = {nv}
local i = 7
for e = 1, tonumber(ARGV[6]) do
  local json = ARGV[i]
  local nkeys = tonumber(ARGV[i + 1])
  i = i + 2
  local seen = false
  for k = 0, nkeys - 1 do
    if redis.call('SISMEMBER', KEYS[3], ARGV[i + k]) == 1 then seen = true end
  end
  if seen then
    out[#out + 1] = 0
  else
    for k = 0, nkeys - 1 do redis.call('SADD', KEYS[3], ARGV[i + k]) end
    local offset = redis.call('HINCRBY', KEYS[1], 'top', 1)
    redis.call('XADD', KEYS[2], offset .. '-0', 'e', json)
    redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. offset .. ' ' .. json)
    out[#out + 1] = offset
  end
  i = i + nkeys
end
local ttl = tonumber(ARGV[3])
for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ttl) end
return out
`;

/** A new session's record, unless one of its id exists (0). */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '0', 'rec', ARGV[1], 'top', '0')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`;

const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[5], 'GT', ARGV[1], ARGV[3])
for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ARGV[2]) end
return 1
`;

/** Raises the log's last offset to ARGV[1] (a client saw that far: the log lost events). */
const CONTINUE_AFTER = `
local top = redis.call('HGET', KEYS[1], 'top')
if top and tonumber(top) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'top', ARGV[1]) end
return 0
`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Client = ReturnType<typeof createClient>;

/** Connects (fails if Redis cannot be reached now) and returns the store. */
export async function createRedisStore(options: RedisStoreOptions): Promise<SessionStore> {
  if (!options.encryptionKey) throw new Error('The Redis store needs SESSION_ENCRYPTION_KEY.');
  const prefix = options.prefix ?? 'glia-handoff:';
  const channel = `${prefix}events`;
  const keys = (id: string) => {
    const base = `${prefix}s:{${id}}`;
    return [base, `${base}:log`, `${base}:seen`, `${base}:vm`];
  };
  const idleKey = `${prefix}idle`;
  const ttl = String(options.ttlSeconds);

  const client: Client = createClient({
    url: options.url,
    // A command while Redis is away fails at once (503) instead of waiting to be written late.
    disableOfflineQueue: true,
    // Timed out by `call` below instead: node-redis's timeout costs every command an AbortSignal
    // with its own timer, which fires 5 s later even for a command long answered and builds a
    // DOMException then (a sixth of the proxy's CPU per relayed message on Redis).
    commandOptions: {timeout: 0},
    // Jittered, so instances that lost Redis together do not all knock at once when it is back.
    socket: {reconnectStrategy: (retries) => backoffMs(retries, {baseMs: 100, maxMs: 2000})},
  });
  const subscriber: Client = client.duplicate();
  // Connection errors are seen through `isReady` and failed commands; keep them off the console.
  client.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  await client.connect();

  const watchers = new LocalWatchers();
  const notify = (id: string, event: LoggedEvent | 'gone') => watchers.notify(id, event);
  const onMessage = (text: string) => {
    const first = text.indexOf(' ');
    const second = text.indexOf(' ', first + 1);
    const id = text.slice(0, first);
    if (!watchers.has(id)) return;
    if (second < 0) {
      notify(id, 'gone');
      return;
    }
    const parsed = ChatEvent.safeParse(JSON.parse(text.slice(second + 1)));
    if (parsed.success) notify(id, {id: Number(text.slice(first + 1, second)), event: parsed.data});
  };
  let subscribedOnce = false;
  subscriber.on('ready', () => {
    // Back after a disconnection: messages published meanwhile were missed; replay the logs.
    if (!subscribedOnce) return;
    for (const id of watchers.ids()) {
      void read(id, 0).then(
        (events) => events.forEach((event) => notify(id, event)),
        () => undefined
      );
    }
  });
  await subscriber.connect();
  await subscriber.subscribe(channel, onMessage);
  subscribedOnce = true;

  /** Commands in flight, oldest first, each with when it was sent and how to fail it. */
  const inFlight = new Map<number, {since: number; fail: (error: Error) => void}>();
  let sent = 0;
  /** False from a command Redis left unanswered until the next one it answers: not ready. */
  let answering = true;
  const commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
  // One timer for every command: those Redis has not answered in time fail as unavailable.
  const watchdog = setInterval(
    () => {
      const overdue = performance.now() - commandTimeoutMs;
      for (const [id, command] of inFlight) {
        if (command.since > overdue) break;
        inFlight.delete(id);
        answering = false;
        command.fail(new StoreUnavailableError(new Error('Redis did not answer in time')));
      }
    },
    Math.max(10, Math.min(1000, commandTimeoutMs / 4))
  );
  watchdog.unref();

  /** Runs a command, turning an unreachable or unanswering Redis into `StoreUnavailableError`. */
  const call = <T>(run: () => Promise<T>): Promise<T> => {
    if (!client.isReady) return Promise.reject(new StoreUnavailableError());
    return new Promise<T>((resolve, reject) => {
      const id = ++sent;
      inFlight.set(id, {since: performance.now(), fail: reject});
      run().then(
        (value) => {
          inFlight.delete(id);
          answering = true;
          resolve(value);
        },
        (error: unknown) => {
          inFlight.delete(id);
          reject(
            !client.isReady || isConnectionError(error) ? new StoreUnavailableError(error) : error
          );
        }
      );
    });
  };

  const scripts = new Map<string, string>();
  const evalScript = async (script: string, scriptKeys: string[], args: string[]) =>
    call(async () => {
      let sha = scripts.get(script);
      if (!sha) {
        sha = await client.scriptLoad(script);
        scripts.set(script, sha);
      }
      try {
        return await client.evalSha(sha, {keys: scriptKeys, arguments: args});
      } catch (error) {
        if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
        // Redis restarted and lost its script cache.
        return client.eval(script, {keys: scriptKeys, arguments: args});
      }
    });

  /**
   * The records last read or written here, by session. A commit writes a record and its version
   * together (COMMIT), so a read whose version is the one this instance holds skips the record's
   * text: one short answer instead of the whole record, its decoding and its parse, which were the
   * largest share of the proxy's own CPU per message on Redis (the next delivery of a session,
   * most often). Any other version (another instance wrote since) reads and parses the record as
   * ever. Records are never changed in place (the reducer makes new ones), so one object can be
   * handed out twice.
   */
  const recent = new Map<string, SessionRecord>();
  const remember = (id: string, record: SessionRecord) => {
    recent.delete(id);
    recent.set(id, record);
    // Oldest first out: the sessions of the moment stay.
    if (recent.size > RECENT_RECORDS) recent.delete(recent.keys().next().value as string);
  };

  const getRecord = async (id: string) => {
    const base = keys(id)[0] as string;
    const known = recent.get(id);
    if (known) {
      const version = await call(() => client.hGet(base, 'v'));
      if (version === null || version === undefined) {
        recent.delete(id);
        return undefined;
      }
      if (Number(version) === known.version) return known;
    }
    const json = await call(() => client.hGet(base, 'rec'));
    if (json === null || json === undefined) return undefined;
    const record = SessionRecord.parse(JSON.parse(json));
    remember(id, record);
    return record;
  };

  const read = async (id: string, after: number): Promise<LoggedEvent[]> => {
    const entries = await call(() =>
      client.xRange(keys(id)[1] as string, `${Math.max(0, after) + 1}-0`, '+')
    );
    return (entries ?? []).flatMap((entry) => {
      const parsed = ChatEvent.safeParse(JSON.parse(String(entry.message.e)));
      return parsed.success ? [{id: Number(entry.id.split('-')[0]), event: parsed.data}] : [];
    });
  };

  const limiters = Object.fromEntries(
    (Object.entries(options.limits) as [LimitName, RateLimit][]).map(([name, limit]) => [
      name,
      tokenBucket(client, `${prefix}rl:${name}:`, limit),
    ])
  ) as Record<LimitName, BurstyRateLimiter>;

  return {
    kind: 'redis',
    durable: true,
    box: new SecretBox(options.encryptionKey),
    sessions: {
      async create(record) {
        const args = [JSON.stringify(record), ttl, String(record.createdAt), record.id];
        return (await evalScript(CREATE, [keys(record.id)[0] as string, idleKey], args)) === 1;
      },
      get: getRecord,
      peek: (id) => recent.get(id),
      async authenticate(id, token) {
        const record = await getRecord(id);
        if (!record) return 'not-found';
        if (!token || !matchesHash(token, record.tokenHash)) return 'unauthorized';
        return record;
      },
      async commit(previous, next, events) {
        const record = committedRecord(previous, next);
        const json = JSON.stringify(record);
        const args = [
          String(previous.version),
          json,
          ttl,
          channel,
          previous.id,
          String(events.length),
        ];
        for (const {event, onceKeys = []} of events)
          args.push(JSON.stringify(event), String(onceKeys.length), ...onceKeys);
        const out = (await evalScript(COMMIT, keys(previous.id), args)) as number[];
        if (out[0] === -1 || out[0] === -2) {
          // The record held here is stale: the next read reads it whole, not its version first.
          recent.delete(previous.id);
          return out[0] === -1 ? 'gone' : 'conflict';
        }
        remember(previous.id, record);
        return {
          record,
          appended: events.map((e, i) => {
            const offset = Number(out[i + 1]);
            return offset > 0 ? {id: offset, event: e.event} : null;
          }),
        };
      },
      async delete(id) {
        recent.delete(id);
        await call(() =>
          client.multi().del(keys(id)).zRem(idleKey, id).publish(channel, `${id} gone`).exec()
        );
      },
      async ids() {
        return call(() => client.zRange(idleKey, 0, -1));
      },
    },
    events: {
      read,
      watch: (id, listener) => watchers.watch(id, listener),
      async continueAfter(id, position) {
        await evalScript(CONTINUE_AFTER, [keys(id)[0] as string], [String(position)]);
      },
    },
    idempotency: {
      async recall(sessionId, messageId) {
        const json = await call(() => client.hGet(keys(sessionId)[3] as string, messageId));
        if (json === null || json === undefined) return undefined;
        const parsed = ChatMessage.safeParse(JSON.parse(json));
        return parsed.success ? parsed.data : undefined;
      },
      async remember(sessionId, message) {
        const key = keys(sessionId)[3] as string;
        await call(() =>
          client
            .multi()
            .hSet(key, message.id, JSON.stringify(message))
            .expire(key, options.ttlSeconds)
            .exec()
        );
      },
    },
    idle: {
      async touch(id, at) {
        await evalScript(TOUCH, [...keys(id), idleKey], [String(at), ttl, id]);
      },
      async idleSince(cutoff) {
        return call(() => client.zRangeByScore(idleKey, '-inf', cutoff));
      },
    },
    limits: {
      async take(limit, key) {
        try {
          await call(() => limiters[limit].consume(key));
          return {ok: true};
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          return {ok: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000))};
        }
      },
    },
    async exclusive(name, ttlMs, task) {
      const key = `${prefix}lock:${name}`;
      const owner = randomBytes(8).toString('hex');
      const got = await call(() => client.set(key, owner, {NX: true, PX: ttlMs}));
      if (got !== 'OK') return false;
      try {
        await task();
      } finally {
        await evalScript(UNLOCK, [key], [owner]).catch(() => undefined);
      }
      return true;
    },
    ready: () => client.isReady && subscriber.isReady && answering,
    async close() {
      clearInterval(watchdog);
      watchers.clear();
      await Promise.allSettled([subscriber.close(), client.close()]);
    },
  };
}

/**
 * A token bucket (`capacity` at once, then `refillPerSecond`) from rate-limiter-flexible's parts:
 * a steady limiter of one request per refill interval, and a burst limiter for the rest.
 */
function tokenBucket(client: Client, keyPrefix: string, limit: RateLimit): BurstyRateLimiter {
  const interval = Math.max(1, Math.round(1 / limit.refillPerSecond));
  return new BurstyRateLimiter(
    new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      keyPrefix: `${keyPrefix}steady`,
      points: 1,
      duration: interval,
    }),
    new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      keyPrefix: `${keyPrefix}burst`,
      points: Math.max(1, limit.capacity - 1),
      duration: Math.max(1, Math.round(limit.capacity / limit.refillPerSecond)),
    })
  );
}

function isConnectionError(error: unknown): boolean {
  const name = (error as {name?: string} | null)?.name ?? '';
  const message = (error as {message?: string} | null)?.message ?? '';
  return /Closed|Offline|Connection|Socket|Reconnect|Timeout/i.test(`${name} ${message}`);
}
