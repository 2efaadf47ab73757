/**
 * Every sample of Glia's answers and webhooks in test/fixtures/glia/ (recorded traffic, Glia's
 * documented examples, Glia's export samples, integrators' fixtures; each keeps its `_source`)
 * goes through the reader the proxy really uses: REST answers through the Glia client against a
 * stand-in Glia that answers with the sample, webhooks through the webhook route of a running
 * proxy. Each checks what a person would notice: the agent's message appears once, with its text;
 * a start shows that an agent joined; an answer the proxy does not need fails nothing.
 *
 * The reader is chosen from the sample's own `_source.request` (or `kind`), so adding a file to the
 * folder is the whole test for a new sample; a sample no reader claims fails here until one does.
 */
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {RecordedAnswer} from '../../src/cli/doctor/record.js';
import {runDoctor} from '../../src/cli/doctor/run-doctor.js';
import {createProxyApp} from '../../src/proxy/app.js';
import {loadConfig} from '../../src/proxy/config.js';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {GliaClient} from '../../src/proxy/glia/glia-client.js';
import {GliaError} from '../../src/proxy/glia/glia-error.js';
import {
  TranscriptEntry,
  UploadFileResponse,
  gliaErrorMessage,
  readAttachment,
} from '../../src/wire/glia/index.js';
import type {
  ChatEvent,
  SessionSnapshot,
  StartSessionResponse,
} from '../../src/wire/handoff/index.js';
import {createSimulator} from '../../src/simulator/app.js';
import {SHAPES} from '../../src/simulator/deps.js';
import {PAGE_ORIGIN, SEED, simEnv} from './support.js';

const FOLDER = new URL('../fixtures/glia/', import.meta.url);

interface Sample {
  file: string;
  source: {request?: string; kind?: string; status?: number | null};
  body: unknown;
}

const samples: Sample[] = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => {
    const {_source, body} = JSON.parse(readFileSync(new URL(file, FOLDER), 'utf8')) as {
      _source: Sample['source'];
      body: unknown;
    };
    return {file, source: _source, body};
  });

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => value as Json;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {status, headers: {'content-type': 'application/json'}});

/**
 * A Glia that answers the handoff's calls plausibly, and `route` its own way: enough for a proxy
 * to start a session whose visitor has `visitorId`.
 */
function standInGlia(
  visitorId: string,
  route: (method: string, path: string) => Response | undefined = () => undefined
): {fetch: GliaFetch; webhook: () => {url: string; headers: Record<string, string>}} {
  let hook: {url: string; headers: Record<string, string>} | undefined;
  const fetch: GliaFetch = (url, init) => {
    const path = new URL(url).pathname;
    const own = route(init.method, path);
    if (own) return own;
    if (path === '/operator_authentication/tokens') return json({token: 'stand-in-service-token'});
    if (path === '/visitors') return json({id: visitorId, access_token: 'stand-in-visitor-token'});
    if (path.startsWith('/sites/')) return json({});
    if (path === '/queue_tickets') {
      hook = (
        JSON.parse(typeof init.body === 'string' ? init.body : '{}') as {
          webhooks: Array<typeof hook>;
        }
      ).webhooks[0];
      return json({id: 'stand-in-ticket'}, 201);
    }
    if (path.startsWith('/operators/')) return json({name: 'Agent from the stand-in'});
    return json({message: 'Not found'}, 404);
  };
  return {
    fetch,
    webhook: () => {
      assert.ok(hook, 'no ticket filed');
      return hook;
    },
  };
}

/** A proxy on the stand-in Glia with one queued session, and a way to deliver webhooks to it. */
async function proxyWithSession(visitorId: string) {
  const glia = standInGlia(visitorId);
  const logs: string[] = [];
  const app = createProxyApp({
    config: loadConfig(simEnv()),
    fetch: glia.fetch,
    logWrite: (line) => logs.push(line),
    sweepIntervalMs: 0,
    glia: {sleep: async () => undefined, timeoutMs: 2000},
  });
  const started = await app.request('/handoff/sessions', {
    method: 'POST',
    headers: {origin: PAGE_ORIGIN, 'content-type': 'application/json'},
    body: JSON.stringify({description: 'A sample from the corpus'}),
  });
  assert.equal(started.status, 201, await started.clone().text());
  const {session} = (await started.json()) as StartSessionResponse;
  const deliver = async (payload: unknown) => {
    const hook = glia.webhook();
    const r = await app.request(hook.url, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...hook.headers},
      body: JSON.stringify(payload),
    });
    return r.status;
  };
  const snapshot = async (): Promise<SessionSnapshot> => {
    const r = await app.request(`/handoff/sessions/${session.id}`, {
      headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${session.token}`},
    });
    return (await r.json()) as SessionSnapshot;
  };
  /** Every event the visitor's stream carries so far. */
  const events = async (): Promise<ChatEvent[]> => {
    const r = await app.request(`/handoff/sessions/${session.id}/events`, {
      headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${session.token}`},
    });
    const reader = r.body!.getReader();
    const last = Number((await snapshot()).lastEventId ?? 0);
    let text = '';
    while ((text.match(/^data: /gm)?.length ?? 0) < last) {
      const {value, done} = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    return [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as ChatEvent);
  };
  return {app, deliver, snapshot, events, logs, close: () => app.close()};
}

/** A Glia client whose every call is answered with `answer`. */
function clientAnswering(answer: (method: string, path: string) => Response) {
  const unexpected: string[] = [];
  const secrets = new Set<string>();
  const client = new GliaClient({
    apiBase: 'https://api.glia.test',
    siteId: '5b0c2d1e-8f3a-4c6b-9d7e-1a2b3c4d5e6f',
    apiKeyId: 'key-id',
    apiKeySecret: 'key-secret-of-the-corpus',
    credentialType: 'service',
    fetch: (url, init) => {
      const path = new URL(url).pathname;
      if (path === '/operator_authentication/tokens')
        return json({token: 'stand-in-service-token'});
      return answer(init.method, path);
    },
    sleep: async () => undefined,
    retry: {attempts: 1},
    onUnexpected: (step, drift) => unexpected.push(`${step} ${drift.kind} ${drift.field}`),
    secrets: {add: (secret) => secrets.add(secret), delete: (secret) => secrets.delete(secret)},
  });
  return {client, unexpected, secrets};
}

/** A visitor of the client (the stand-in answers `POST /visitors` for it). */
async function visitorOf(client: GliaClient) {
  return client.createVisitor();
}

const isWebhook = (s: Sample) => /^incoming webhook /.test(s.source.request ?? '');
const isExport = (s: Sample) => /EXPORT event/i.test(s.source.kind ?? '');
const isError = (s: Sample) => typeof s.source.status === 'number' && s.source.status >= 400;

/** Each reader: which samples it claims, and the check it runs on one. */
const READERS: Array<{
  what: string;
  claims: (s: Sample) => boolean;
  check: (s: Sample) => Promise<void>;
}> = [
  {
    what: "an error answer: Glia's words in the GliaError, never in the browser's answer",
    claims: isError,
    async check({body, source}) {
      const {client} = clientAnswering((method, path) =>
        path === '/visitors' && method === 'POST'
          ? json({id: 'v-1', access_token: 'stand-in-visitor-token'})
          : json(body, source.status!)
      );
      const visitor = await visitorOf(client);
      const error = await client
        .sendChatMessage(visitor, 'e-1', 'm-1', 'hi')
        .catch((e: unknown) => e);
      assert.ok(error instanceof GliaError);
      assert.equal(error.status, source.status);
      assert.equal(error.gliaMessage, gliaErrorMessage(body));
      assert.ok(error.hint.length > 10);
    },
  },
  {
    what: 'a webhook: through the webhook route, into what the visitor sees',
    claims: (s) =>
      isWebhook(s) || (s.source.request === 'POST /engagements/{id}/events' && !isError(s)),
    async check({body}) {
      // An event posted to an engagement comes back as a chat message aimed at the operator.
      const raw = asJson(body);
      const payload =
        raw.event_type === undefined ? {event_type: 'engagement.chat.message', message: raw} : raw;
      const message = asJson(payload.message ?? {});
      const engagement = asJson(payload.engagement ?? {});
      const h = await proxyWithSession(String(engagement.visitor_id ?? 'corpus-visitor'));
      try {
        if (payload.event_type === 'engagement.start') {
          assert.equal(await h.deliver(payload), 204);
          const snapshot = await h.snapshot();
          assert.equal(snapshot.status, 'engaged');
          const joined = (await h.events()).filter((e) => e.type === 'operator');
          assert.deepEqual(joined, [
            {type: 'operator', operator: {name: 'Support agent'}, change: 'joined'},
          ]);
          return;
        }
        assert.equal(payload.event_type, 'engagement.chat.message');
        await h.deliver({event_type: 'engagement.start', engagement: {id: message.engagement_id}});
        // Delivered twice, as Glia may: shown at most once.
        assert.equal(await h.deliver(payload), 204);
        assert.equal(await h.deliver(payload), 204);
        const texts = (await h.snapshot()).messages.map((m) => m.text);
        const forVisitor =
          message.target === 'visitor' ||
          (message.target === undefined && asJson(message.sender ?? {}).type !== 'visitor');
        assert.deepEqual(texts, forVisitor ? [message.content] : []);
      } finally {
        await h.close();
      }
    },
  },
  {
    what: 'an export event (not a ticket webhook): acknowledged, counted as unknown, nothing shown',
    claims: isExport,
    async check({body}) {
      const h = await proxyWithSession('corpus-visitor');
      try {
        const before = await h.snapshot();
        assert.equal(await h.deliver(body), 204);
        assert.deepEqual(await h.snapshot(), before);
        assert.equal(
          h.app.metrics.value('glia_handoff_glia_unexpected_total', {
            endpoint: 'webhook:other',
            kind: 'unknown_event',
          }),
          1
        );
      } finally {
        await h.close();
      }
    },
  },
  {
    what: "a message PUT answer: the visitor's message keeps Glia's time",
    claims: (s) => /^PUT \/engagements\/\{id\}\/chat_messages\//.test(s.source.request ?? ''),
    async check({body}) {
      const {client} = clientAnswering((_method, path) =>
        path === '/visitors'
          ? json({id: 'v-1', access_token: 'stand-in-visitor-token'})
          : json(body)
      );
      const sent = await client.sendChatMessage(await visitorOf(client), 'e-1', 'm-1', 'hi');
      assert.equal(sent.at, new Date(String(asJson(body).timestamp)).toISOString());
      // The attachment, if any, is read without failing the message.
      const attachment = asJson(body).attachment;
      if (attachment !== undefined) assert.ok(readAttachment(attachment) !== undefined);
    },
  },
  {
    what: 'queues: status, media and average wait from the recorded shape',
    claims: (s) => /^GET \S*\/queues\b/.test(s.source.request ?? ''),
    async check({body}) {
      const queues = (asJson(body).queues as Json[] | undefined) ?? [body as Json];
      for (const queue of queues) {
        const {client, unexpected} = clientAnswering(() => json(queue));
        const read = await client.getQueue(String(queue.id));
        const media = (queue.available_properties as Json | undefined)?.media;
        assert.equal(read.status, queue.status ?? 'unknown');
        assert.deepEqual(read.media, media);
        assert.equal(read.averageWaitSeconds, queue.average_wait_time ?? undefined);
        // What doctor and the widget need is there, or its absence is reported.
        assert.deepEqual(
          unexpected,
          media ? [] : ['queue missing_field available_properties.media']
        );
      }
    },
  },
  {
    what: 'operators: the name the widget shows, from an operator or a list of them',
    claims: (s) => /^GET \S*\/operators\b/.test(s.source.request ?? ''),
    async check({body}) {
      for (const operator of asJson(body).operators as Json[]) {
        const {client} = clientAnswering(() => json(body));
        assert.equal((await client.getOperator(String(operator.id))).name, operator.name);
      }
    },
  },
  {
    what: "an engagement: who serves the visitor, from its legs or its operators' hrefs",
    claims: (s) => /^GET \/engagements[/?]/.test(s.source.request ?? ''),
    async check({body}) {
      for (const engagement of (asJson(body).engagements as Json[] | undefined) ?? [body as Json]) {
        const {client} = clientAnswering(() => json(engagement));
        const legs = engagement.legs as Array<{operator: {id: string}}> | undefined;
        const hrefs = (engagement.operators as Array<{href: string}>).map((o) => o.href);
        const expected = legs?.at(-1)?.operator.id ?? hrefs.at(-1)?.split('/').at(-1);
        assert.equal(await client.getEngagementOperator(String(engagement.id)), expected);
      }
    },
  },
  {
    what: 'ending: any documented answer counts as ended',
    claims: (s) => /^PATCH \/engagements\//.test(s.source.request ?? ''),
    async check({body}) {
      const {client} = clientAnswering((_method, path) =>
        path === '/visitors'
          ? json({id: 'v-1', access_token: 'stand-in-visitor-token'})
          : json(body)
      );
      assert.equal(await client.endEngagement(await visitorOf(client), 'e-1'), 'ended');
    },
  },
  {
    what: 'a visitor and its token: the id is read, the token never logged',
    claims: (s) => /^POST \/visitors/.test(s.source.request ?? ''),
    async check({body}) {
      const token = String(asJson(body).access_token);
      const {client, secrets} = clientAnswering(() => json(body));
      const visitor = await visitorOf(client);
      assert.equal(visitor.id, asJson(body).id);
      // The token stays inside the client, and is on the log redaction list from the start.
      assert.ok(!JSON.stringify(visitor).includes(token));
      assert.ok(secrets.has(token));
      await client.renewVisitorToken(visitor);
      assert.ok(secrets.has(token));
    },
  },
  {
    what: 'a visitor as Glia shows it: an update answered with it succeeds',
    claims: (s) =>
      /^(GET\|PATCH|GET|PATCH) \/sites\/|^\(visitor information/.test(s.source.request ?? ''),
    async check({body}) {
      const {client} = clientAnswering(() => json(body));
      await client.updateVisitor('v-1', {note: 'from the corpus'});
    },
  },
  {
    what: 'a token exchange: the lifetime Glia gave, or the assumed hour',
    claims: (s) => /^POST \/(operator_authentication|sites)\/tokens$/.test(s.source.request ?? ''),
    async check({body, source}) {
      const site = source.request!.includes('/sites/');
      const client = new GliaClient({
        apiBase: 'https://api.glia.test',
        siteId: 's',
        apiKeyId: 'k',
        apiKeySecret: 'key-secret-of-the-corpus',
        credentialType: site ? 'site' : 'service',
        fetch: () => json(body),
      });
      const expires = asJson(body).expires_in;
      assert.equal(
        (await client.exchangeToken()).expiresInSeconds,
        typeof expires === 'number' ? expires : 3300
      );
    },
  },
  {
    what: 'a queue ticket answer: the session goes on with whatever it says',
    claims: (s) => /^POST \/queue_tickets$/.test(s.source.request ?? ''),
    async check({body, source}) {
      const {client} = clientAnswering((_method, path) =>
        path === '/visitors'
          ? json({id: 'v-1', access_token: 'stand-in-visitor-token'})
          : json(body, source.status ?? 201)
      );
      const {ticket} = await client.createQueueTicket(await visitorOf(client), {queueId: 'q'});
      const id = asJson(body).id;
      assert.equal(ticket.id, typeof id === 'string' ? id : undefined);
    },
  },
  {
    what: 'a transcript entry: its text and sender, without an id',
    claims: (s) => /^\(chat transcript entry/.test(s.source.request ?? ''),
    async check({body}) {
      const entry = TranscriptEntry.parse(body);
      assert.equal(entry.message, asJson(body).message);
      assert.equal(entry.sender?.type, asJson(asJson(body).sender).type);
    },
  },
  {
    what: 'a file upload answer: the file id',
    claims: (s) => /^POST \/engagements\/\{id\}\/files$/.test(s.source.request ?? ''),
    async check({body}) {
      assert.equal(UploadFileResponse.parse(body).file_id, asJson(body).file_id);
    },
  },
];

/** Runs every sample through the one reader that claims it. */
async function read(sample: Sample): Promise<void> {
  const readers = READERS.filter((reader) => reader.claims(sample));
  assert.equal(
    readers.length,
    1,
    `readers for ${sample.file}: ${readers.map((r) => r.what).join('; ') || 'none (add one above)'}`
  );
  await readers[0]!.check(sample);
}

describe('the corpus of Glia samples, through the readers the proxy uses', () => {
  it('has samples, each with its provenance', () => {
    assert.ok(samples.length > 0);
    for (const sample of samples)
      assert.ok(sample.source && (sample.source.request || sample.source.kind), sample.file);
  });

  for (const sample of samples) it(sample.file, () => read(sample));
});

describe('a `doctor --record` file, as it would become a fixture', () => {
  for (const shapes of SHAPES) {
    it(`reads every answer doctor recorded from the simulator (${shapes} answers)`, async () => {
      const sim = createSimulator({shapes, fetch: async () => new Response(null, {status: 204})});
      try {
        let recorded: RecordedAnswer[] = [];
        await runDoctor({
          env: {
            GLIA_API_BASE: 'https://api.glia.test',
            GLIA_SITE_ID: SEED.siteId,
            GLIA_QUEUE_ID: SEED.openQueue.id,
            GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
            GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
            PUBLIC_URL: 'https://handoff.example.com',
          },
          timeoutMs: 2000,
          fetch: (url, init) => sim.app.request(url, init),
          ticket: true,
          record: (answers) => (recorded = answers),
        });
        assert.ok(recorded.length >= 5);
        for (const [index, entry] of recorded.entries())
          await read({file: `record #${index}`, source: entry._source, body: entry.body});
      } finally {
        sim.close();
      }
    });
  }
});
