/**
 * Conformance of the simulator to its documents, written from the documents only: docs/glia.md
 * ("The simulator" is the simulator's behaviour; the sections before it give the Glia shapes it
 * imitates) and the control-API contract in docs/contract.md. Nothing here was taken from the
 * simulator's code or its other tests; where the documents leave a point open, only what they do
 * state is asserted, and a comment says so. Quoted section names are those of docs/glia.md unless
 * contract.md or architecture.md is named.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it, type TestContext} from 'node:test';
import {createSimulator, type SimulatorDeps} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';

const V1 = 'application/vnd.salemove.v1+json';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// "Conventions" gives `YYYY-MM-DDTHH:MM:SSZ`; fractional seconds are still ISO-8601, so they are tolerated.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** contract.md: `policies` omitted = all of these. */
const ALL_POLICIES = [
  'create_visitor',
  'fetch_visitor',
  'update_visitor',
  'create_queue_ticket',
  'fetch_queue',
  'fetch_engagement',
  'update_engagement',
  'fetch_engagement_requests',
] as const;
type Policy = (typeof ALL_POLICIES)[number];

/** "Webhooks" / architecture.md, "One conversation, step by step", step 5. */
const ALL_EVENTS = [
  'engagement.request.failure',
  'engagement.start',
  'engagement.transfer',
  'engagement.end',
  'engagement.chat.message',
  'engagement.chat.message_status',
];

const HOOK_URL = 'http://proxy.test/handoff/webhooks/glia/session-1';
const HOOK_SECRET = 'Bearer per-session-webhook-secret-5d1f';

// ---------------------------------------------------------------------------------------------
// Shapes (only the fields the documents name)

interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

interface VisitorCreated {
  id: string;
  access_token: string;
}

interface SimState {
  sites: {id: string}[];
  queues: {id: string; site_id: string; name: string; open: boolean}[];
  credentials: {api_key_id: string; type: string; policies: string[]}[];
  visitors: {
    id: string;
    name: string | null;
    note: string | null;
    custom_attributes: Record<string, string> | null;
  }[];
  tickets: {id: string; visitor_id: string; queue_id: string; state: string; webhooks: unknown}[];
  engagements: {
    id: string;
    ticket_id: string;
    visitor_id: string;
    operator: unknown;
    state: string;
    messages: {id: string; content: string; sender: unknown; target: string}[];
  }[];
}

interface WebhookBody {
  event_type: string;
  engagement?: {id?: string; visitor_id?: string; source?: string};
  message?: {
    id?: string;
    content?: string;
    engagement_id?: string;
    target?: string;
    status?: string;
    sender?: {type?: string};
  };
}

interface Delivery {
  url: string;
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  raw: string;
  body: WebhookBody;
}

interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim instead of `JSON.stringify(body)`. */
  raw?: string;
  /** `null` omits the header; default the v1 media type. */
  accept?: string | null;
  headers?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Harness

type HookAnswer = number | Error;

function setup(t: TestContext, deps: SimulatorDeps = {}) {
  const deliveries: Delivery[] = [];
  const attempts: Delivery[] = [];
  let answerHook: (delivery: Delivery, attempt: number) => HookAnswer = () => 204;
  const sim = createSimulator({
    webhookRetry: {attempts: 3, baseDelayMs: 2},
    messageStatusDelayMs: 5,
    fetch: async (url, init) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(init.headers)) headers[name.toLowerCase()] = value;
      let body: WebhookBody;
      try {
        body = JSON.parse(init.body) as WebhookBody;
      } catch {
        body = {event_type: '<not JSON>'};
      }
      const delivery: Delivery = {url, method: init.method, headers, raw: init.body, body};
      attempts.push(delivery);
      const answer = answerHook(
        delivery,
        attempts.filter((a) => a.raw === init.body && a.url === url).length
      );
      if (answer instanceof Error) throw answer;
      if (answer >= 200 && answer < 300) deliveries.push(delivery);
      return new Response(null, {status: answer});
    },
    ...deps,
  });
  t.after(() => sim.close());

  async function req<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {}
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = {...options.headers};
    if (options.accept !== null) headers['Accept'] = options.accept ?? V1;
    if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const response = await sim.app.request(path, {method, headers, body});
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON; keep the text
    }
    return {status: response.status, headers: response.headers, text, body: parsed as T};
  }

  async function serviceToken(
    credential: {apiKeyId: string; apiKeySecret: string} = SEED.serviceCredential
  ) {
    const r = await req<{token: string}>('POST', '/operator_authentication/tokens', {
      body: {api_key_id: credential.apiKeyId, api_key_secret: credential.apiKeySecret},
    });
    assert.ok(r.status >= 200 && r.status < 300, `service token: ${r.status} ${r.text}`);
    return r.body.token;
  }

  async function siteToken(credential: {apiKeyId: string; apiKeySecret: string} = SEED.siteApiKey) {
    const r = await req<{access_token: string}>('POST', '/sites/tokens', {
      body: {api_key_id: credential.apiKeyId, api_key_secret: credential.apiKeySecret},
    });
    assert.ok(r.status >= 200 && r.status < 300, `site token: ${r.status} ${r.text}`);
    return r.body.access_token;
  }

  async function register(credential: {
    api_key_id: string;
    api_key_secret: string;
    type: 'site' | 'service';
    policies?: readonly string[];
  }) {
    const r = await req('POST', '/__sim/credentials', {body: credential});
    assert.ok(r.status >= 200 && r.status < 300, `register: ${r.status} ${r.text}`);
  }

  /** A service credential registered with every policy except `missing`, and its token. */
  async function tokenWithout(missing: Policy) {
    const credential = {apiKeyId: randomUUID(), apiKeySecret: `svc-${randomUUID()}`};
    await register({
      api_key_id: credential.apiKeyId,
      api_key_secret: credential.apiKeySecret,
      type: 'service',
      policies: ALL_POLICIES.filter((p) => p !== missing),
    });
    return serviceToken(credential);
  }

  async function createVisitor(token?: string): Promise<VisitorCreated> {
    const r = await req<VisitorCreated>('POST', '/visitors', {
      token: token ?? (await siteToken()),
      body: {},
    });
    assert.equal(r.status, 200, `create visitor: ${r.text}`);
    return r.body;
  }

  async function state(): Promise<SimState> {
    const r = await req<SimState>('GET', '/__sim/state');
    assert.equal(r.status, 200);
    return r.body;
  }

  function ticketBody(overrides: Record<string, unknown> = {}) {
    return {
      site_id: SEED.siteId,
      media: 'text',
      queue_id: SEED.openQueue.id,
      source: 'visitor_integrator',
      webhooks: [
        {url: HOOK_URL, method: 'POST', headers: {Authorization: HOOK_SECRET}, events: ALL_EVENTS},
      ],
      ...overrides,
    };
  }

  function fileTicket(visitorToken: string, overrides: Record<string, unknown> = {}) {
    return req<Record<string, unknown>>('POST', '/queue_tickets', {
      token: visitorToken,
      body: ticketBody(overrides),
    });
  }

  /** The ticket id, from the control API's state (the ticket response body is a SIM-CHOICE). */
  async function ticketOf(visitorId: string) {
    const tickets = (await state()).tickets.filter((x) => x.visitor_id === visitorId);
    const ticket = tickets.at(-1);
    assert.ok(ticket, `no ticket for visitor ${visitorId}`);
    return ticket.id;
  }

  async function engagementOfTicket(ticketId: string) {
    const engagement = (await state()).engagements.find((e) => e.ticket_id === ticketId);
    assert.ok(engagement, `no engagement for ticket ${ticketId}`);
    return engagement.id;
  }

  /** Visitor → ticket (all events to HOOK_URL) → accepted: the engaged state of the handoff. */
  async function engage(overrides: Record<string, unknown> = {}) {
    const visitor = await createVisitor();
    const filed = await fileTicket(visitor.access_token, overrides);
    assert.equal(filed.status, 201, filed.text);
    const ticketId = await ticketOf(visitor.id);
    const accepted = await req('POST', `/__sim/queue_tickets/${ticketId}/accept`, {
      body: {operator: {name: 'Alex Rivera'}},
    });
    assert.ok(accepted.status >= 200 && accepted.status < 300, accepted.text);
    const engagementId = await engagementOfTicket(ticketId);
    return {visitor, ticketId, engagementId};
  }

  function events(type?: string) {
    return deliveries.filter((d) => type === undefined || d.body.event_type === type);
  }

  return {
    sim,
    req,
    serviceToken,
    siteToken,
    register,
    tokenWithout,
    createVisitor,
    state,
    ticketBody,
    fileTicket,
    ticketOf,
    engagementOfTicket,
    engage,
    events,
    deliveries,
    attempts,
    idle: () => sim.webhooksIdle(),
    answerHooksWith(fn: (delivery: Delivery, attempt: number) => HookAnswer) {
      answerHook = fn;
    },
  };
}

type Harness = ReturnType<typeof setup>;

// ---------------------------------------------------------------------------------------------
// Error shapes ("Error bodies")

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Legacy object: `{message, debug_message}`. */
function isLegacyObject(body: unknown) {
  return isRecord(body) && typeof body.message === 'string' && 'debug_message' in body;
}

/** Platform: `{message, type, ref, error_details}`. */
function isPlatform(body: unknown) {
  return isRecord(body) && typeof body.message === 'string' && typeof body.type === 'string';
}

/** Either validation shape of "Error bodies". */
function isValidation(body: unknown) {
  if (!isRecord(body)) return false;
  if (body.error === 'validation_error') {
    return (
      body.status === 'error' &&
      Array.isArray(body.details) &&
      body.details.length > 0 &&
      body.details.every(
        (d: unknown) =>
          isRecord(d) && typeof d.attribute === 'string' && typeof d.detail === 'string'
      )
    );
  }
  if (body.error === 'Validation error') {
    return (
      isRecord(body.details) &&
      Object.values(body.details).every(
        (v) => Array.isArray(v) && v.every((s) => typeof s === 'string')
      )
    );
  }
  return false;
}

/** Legacy array: `[{error, message, debug_message}]`. */
function isLegacyArray(body: unknown) {
  return (
    Array.isArray(body) &&
    body.length > 0 &&
    body.every((e: unknown) => isRecord(e) && typeof e.error === 'string' && 'message' in e)
  );
}

function isRouting(body: unknown) {
  return isRecord(body) && typeof body.error_msg === 'string';
}

/** Any of the shapes of "Error bodies". */
function isGliaError(body: unknown) {
  return (
    isLegacyObject(body) ||
    isPlatform(body) ||
    isValidation(body) ||
    isLegacyArray(body) ||
    isRouting(body)
  );
}

function assertUnauthorized(r: Reply) {
  assert.equal(r.status, 401, r.text);
  // "Error bodies" lists two 401 shapes (legacy object, platform); either is Glia's.
  assert.ok(isLegacyObject(r.body) || isPlatform(r.body), `401 body not Glia-shaped: ${r.text}`);
}

/** "The simulator": "unknown key → 401 legacy object". */
function assertUnauthorizedLegacy(r: Reply) {
  assert.equal(r.status, 401, r.text);
  assert.ok(isLegacyObject(r.body), `401 body not Glia's legacy object: ${r.text}`);
}

function assertValidation(r: Reply) {
  assert.equal(r.status, 422, r.text);
  assert.ok(isValidation(r.body), `422 body not in Glia's validation shape: ${r.text}`);
}

/** "Error bodies" "Legacy 403": `{message: "You don't have permissions to …", debug_message}`. */
function assertForbidden(r: Reply, naming?: Policy) {
  assert.equal(r.status, 403, r.text);
  assert.ok(isLegacyObject(r.body), `403 body not Glia's legacy 403 shape: ${r.text}`);
  if (naming !== undefined) {
    const words = new RegExp(naming.replaceAll('_', '[ _-]?'), 'i');
    assert.match(r.text, words, `403 does not name the missing policy ${naming}`);
  }
}

/** A 4xx (never 5xx) with one of Glia's error shapes. */
function assertGlia4xx(r: Reply, statuses?: number[]) {
  assert.ok(r.status >= 400 && r.status < 500, `expected 4xx, got ${r.status} ${r.text}`);
  if (statuses) assert.ok(statuses.includes(r.status), `status ${r.status} not in ${statuses}`);
  assert.ok(isGliaError(r.body), `4xx body not Glia-shaped: ${r.text}`);
}

function decodeJwt(token: string) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'a JWT has three parts');
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {header: decode(parts[0] ?? ''), payload: decode(parts[1] ?? '')};
}

function senderType(sender: unknown) {
  return typeof sender === 'string' ? sender : isRecord(sender) ? sender.type : undefined;
}

/** Polls `done` until it holds or three seconds have passed. */
async function until(done: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The log's entries; contract.md names their content but not the envelope. */
function logEntries(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (isRecord(body)) {
    const list = Object.values(body).find(Array.isArray);
    if (list) return list as Record<string, unknown>[];
  }
  assert.fail(`GET /__sim/log is not a list of requests: ${JSON.stringify(body)}`);
}

/** contract.md: the fields of `GET /__sim/state`. */
const STATE_FIELDS: Record<string, string[]> = {
  sites: ['id'],
  queues: ['id', 'site_id', 'name', 'open'],
  credentials: ['api_key_id', 'type', 'policies'],
  visitors: ['id', 'name', 'note', 'custom_attributes'],
  tickets: ['id', 'visitor_id', 'queue_id', 'state', 'webhooks'],
  engagements: ['id', 'ticket_id', 'visitor_id', 'operator', 'state', 'messages'],
};
const MESSAGE_FIELDS = ['id', 'content', 'sender', 'target'];

/** The state after a visitor, a ticket, an engagement and a message: every list non-empty. */
async function fullState(h: Harness) {
  const {visitor, engagementId} = await h.engage();
  await h.req('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
    token: visitor.access_token,
    body: {content: 'hello'},
  });
  const r = await h.req<Record<string, unknown[]>>('GET', '/__sim/state');
  assert.equal(r.status, 200);
  return r.body;
}

// ---------------------------------------------------------------------------------------------

describe('token endpoints ("Two token exchanges", "The simulator")', () => {
  it('exchanges a Service Credential at /operator_authentication/tokens for {token, expires_in: 3600}', async (t) => {
    const h = setup(t);
    const r = await h.req<Record<string, unknown>>('POST', '/operator_authentication/tokens', {
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    assert.equal(typeof r.body.token, 'string');
    assert.ok((r.body.token as string).length > 0);
    assert.equal(r.body.expires_in, 3600);
  });

  it('exchanges a Site API key at /sites/tokens for {access_token, expires_in: 3600}', async (t) => {
    const h = setup(t);
    const r = await h.req<Record<string, unknown>>('POST', '/sites/tokens', {
      body: {
        api_key_id: SEED.siteApiKey.apiKeyId,
        api_key_secret: SEED.siteApiKey.apiKeySecret,
      },
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    assert.equal(typeof r.body.access_token, 'string');
    assert.ok((r.body.access_token as string).length > 0);
    assert.equal(r.body.expires_in, 3600);
  });

  it('accepts the optional site_ids at /sites/tokens', async (t) => {
    // "Two token exchanges": one integrator also sends `site_ids` → optional [INFERRED].
    const h = setup(t);
    const r = await h.req<Record<string, unknown>>('POST', '/sites/tokens', {
      body: {
        api_key_id: SEED.siteApiKey.apiKeyId,
        api_key_secret: SEED.siteApiKey.apiKeySecret,
        site_ids: [SEED.siteId],
      },
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    assert.equal(typeof r.body.access_token, 'string');
  });

  it('refuses a Service Credential at /sites/tokens with 422 in the validation shape', async (t) => {
    const h = setup(t);
    const r = await h.req('POST', '/sites/tokens', {
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    });
    assertValidation(r);
  });

  it('answers an empty body at /operator_authentication/tokens with 422 "api_token must be present"', async (t) => {
    const h = setup(t);
    const r = await h.req('POST', '/operator_authentication/tokens', {body: {}});
    assert.equal(r.status, 422);
    assert.deepEqual(r.body, {
      details: [{attribute: 'api_token', detail: 'must be present'}],
      error: 'validation_error',
      status: 'error',
    });
  });

  it('answers an unknown api_key_id with 401 at both token endpoints', async (t) => {
    const h = setup(t);
    assertUnauthorizedLegacy(
      await h.req('POST', '/operator_authentication/tokens', {
        body: {api_key_id: randomUUID(), api_key_secret: 'some-service-secret'},
      })
    );
    // A gls_ secret, so the site endpoint's own 422 rule for non-gls_ secrets cannot apply.
    assertUnauthorizedLegacy(
      await h.req('POST', '/sites/tokens', {
        body: {api_key_id: randomUUID(), api_key_secret: 'gls_some-site-secret'},
      })
    );
  });

  it('answers a wrong secret with 401 at both token endpoints', async (t) => {
    const h = setup(t);
    assertUnauthorizedLegacy(
      await h.req('POST', '/operator_authentication/tokens', {
        body: {api_key_id: SEED.serviceCredential.apiKeyId, api_key_secret: 'wrong-secret'},
      })
    );
    assertUnauthorizedLegacy(
      await h.req('POST', '/sites/tokens', {
        body: {api_key_id: SEED.siteApiKey.apiKeyId, api_key_secret: 'gls_wrong-secret'},
      })
    );
  });

  it('honours service and site tokens until expires_in has passed, then answers 401', async (t) => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const h = setup(t, {now: () => now});
    const service = await h.serviceToken();
    const site = await h.siteToken();
    const visitor = await h.createVisitor(site);
    const fetchVisitor = () =>
      h.req('GET', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {token: service});

    now += 3599 * 1000;
    assert.equal((await fetchVisitor()).status, 200);
    assert.equal((await h.req('POST', '/visitors', {token: site, body: {}})).status, 200);

    now += 2 * 1000;
    assertUnauthorized(await fetchVisitor());
    assertUnauthorized(await h.req('POST', '/visitors', {token: site, body: {}}));
  });

  it("refuses a visitor token with 401 once the JWT's exp has passed", async (t) => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const h = setup(t, {now: () => now});
    const visitor = await h.createVisitor();
    const {payload} = decodeJwt(visitor.access_token);
    const lifetime = (payload.exp as number) - (payload.iat as number);

    now += (lifetime - 60) * 1000;
    assert.equal((await h.fileTicket(visitor.access_token)).status, 201);

    now += 120 * 1000;
    assertUnauthorized(await h.fileTicket(visitor.access_token));
  });

  it('answers a missing, malformed or unknown Authorization with 401', async (t) => {
    const h = setup(t);
    const path = `/sites/${SEED.siteId}/visitors/${randomUUID()}`;
    assertUnauthorized(await h.req('GET', path));
    assertUnauthorized(await h.req('GET', path, {headers: {Authorization: 'Bearer'}}));
    assertUnauthorized(await h.req('GET', path, {token: 'not-a-token-the-simulator-issued'}));
    assertUnauthorized(await h.req('POST', '/visitors', {body: {}}));
  });
});

describe('policies (contract.md control API; "Two token exchanges"; "Error bodies" legacy 403)', () => {
  // contract.md names the policies but not the endpoint each guards; the pairs below follow from
  // the names (`fetch_queue` taken as GET /queues/{queue_id}, "Queues and queue tickets"). `fetch_engagement_requests`
  // would guard engagement requests ("Queues and queue tickets"), which "The simulator" does not give the simulator, so it is untested.
  const cases: {
    policy: Policy;
    endpoint: string;
    /** Sets up with the seeded credentials, then returns the call to make with `token`. */
    prepare: (h: Harness) => Promise<(token: string) => Promise<Reply>>;
  }[] = [
    {
      policy: 'create_visitor',
      endpoint: 'POST /visitors',
      prepare: async (h) => (token) => h.req('POST', '/visitors', {token, body: {}}),
    },
    {
      policy: 'fetch_visitor',
      endpoint: 'GET /sites/{site_id}/visitors/{visitor_id}',
      prepare: async (h) => {
        const visitor = await h.createVisitor();
        return (token) => h.req('GET', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {token});
      },
    },
    {
      policy: 'update_visitor',
      endpoint: 'PATCH /sites/{site_id}/visitors/{visitor_id}',
      prepare: async (h) => {
        const visitor = await h.createVisitor();
        return (token) =>
          h.req('PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {
            token,
            body: {name: 'Should Not Stick'},
          });
      },
    },
    {
      policy: 'fetch_queue',
      endpoint: 'GET /queues/{queue_id}',
      prepare: async (h) => (token) => h.req('GET', `/queues/${SEED.openQueue.id}`, {token}),
    },
    {
      policy: 'fetch_engagement',
      endpoint: 'GET /engagements/{engagement_id}',
      prepare: async (h) => {
        const {engagementId} = await h.engage();
        return (token) => h.req('GET', `/engagements/${engagementId}`, {token});
      },
    },
    {
      policy: 'update_engagement',
      endpoint: 'PATCH /engagements/{engagement_id}',
      prepare: async (h) => {
        const {engagementId} = await h.engage();
        return (token) =>
          h.req('PATCH', `/engagements/${engagementId}`, {token, body: {action: 'end'}});
      },
    },
  ];

  for (const {policy, endpoint, prepare} of cases) {
    it(`answers ${endpoint} with 403 naming ${policy} when the credential lacks it, changing nothing`, async (t) => {
      const h = setup(t);
      const token = await h.tokenWithout(policy);
      const call = await prepare(h);
      await h.idle();
      const before = await h.state();
      const deliveries = h.deliveries.length;
      assertForbidden(await call(token), policy);
      await h.idle();
      assert.deepEqual(await h.state(), before);
      assert.equal(h.deliveries.length, deliveries, 'no webhook fired');
    });
  }

  it('answers POST /queue_tickets with 403 naming create_queue_ticket when the credential that created the visitor lacks it', async (t) => {
    // Inferred: a ticket is filed with the visitor token ("Queues and queue tickets", "The simulator"), and contract.md lists a
    // missing "Create Queue Ticket" policy as a real cause of failure, so the policy can only be
    // the one of the credential that created the visitor.
    const h = setup(t);
    const token = await h.tokenWithout('create_queue_ticket');
    const visitor = await h.createVisitor(token);
    const r = await h.fileTicket(visitor.access_token);
    assertForbidden(r, 'create_queue_ticket');
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('refuses a site-type credential without create_visitor in the same way', async (t) => {
    const h = setup(t);
    const credential = {apiKeyId: randomUUID(), apiKeySecret: `gls_${randomUUID()}`};
    await h.register({
      api_key_id: credential.apiKeyId,
      api_key_secret: credential.apiKeySecret,
      type: 'site',
      policies: ALL_POLICIES.filter((p) => p !== 'create_visitor'),
    });
    const token = await h.siteToken(credential);
    assertForbidden(await h.req('POST', '/visitors', {token, body: {}}), 'create_visitor');
    assert.equal((await h.state()).visitors.length, 0);
  });

  it('lets a registered credential with policies omitted do every step', async (t) => {
    const h = setup(t);
    const credential = {apiKeyId: randomUUID(), apiKeySecret: `svc-${randomUUID()}`};
    await h.register({
      api_key_id: credential.apiKeyId,
      api_key_secret: credential.apiKeySecret,
      type: 'service',
    });
    const token = await h.serviceToken(credential);
    const visitor = await h.createVisitor(token);
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    assert.equal((await h.req('PATCH', path, {token, body: {name: 'Ada'}})).status, 200);
    assert.equal((await h.req('GET', path, {token})).status, 200);
    assert.equal((await h.fileTicket(visitor.access_token)).status, 201);
  });
});

describe('Accept header ("Conventions", "The simulator")', () => {
  it('serves requests that send Accept: application/vnd.salemove.v1+json', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    const r = await h.req('POST', '/visitors', {token, body: {}, accept: V1});
    assert.equal(r.status, 200);
  });

  it('tolerates a missing Accept header', async (t) => {
    const h = setup(t);
    const r = await h.req<{access_token: string}>('POST', '/sites/tokens', {
      accept: null,
      body: {
        api_key_id: SEED.siteApiKey.apiKeyId,
        api_key_secret: SEED.siteApiKey.apiKeySecret,
      },
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    const visitor = await h.req<VisitorCreated>('POST', '/visitors', {
      accept: null,
      token: r.body.access_token,
      body: {},
    });
    assert.equal(visitor.status, 200);
    const ticket = await h.req('POST', '/queue_tickets', {
      accept: null,
      token: visitor.body.access_token,
      body: h.ticketBody(),
    });
    assert.equal(ticket.status, 201);
  });

  it('answers another vnd.salemove version with 400 in the legacy array shape and changes nothing', async (t) => {
    // "The simulator" states the rule only for "a different vnd.salemove.vN"; other media types
    // (application/json, */*) are left open and not tested.
    const h = setup(t);
    const token = await h.siteToken();
    const before = await h.state();
    for (const accept of ['application/vnd.salemove.v2+json', 'application/vnd.salemove.v0+json']) {
      for (const [method, path, body] of [
        ['POST', '/visitors', {}],
        [
          'POST',
          '/sites/tokens',
          {api_key_id: SEED.siteApiKey.apiKeyId, api_key_secret: SEED.siteApiKey.apiKeySecret},
        ],
      ] as const) {
        const r = await h.req<{error: string; message: string; debug_message: unknown}[]>(
          method,
          path,
          {token, body, accept}
        );
        assert.equal(r.status, 400, `${method} ${path} with ${accept}: ${r.text}`);
        assert.ok(Array.isArray(r.body), r.text);
        assert.equal(r.body.length, 1);
        assert.equal(r.body[0]?.error, 'BadRequest');
        assert.equal(r.body[0]?.message, 'Invalid api version used');
        assert.equal(typeof r.body[0]?.debug_message, 'string');
      }
    }
    assert.deepEqual(await h.state(), before);
  });
});

describe('visitors ("Visitors", "The visitor\'s token", "The simulator")', () => {
  it('creates a visitor with a site token: 200 {id, access_token}', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    const withBody = await h.req<VisitorCreated>('POST', '/visitors', {token, body: {}});
    assert.equal(withBody.status, 200);
    assert.match(withBody.body.id, UUID_V4);
    assert.equal(typeof withBody.body.access_token, 'string');
    // "Visitors": body "none or {}".
    const withoutBody = await h.req<VisitorCreated>('POST', '/visitors', {token});
    assert.equal(withoutBody.status, 200, withoutBody.text);
    assert.notEqual(withoutBody.body.id, withBody.body.id);
    const ids = (await h.state()).visitors.map((v) => v.id);
    assert.ok(ids.includes(withBody.body.id) && ids.includes(withoutBody.body.id));
  });

  it('creates a visitor with a service token', async (t) => {
    // "Visitors" leaves this [INFERRED] from the "Create Visitor" policy; contract.md gives service
    // credentials that policy, so a service token with it may create visitors.
    const h = setup(t);
    const r = await h.req<VisitorCreated>('POST', '/visitors', {
      token: await h.serviceToken(),
      body: {},
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.body.id, UUID_V4);
  });

  it("issues the visitor token as an HS512 JWT with Glia's claims and a configurable lifetime", async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const {header, payload} = decodeJwt(visitor.access_token);
    assert.equal(header.alg, 'HS512');
    assert.match(String(payload.sub), /^application:[0-9a-f-]{36}$/i);
    assert.equal(payload.iss, 'SaleMove API');
    const roles = payload.roles as Record<string, unknown>[];
    assert.ok(Array.isArray(roles));
    assert.deepEqual(
      roles.find((r) => r.type === 'visitor'),
      {type: 'visitor', visitor_id: visitor.id}
    );
    assert.deepEqual(
      roles.find((r) => r.type === 'site_visitor'),
      {type: 'site_visitor', site_id: SEED.siteId}
    );
    // "The visitor's token": the documented example lived 14 days; "The simulator": `exp` configurable.
    assert.equal((payload.exp as number) - (payload.iat as number), 1_209_600);

    const short = setup(t, {visitorTokenTtlSeconds: 7200});
    const {payload: shortPayload} = decodeJwt((await short.createVisitor()).access_token);
    assert.equal((shortPayload.exp as number) - (shortPayload.iat as number), 7200);
  });

  it('renews a visitor token: 200 {id, access_token} for the same visitor, usable at once', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    const visitor = await h.createVisitor(token);
    const r = await h.req<VisitorCreated>('POST', `/visitors/${visitor.id}/token`, {token});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, visitor.id);
    assert.equal(typeof r.body.access_token, 'string');
    const {payload} = decodeJwt(r.body.access_token);
    assert.ok(
      (payload.roles as Record<string, unknown>[]).some((x) => x.visitor_id === visitor.id)
    );
    assert.equal((await h.fileTicket(r.body.access_token)).status, 201);
  });

  it('answers a renewal for an unknown visitor with a Glia 4xx', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    assertGlia4xx(await h.req('POST', `/visitors/${randomUUID()}/token`, {token}));
  });

  it('fetches a visitor with every "Visitors" field, blanks as null', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const r = await h.req<Record<string, unknown>>(
      'GET',
      `/sites/${SEED.siteId}/visitors/${visitor.id}`,
      {token: await h.serviceToken()}
    );
    assert.equal(r.status, 200, r.text);
    for (const field of [
      'href',
      'id',
      'name',
      'email',
      'phone',
      'note',
      'custom_attributes',
      'banned',
      'authenticated_attributes',
      'generated_name',
    ]) {
      assert.ok(field in r.body, `visitor lacks ${field}: ${r.text}`);
    }
    assert.equal(r.body.id, visitor.id);
    // "Conventions": blank fields are returned as null, not omitted.
    assert.equal(r.body.name, null);
    assert.equal(r.body.email, null);
    assert.equal(r.body.phone, null);
    assert.equal(r.body.note, null);
    assert.equal(typeof r.body.banned, 'boolean');
  });

  it('updates name, email, phone and note and answers with the full visitor; the note replaces by default', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    const first = await h.req<Record<string, unknown>>('PATCH', path, {
      token,
      body: {name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15551234567', note: 'one'},
    });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.id, visitor.id);
    assert.equal(first.body.name, 'Ada Lovelace');
    assert.equal(first.body.email, 'ada@example.com');
    // "Visitors": the example normalises the phone without `+`; either spelling carries the number.
    assert.match(String(first.body.phone), /^\+?15551234567$/);
    assert.equal(first.body.note, 'one');
    for (const field of ['href', 'custom_attributes', 'banned', 'generated_name']) {
      assert.ok(field in first.body, `PATCH answer lacks ${field}`);
    }
    const second = await h.req<Record<string, unknown>>('PATCH', path, {
      token,
      body: {note: 'two'},
    });
    assert.equal(second.body.note, 'two');
    assert.equal(second.body.name, 'Ada Lovelace', 'fields not sent stay');
    const fetched = await h.req<Record<string, unknown>>('GET', path, {token});
    assert.equal(fetched.body.note, 'two');
    assert.equal(fetched.body.email, 'ada@example.com');
  });

  it('appends to the note with note_update_method: append', async (t) => {
    // "Visitors" does not say how appended text is joined, so only order and content are asserted.
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await h.req('PATCH', path, {token, body: {note: 'first part'}});
    const r = await h.req<{note: string}>('PATCH', path, {
      token,
      body: {note: 'second part', note_update_method: 'append'},
    });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.note.startsWith('first part'), r.body.note);
    assert.ok(r.body.note.endsWith('second part'), r.body.note);
    const replaced = await h.req<{note: string}>('PATCH', path, {
      token,
      body: {note: 'third', note_update_method: 'replace'},
    });
    assert.equal(replaced.body.note, 'third');
  });

  it('replaces custom attributes by default and with custom_attributes_update_method: replace', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await h.req('PATCH', path, {token, body: {custom_attributes: {a: '1', b: '2'}}});
    const r = await h.req<{custom_attributes: unknown}>('PATCH', path, {
      token,
      body: {custom_attributes: {c: '3'}},
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.custom_attributes, {c: '3'});
    const explicit = await h.req<{custom_attributes: unknown}>('PATCH', path, {
      token,
      body: {custom_attributes: {d: '4'}, custom_attributes_update_method: 'replace'},
    });
    assert.deepEqual(explicit.body.custom_attributes, {d: '4'});
  });

  it('merges custom attributes with custom_attributes_update_method: merge, a null value deleting its key', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await h.req('PATCH', path, {token, body: {custom_attributes: {a: '1', b: '2', c: '3'}}});
    const r = await h.req<{custom_attributes: unknown}>('PATCH', path, {
      token,
      body: {
        custom_attributes: {b: null, c: 'three', d: '4'},
        custom_attributes_update_method: 'merge',
      },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.custom_attributes, {a: '1', c: 'three', d: '4'});
    const fetched = await h.req<{custom_attributes: unknown}>('GET', path, {token});
    assert.deepEqual(fetched.body.custom_attributes, {a: '1', c: 'three', d: '4'});
  });

  it('shows the updated visitor in GET /__sim/state', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    await h.req('PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {
      token: await h.serviceToken(),
      body: {name: 'Grace', note: 'printer on fire', custom_attributes: {floor: '3'}},
    });
    const seen = (await h.state()).visitors.find((v) => v.id === visitor.id);
    assert.deepEqual(
      {name: seen?.name, note: seen?.note, custom_attributes: seen?.custom_attributes},
      {name: 'Grace', note: 'printer on fire', custom_attributes: {floor: '3'}}
    );
  });
});

describe('queues ("Queues and queue tickets", seed)', () => {
  it('holds the seeded site with one open and one closed queue', async (t) => {
    const h = setup(t);
    const state = await h.state();
    assert.deepEqual(
      state.sites.map((s) => s.id),
      [SEED.siteId]
    );
    const open = state.queues.find((q) => q.id === SEED.openQueue.id);
    const closed = state.queues.find((q) => q.id === SEED.closedQueue.id);
    assert.deepEqual(
      {id: open?.id, site_id: open?.site_id, name: open?.name, open: open?.open},
      {id: SEED.openQueue.id, site_id: SEED.siteId, name: SEED.openQueue.name, open: true}
    );
    assert.deepEqual(
      {id: closed?.id, site_id: closed?.site_id, name: closed?.name, open: closed?.open},
      {id: SEED.closedQueue.id, site_id: SEED.siteId, name: SEED.closedQueue.name, open: false}
    );
  });

  it('serves GET /queues/{queue_id} for both seeded queues', async (t) => {
    // "Queues and queue tickets": "response shape not shown", so only the status and the id are asserted.
    const h = setup(t);
    const token = await h.serviceToken();
    for (const queue of [SEED.openQueue, SEED.closedQueue]) {
      const r = await h.req<{id: string}>('GET', `/queues/${queue.id}`, {token});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.id, queue.id);
    }
  });

  it('answers an unknown queue id with a Glia 4xx', async (t) => {
    const h = setup(t);
    const token = await h.serviceToken();
    assertGlia4xx(await h.req('GET', `/queues/${randomUUID()}`, {token}));
  });
});

describe('queue tickets ("Queues and queue tickets", "Webhooks", "The simulator")', () => {
  it('files a ticket with the visitor token: 201 and the "Queues and queue tickets" SIM-CHOICE body', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const r = await h.fileTicket(visitor.access_token);
    assert.equal(r.status, 201, r.text);
    assert.match(String(r.body.id), UUID_V4);
    assert.equal(r.body.site_id, SEED.siteId);
    assert.equal(r.body.visitor_id, visitor.id);
    assert.deepEqual(r.body.queue_ids, [SEED.openQueue.id]);
    assert.equal(r.body.media, 'text');
    assert.equal(r.body.source, 'visitor_integrator');
    assert.equal(r.body.state, 'queued');
    assert.match(String(r.body.created_at), ISO_TIMESTAMP);
    const ticket = (await h.state()).tickets.find((x) => x.id === r.body.id);
    assert.equal(ticket?.visitor_id, visitor.id);
    assert.equal(ticket?.queue_id, SEED.openQueue.id);
  });

  it('accepts queue_ids: [id] as well as queue_id', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const r = await h.fileTicket(visitor.access_token, {
      queue_id: undefined,
      queue_ids: [SEED.openQueue.id],
    });
    assert.equal(r.status, 201, r.text);
    const ticket = (await h.state()).tickets.find((x) => x.visitor_id === visitor.id);
    assert.equal(ticket?.queue_id, SEED.openQueue.id);
  });

  it('answers the same criteria again with 200 and the same ticket', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const first = await h.fileTicket(visitor.access_token);
    const again = await h.fileTicket(visitor.access_token);
    assert.equal(first.status, 201);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.equal((await h.state()).tickets.length, 1);
  });

  it('answers conflicting criteria with 409 and keeps the first ticket', async (t) => {
    // "Error bodies": the 409 body is unknown, so only the status is asserted.
    const h = setup(t);
    const visitor = await h.createVisitor();
    assert.equal((await h.fileTicket(visitor.access_token)).status, 201);
    const before = await h.state();
    const phone = await h.fileTicket(visitor.access_token, {
      media: 'phone',
      media_options: {phone_number: '+15551234567', one_way: true},
    });
    assert.equal(phone.status, 409, phone.text);
    const otherQueue = await h.fileTicket(visitor.access_token, {queue_id: SEED.closedQueue.id});
    assert.equal(otherQueue.status, 409, otherQueue.text);
    assert.deepEqual(await h.state(), before);
  });

  it('accepts media text and phone and refuses audio, video and other media with 422', async (t) => {
    const h = setup(t);
    const phoneVisitor = await h.createVisitor();
    const phone = await h.fileTicket(phoneVisitor.access_token, {
      media: 'phone',
      media_options: {phone_number: '+15551234567', one_way: true},
    });
    assert.equal(phone.status, 201, phone.text);
    const visitor = await h.createVisitor();
    for (const media of ['audio', 'video', 'smoke-signal']) {
      assertValidation(await h.fileTicket(visitor.access_token, {media}));
    }
    assert.equal((await h.state()).tickets.length, 1);
  });

  it('refuses a ticket without site_id or media with 422', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    assertValidation(await h.fileTicket(visitor.access_token, {site_id: undefined}));
    assertValidation(await h.fileTicket(visitor.access_token, {media: undefined}));
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('accepts 10 webhooks and refuses 11 with 422', async (t) => {
    const h = setup(t);
    const hook = (i: number) => ({
      url: `http://proxy.test/hook/${i}`,
      method: 'POST',
      events: ['engagement.start'],
    });
    const many = await h.createVisitor();
    const eleven = Array.from({length: 11}, (_, i) => hook(i));
    assertValidation(await h.fileTicket(many.access_token, {webhooks: eleven}));
    assert.equal((await h.state()).tickets.length, 0);
    assert.equal(
      (await h.fileTicket(many.access_token, {webhooks: eleven.slice(0, 10)})).status,
      201
    );
  });

  it('refuses a webhook without url, method or events with 422', async (t) => {
    // "Webhooks": url, method and events (≥ 1) are required.
    const h = setup(t);
    const visitor = await h.createVisitor();
    const whole = {url: HOOK_URL, method: 'POST', events: ['engagement.start']};
    for (const broken of [
      {...whole, url: undefined},
      {...whole, method: undefined},
      {...whole, events: undefined},
      {...whole, events: []},
    ]) {
      assertValidation(await h.fileTicket(visitor.access_token, {webhooks: [broken]}));
    }
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('requires the visitor token: a service token is refused with 401 or 403', async (t) => {
    // "The simulator" "visitor token required"; which of 401/403 is not stated.
    const h = setup(t);
    const r = await h.fileTicket(await h.serviceToken());
    assertGlia4xx(r, [401, 403]);
    assert.equal((await h.state()).tickets.length, 0);
  });

  it("answers an unknown site_id with Glia's error", async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    assertGlia4xx(await h.fileTicket(visitor.access_token, {site_id: randomUUID()}));
    assert.equal((await h.state()).tickets.length, 0);
  });

  it("answers an unknown queue_id with Glia's error", async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    assertGlia4xx(await h.fileTicket(visitor.access_token, {queue_id: randomUUID()}));
    assert.equal((await h.state()).tickets.length, 0);
  });

  it('ends a ticket to a closed queue in engagement.request.failure', async (t) => {
    // "The simulator" does not say whether the POST itself succeeds; only the outcome is asserted.
    const h = setup(t);
    const visitor = await h.createVisitor();
    const r = await h.fileTicket(visitor.access_token, {queue_id: SEED.closedQueue.id});
    assert.ok(r.status < 500, r.text);
    await h.idle();
    assert.equal(h.events('engagement.request.failure').length, 1);
    assert.equal(h.events('engagement.start').length, 0);
  });

  it('fires engagement.request.failure when the operator rejects, and the visitor may file again (201)', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    assert.equal((await h.fileTicket(visitor.access_token)).status, 201);
    const ticketId = await h.ticketOf(visitor.id);
    const r = await h.req('POST', `/__sim/queue_tickets/${ticketId}/reject`);
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    await h.idle();
    assert.equal(h.events('engagement.request.failure').length, 1);
    // A failed ticket is no longer the visitor's active ticket ("Queues and queue tickets": 200 is for an active one).
    assert.equal((await h.fileTicket(visitor.access_token)).status, 201);
  });
});

describe('engagements ("Engagements", "Chat messages", "The simulator")', () => {
  it('creates the engagement on accept and fires engagement.start with its id and visitor_id', async (t) => {
    const h = setup(t);
    const {visitor, ticketId, engagementId} = await h.engage();
    await h.idle();
    const starts = h.events('engagement.start');
    assert.equal(starts.length, 1);
    assert.equal(starts[0]?.body.engagement?.id, engagementId);
    assert.equal(starts[0]?.body.engagement?.visitor_id, visitor.id);
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.ticket_id, ticketId);
    assert.equal(engagement?.visitor_id, visitor.id);
    assert.match(JSON.stringify(engagement?.operator), /Alex Rivera/);
    assert.deepEqual(engagement?.messages, []);
  });

  it('names an operator when accept has no body', async (t) => {
    // contract.md: `{operator?: {name}}`; who accepts when it is omitted is not stated.
    const h = setup(t);
    const visitor = await h.createVisitor();
    await h.fileTicket(visitor.access_token);
    const ticketId = await h.ticketOf(visitor.id);
    const r = await h.req('POST', `/__sim/queue_tickets/${ticketId}/accept`);
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    const engagement = (await h.state()).engagements.find((e) => e.ticket_id === ticketId);
    assert.ok(engagement);
    assert.notEqual(engagement.operator, null);
  });

  it('serves GET /engagements/{id} with its id, visitor, source, queue and links', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const r = await h.req<Record<string, unknown>>('GET', `/engagements/${engagementId}`, {
      token: await h.serviceToken(),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, engagementId);
    assert.equal(r.body.visitor_id, visitor.id);
    assert.equal(r.body.source, 'visitor_integrator');
    assert.match(String(r.body.created_at), ISO_TIMESTAMP);
    assert.ok(
      (r.body.queues as {id: string}[]).some((q) => q.id === SEED.openQueue.id),
      'queues names the queue'
    );
    assert.equal(typeof (r.body.visitor as {href?: unknown} | undefined)?.href, 'string');
    assert.equal(typeof (r.body.chat_transcript as {href?: unknown} | undefined)?.href, 'string');
    assert.ok(Array.isArray(r.body.operators) && Array.isArray(r.body.legs));
  });

  it('serves GET /engagements/{id} with every field "Engagements" lists, blanks as null', async (t) => {
    // "The simulator": "GET /engagements/{id} … with the "Engagements" shapes"; "Conventions": "Blank fields are returned as
    // null, not omitted".
    const h = setup(t);
    const {engagementId} = await h.engage();
    const r = await h.req<Record<string, unknown>>('GET', `/engagements/${engagementId}`, {
      token: await h.serviceToken(),
    });
    assert.equal(r.status, 200, r.text);
    const missing = [
      'id',
      'engagement_type',
      'created_at',
      'duration',
      'visitor_name',
      'visitor_browser',
      'visitor_device_type',
      'visitor_id',
      'cobrowsing_used',
      'video_used',
      'audio_used',
      'flagged',
      'queue_wait_time',
      'platform',
      'audio_recording_urls',
      'crm_forwarded',
      'summary_forwarded',
      'visitor',
      'chat_transcript',
      'operators',
      'source',
      'queues',
      'legs',
    ].filter((field) => !(field in r.body));
    const legs = (r.body.legs ?? []) as Record<string, unknown>[];
    assert.ok(legs.length > 0, 'an accepted engagement has a leg');
    for (const leg of legs) {
      for (const field of [
        'id',
        'operator',
        'site',
        'requested_at',
        'accepted_at',
        'request_type',
        'request_source',
        'offered_media_type',
        'accepted_media_type',
        'request_queues',
        'duration',
        'highest_visitor_media_type',
        'highest_operator_media_type',
        'used_cobrowsing',
        'ended_at',
        'end_reason',
      ]) {
        if (!(field in leg)) missing.push(`legs[].${field}`);
      }
    }
    assert.deepEqual(missing, [], `GET /engagements/{id} omits: ${missing.join(', ')}`);
  });

  it(`answers a visitor's PUT chat_messages/{uuid} with 200 and the message object of "Chat messages"`, async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const id = randomUUID();
    const r = await h.req<Record<string, unknown>>(
      'PUT',
      `/engagements/${engagementId}/chat_messages/${id}`,
      {token: visitor.access_token, body: {content: 'My laptop will not boot'}}
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, id);
    assert.equal(r.body.engagement_id, engagementId);
    assert.equal(typeof r.body.sub_engagement_id, 'string');
    assert.equal(r.body.content, 'My laptop will not boot');
    assert.equal(r.body.target, 'operator');
    assert.equal(r.body.type, 'chat');
    assert.equal(r.body.status, 'sent');
    assert.deepEqual(
      (r.body.sender as Record<string, unknown> | undefined)?.type,
      'visitor',
      r.text
    );
    assert.match(String(r.body.timestamp), ISO_TIMESTAMP);
  });

  it('keeps one message when the same uuid is PUT twice', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const id = randomUUID();
    const path = `/engagements/${engagementId}/chat_messages/${id}`;
    const first = await h.req<Record<string, unknown>>('PUT', path, {
      token: visitor.access_token,
      body: {content: 'hello'},
    });
    const second = await h.req<Record<string, unknown>>('PUT', path, {
      token: visitor.access_token,
      body: {content: 'hello'},
    });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.body.content, 'hello');
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.messages.length, 1);
    const transcript = await h.req<unknown[]>(
      'GET',
      `/engagements/${engagementId}/chat_transcript`,
      {
        token: await h.serviceToken(),
      }
    );
    assert.equal(transcript.body.length, 1);
  });

  it('echoes a visitor message to the webhook with target operator, then sends its message_status', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const id = randomUUID();
    await h.req('PUT', `/engagements/${engagementId}/chat_messages/${id}`, {
      token: visitor.access_token,
      body: {content: 'ping'},
    });
    await h.idle();
    const echoes = h.events('engagement.chat.message');
    assert.equal(echoes.length, 1);
    const message = echoes[0]?.body.message;
    assert.equal(message?.id, id);
    assert.equal(message?.target, 'operator');
    assert.equal(message?.content, 'ping');
    assert.equal(message?.engagement_id, engagementId);
    // The status follows after a delay (messageStatusDelayMs), so it is awaited.
    await until(() => h.events('engagement.chat.message_status').length > 0);
    const statuses = h.events('engagement.chat.message_status');
    assert.ok(statuses.length >= 1, 'message_status follows');
    assert.equal(statuses[0]?.body.message?.id, id);
    assert.equal(typeof statuses[0]?.body.message?.status, 'string');
  });

  it('takes the sender from the token, never from the body', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const id = randomUUID();
    const r = await h.req<{sender?: {type?: string}}>(
      'PUT',
      `/engagements/${engagementId}/chat_messages/${id}`,
      {token: visitor.access_token, body: {content: 'spoof', sender: {type: 'operator'}}}
    );
    // An unknown body field may be ignored or refused; either way no operator message appears.
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.ok(engagement, 'the engagement is in the state');
    const spoofs = engagement.messages.filter((m) => m.content === 'spoof');
    if (r.status === 200) {
      assert.equal(r.body.sender?.type, 'visitor');
      assert.deepEqual(
        spoofs.map((m) => senderType(m.sender)),
        ['visitor'],
        'stored once, as the visitor'
      );
    } else {
      assertGlia4xx(r);
      assert.deepEqual(spoofs, [], 'a refused message is not stored');
    }
  });

  it('refuses chat from a visitor who is not a participant with 403', async (t) => {
    // "Chat messages": 403 "not a participant" [INFERRED from sibling endpoints].
    const h = setup(t);
    const {engagementId} = await h.engage();
    const stranger = await h.createVisitor();
    const r = await h.req('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
      token: stranger.access_token,
      body: {content: 'let me in'},
    });
    assertForbidden(r);
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.messages.length, 0);
  });

  it('delivers an operator message (control API) with target visitor and sender operator', async (t) => {
    const h = setup(t);
    const {engagementId} = await h.engage();
    const r = await h.req('POST', `/__sim/engagements/${engagementId}/messages`, {
      body: {content: 'Hi, this is Alex'},
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    await h.idle();
    const messages = h.events('engagement.chat.message');
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.body.message?.target, 'visitor');
    assert.equal(messages[0]?.body.message?.sender?.type, 'operator');
    assert.equal(messages[0]?.body.message?.content, 'Hi, this is Alex');
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.messages.length, 1);
    assert.equal(engagement?.messages[0]?.content, 'Hi, this is Alex');
    assert.equal(engagement?.messages[0]?.target, 'visitor');
    assert.equal(senderType(engagement?.messages[0]?.sender), 'operator');
  });

  it('answers the typing indicator with 204, 403 for a non-participant and 422 for an invalid body', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const path = `/engagements/${engagementId}/typing_indicator`;
    const ok = await h.req('PUT', path, {token: visitor.access_token, body: {typing: true}});
    assert.equal(ok.status, 204, ok.text);
    assert.equal(ok.text, '');
    assert.equal(
      (await h.req('PUT', path, {token: visitor.access_token, body: {typing: false}})).status,
      204
    );
    const stranger = await h.createVisitor();
    assertForbidden(await h.req('PUT', path, {token: stranger.access_token, body: {typing: true}}));
    assertValidation(
      await h.req('PUT', path, {token: visitor.access_token, body: {typing: 'yes'}})
    );
    assertValidation(await h.req('PUT', path, {token: visitor.access_token, body: {}}));
  });

  it('lets the visitor end the engagement: 200 {id, sub_engagement_id}, engagement.end fires, a second end is 422', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const path = `/engagements/${engagementId}`;
    const r = await h.req<Record<string, unknown>>('PATCH', path, {
      token: visitor.access_token,
      body: {action: 'end'},
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, engagementId);
    assert.equal(typeof r.body.sub_engagement_id, 'string');
    await h.idle();
    const ends = h.events('engagement.end');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]?.body.engagement?.id, engagementId);
    const afterFirst = await h.state();
    assertValidation(
      await h.req('PATCH', path, {token: visitor.access_token, body: {action: 'end'}})
    );
    await h.idle();
    assert.equal(h.events('engagement.end').length, 1);
    assert.deepEqual(await h.state(), afterFirst);
  });

  it('accepts an end with reason error', async (t) => {
    // "Engagements": optional `reason`, docs list only `error`.
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const r = await h.req('PATCH', `/engagements/${engagementId}`, {
      token: visitor.access_token,
      body: {action: 'end', reason: 'error'},
    });
    assert.equal(r.status, 200, r.text);
  });

  it('refuses an end by a visitor who is not a participant with 403', async (t) => {
    const h = setup(t);
    const {engagementId} = await h.engage();
    const stranger = await h.createVisitor();
    const before = await h.state();
    assertForbidden(
      await h.req('PATCH', `/engagements/${engagementId}`, {
        token: stranger.access_token,
        body: {action: 'end'},
      })
    );
    assert.deepEqual(await h.state(), before);
    await h.idle();
    assert.equal(h.events('engagement.end').length, 0);
  });

  it('answers chat and typing on an ended engagement with 422', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    await h.req('PATCH', `/engagements/${engagementId}`, {
      token: visitor.access_token,
      body: {action: 'end'},
    });
    assertValidation(
      await h.req('PUT', `/engagements/${engagementId}/typing_indicator`, {
        token: visitor.access_token,
        body: {typing: true},
      })
    );
    // "Chat messages": 422 on an ended engagement [INFERRED from typing_indicator].
    assertValidation(
      await h.req('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
        token: visitor.access_token,
        body: {content: 'anyone?'},
      })
    );
  });

  it('ends from the operator side (control API) with engagement.end, after which the visitor end is 422', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const before = (await h.state()).engagements.find((e) => e.id === engagementId)?.state;
    const r = await h.req('POST', `/__sim/engagements/${engagementId}/end`);
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    await h.idle();
    assert.equal(h.events('engagement.end').length, 1);
    assert.equal(h.events('engagement.end')[0]?.body.engagement?.id, engagementId);
    const after = (await h.state()).engagements.find((e) => e.id === engagementId)?.state;
    assert.notEqual(after, before, 'the engagement state changes on end');
    assertValidation(
      await h.req('PATCH', `/engagements/${engagementId}`, {
        token: visitor.access_token,
        body: {action: 'end'},
      })
    );
  });

  it('transfers (control API): engagement.transfer fires and the operator changes', async (t) => {
    // "Webhooks": the transfer payload is [UNVERIFIED]; only the event type is asserted.
    const h = setup(t);
    const {engagementId} = await h.engage();
    const r = await h.req('POST', `/__sim/engagements/${engagementId}/transfer`, {
      body: {operator: {name: 'Sam Okafor'}},
    });
    assert.ok(r.status >= 200 && r.status < 300, r.text);
    await h.idle();
    assert.equal(h.events('engagement.transfer').length, 1);
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.match(JSON.stringify(engagement?.operator), /Sam Okafor/);
  });

  it('lists both sides in order in the chat transcript', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    await h.req('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'question'},
    });
    await h.req('POST', `/__sim/engagements/${engagementId}/messages`, {
      body: {content: 'answer'},
    });
    const r = await h.req<{message: string; sender: {type: string}; created_at: string}[]>(
      'GET',
      `/engagements/${engagementId}/chat_transcript`,
      {token: await h.serviceToken()}
    );
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body), r.text);
    assert.deepEqual(
      r.body.map((m) => [m.message, m.sender.type]),
      [
        ['question', 'visitor'],
        ['answer', 'operator'],
      ]
    );
    for (const m of r.body) assert.match(m.created_at, ISO_TIMESTAMP);
  });

  it("answers an unknown engagement id with Glia's error on every engagement endpoint", async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const service = await h.serviceToken();
    const id = randomUUID();
    assertGlia4xx(await h.req('GET', `/engagements/${id}`, {token: service}));
    assertGlia4xx(await h.req('GET', `/engagements/${id}/chat_transcript`, {token: service}));
    assertGlia4xx(
      await h.req('PUT', `/engagements/${id}/chat_messages/${randomUUID()}`, {
        token: visitor.access_token,
        body: {content: 'x'},
      })
    );
    assertGlia4xx(
      await h.req('PUT', `/engagements/${id}/typing_indicator`, {
        token: visitor.access_token,
        body: {typing: true},
      })
    );
    assertGlia4xx(
      await h.req('PATCH', `/engagements/${id}`, {
        token: visitor.access_token,
        body: {action: 'end'},
      })
    );
  });
});

describe('webhooks ("Webhooks", "The simulator")', () => {
  it('delivers to the registered URL with the registered method and headers, as JSON', async (t) => {
    const h = setup(t);
    await h.engage({
      webhooks: [
        {
          url: 'http://receiver.test/glia/events?session=42',
          method: 'PATCH',
          headers: {Authorization: HOOK_SECRET, 'X-Webhook-Token': 'tok-123'},
          events: ALL_EVENTS,
        },
      ],
    });
    await h.idle();
    const start = h.events('engagement.start')[0];
    assert.ok(start, 'engagement.start delivered');
    assert.equal(start.url, 'http://receiver.test/glia/events?session=42');
    assert.equal(start.method, 'PATCH');
    assert.equal(start.headers['authorization'], HOOK_SECRET);
    assert.equal(start.headers['x-webhook-token'], 'tok-123');
    assert.doesNotThrow(() => JSON.parse(start.raw));
    assert.match(start.headers['content-type'] ?? '', /json/);
  });

  it('sends only the registered events', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage({
      webhooks: [{url: HOOK_URL, method: 'POST', events: ['engagement.end']}],
    });
    await h.req('PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'hello'},
    });
    await h.req('POST', `/__sim/engagements/${engagementId}/messages`, {body: {content: 'hi'}});
    await h.req('POST', `/__sim/engagements/${engagementId}/transfer`, {
      body: {operator: {name: 'Sam Okafor'}},
    });
    await h.req('POST', `/__sim/engagements/${engagementId}/end`);
    await h.idle();
    assert.deepEqual(
      h.deliveries.map((d) => d.body.event_type),
      ['engagement.end']
    );
  });

  it("sends a ticket's events only to that ticket's webhooks", async (t) => {
    const h = setup(t);
    const a = await h.engage({
      webhooks: [{url: 'http://a.test/hook', method: 'POST', events: ALL_EVENTS}],
    });
    const b = await h.engage({
      webhooks: [{url: 'http://b.test/hook', method: 'POST', events: ALL_EVENTS}],
    });
    await h.req('POST', `/__sim/engagements/${a.engagementId}/messages`, {
      body: {content: 'for a'},
    });
    await h.idle();
    const toA = h.deliveries.filter((d) => d.url === 'http://a.test/hook');
    const toB = h.deliveries.filter((d) => d.url === 'http://b.test/hook');
    assert.ok(toA.length >= 2);
    assert.ok(toB.length >= 1);
    assert.ok(toA.every((d) => !d.raw.includes(b.engagementId)));
    assert.ok(toB.every((d) => !d.raw.includes(a.engagementId)));
    assert.ok(toB.every((d) => d.body.event_type !== 'engagement.chat.message'));
  });

  it('retries a delivery that fails with a 5xx or a network error until it succeeds', async (t) => {
    const h = setup(t);
    h.answerHooksWith((_delivery, attempt) =>
      attempt === 1 ? 500 : attempt === 2 ? new Error('ECONNRESET') : 204
    );
    await h.engage();
    await h.idle();
    const starts = h.attempts.filter((d) => d.body.event_type === 'engagement.start');
    assert.equal(starts.length, 3, 'two failures, then success');
    assert.equal(new Set(starts.map((d) => d.raw)).size, 1, 'the same payload each time');
    assert.equal(h.events('engagement.start').length, 1);
  });

  it('gives up after the configured number of attempts', async (t) => {
    // The number of attempts is from deps.ts (`webhookRetry.attempts`, the first included);
    // "Webhooks" only says "a few times with backoff".
    const h = setup(t, {webhookRetry: {attempts: 2, baseDelayMs: 1}});
    h.answerHooksWith(() => 503);
    await h.engage();
    await h.idle();
    assert.equal(h.attempts.filter((d) => d.body.event_type === 'engagement.start').length, 2);
  });
});

describe('control API (contract.md)', () => {
  it('GET /__sim/state holds every documented collection, each item with its documented fields', async (t) => {
    const h = setup(t);
    const state = await fullState(h);
    for (const [collection, names] of Object.entries(STATE_FIELDS)) {
      const items = state[collection];
      assert.ok(Array.isArray(items) && items.length > 0, `${collection} is a non-empty list`);
      for (const item of items) {
        for (const name of names) {
          assert.ok(isRecord(item) && name in item, `${collection} item lacks ${name}`);
        }
      }
    }
    const message = (state.engagements as SimState['engagements'])[0]?.messages[0];
    for (const name of MESSAGE_FIELDS) {
      assert.ok(message && name in message, `message lacks ${name}`);
    }
    const kinds = (state.credentials as SimState['credentials']).map((c) => c.type).sort();
    assert.deepEqual(kinds, ['service', 'site']);
  });

  it('GET /__sim/state never holds a secret or a token', async (t) => {
    const h = setup(t);
    const registered = `svc-registered-${randomUUID()}`;
    await h.register({api_key_id: randomUUID(), api_key_secret: registered, type: 'service'});
    const service = await h.serviceToken();
    const site = await h.siteToken();
    const {visitor} = await h.engage();
    const text = (await h.req('GET', '/__sim/state')).text;
    for (const secret of [
      SEED.serviceCredential.apiKeySecret,
      SEED.siteApiKey.apiKeySecret,
      registered,
      service,
      site,
      visitor.access_token,
      // architecture.md step 5: the webhook header carries the proxy's per-session secret.
      HOOK_SECRET,
    ]) {
      assert.ok(!text.includes(secret), `state reveals ${secret.slice(0, 12)}…`);
    }
  });

  it('POST /__sim/credentials registers a credential that works; policies omitted means all eight', async (t) => {
    const h = setup(t);
    const all = {api_key_id: randomUUID(), api_key_secret: `svc-${randomUUID()}`};
    const some = {api_key_id: randomUUID(), api_key_secret: `gls_${randomUUID()}`};
    await h.register({...all, type: 'service'});
    await h.register({...some, type: 'site', policies: ['create_visitor']});
    const credentials = (await h.state()).credentials;
    const a = credentials.find((c) => c.api_key_id === all.api_key_id);
    const s = credentials.find((c) => c.api_key_id === some.api_key_id);
    assert.equal(a?.type, 'service');
    assert.deepEqual([...(a?.policies ?? [])].sort(), [...ALL_POLICIES].sort());
    assert.equal(s?.type, 'site');
    assert.deepEqual(s?.policies, ['create_visitor']);
    await h.serviceToken({apiKeyId: all.api_key_id, apiKeySecret: all.api_key_secret});
    await h.siteToken({apiKeyId: some.api_key_id, apiKeySecret: some.api_key_secret});
  });

  it('refuses malformed credentials with a 4xx and registers nothing', async (t) => {
    const h = setup(t);
    const before = await h.state();
    for (const body of [
      {api_key_id: randomUUID(), api_key_secret: 'x', type: 'operator'},
      {api_key_id: randomUUID(), type: 'service'},
      {api_key_secret: 'x', type: 'service'},
      {api_key_id: randomUUID(), api_key_secret: 'x', type: 'service', policies: 'all'},
      {api_key_id: 42, api_key_secret: 'x', type: 'service'},
    ]) {
      const r = await h.req('POST', '/__sim/credentials', {body});
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body)} → ${r.status}`);
    }
    const malformed = await h.req('POST', '/__sim/credentials', {raw: '{"api_key_id":'});
    assert.ok(malformed.status >= 400 && malformed.status < 500, malformed.text);
    assert.deepEqual(await h.state(), before);
  });

  it('answers control actions on unknown ids with a 4xx and changes nothing', async (t) => {
    const h = setup(t);
    const before = await h.state();
    const id = randomUUID();
    for (const [path, body] of [
      [`/__sim/queue_tickets/${id}/accept`, {}],
      [`/__sim/queue_tickets/${id}/reject`, {}],
      [`/__sim/engagements/${id}/messages`, {content: 'x'}],
      [`/__sim/engagements/${id}/typing`, {typing: true}],
      [`/__sim/engagements/${id}/transfer`, {operator: {name: 'Sam Okafor'}}],
      [`/__sim/engagements/${id}/end`, {}],
    ] as const) {
      const r = await h.req('POST', path, {body});
      assert.ok(r.status >= 400 && r.status < 500, `${path} → ${r.status} ${r.text}`);
    }
    assert.deepEqual(await h.state(), before);
    await h.idle();
    assert.equal(h.deliveries.length, 0);
  });

  it('answers control actions with a missing or mistyped body with a 4xx', async (t) => {
    const h = setup(t);
    const {engagementId} = await h.engage();
    const before = await h.state();
    for (const [path, body] of [
      [`/__sim/engagements/${engagementId}/messages`, {}],
      [`/__sim/engagements/${engagementId}/messages`, {content: 42}],
      [`/__sim/engagements/${engagementId}/typing`, {typing: 'yes'}],
      [`/__sim/engagements/${engagementId}/transfer`, {operator: 'Sam'}],
    ] as const) {
      const r = await h.req('POST', path, {body});
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${JSON.stringify(body)} → ${r.status}`);
    }
    assert.deepEqual(await h.state(), before);
  });

  it('accepts operator typing through the control API', async (t) => {
    // contract.md: "operator typing"; no webhook event for typing is documented ("Webhooks").
    const h = setup(t);
    const {engagementId} = await h.engage();
    for (const typing of [true, false]) {
      const r = await h.req('POST', `/__sim/engagements/${engagementId}/typing`, {body: {typing}});
      assert.ok(r.status >= 200 && r.status < 300, r.text);
    }
  });

  it('faults: a status rule answers that status for `times` requests, then the real answer', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    const set = await h.req('POST', '/__sim/faults', {
      body: {rules: [{method: 'POST', path: '/visitors', status: 503, times: 2}]},
    });
    assert.ok(set.status >= 200 && set.status < 300, set.text);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await h.req('POST', '/visitors', {token, body: {}})).status);
    }
    assert.deepEqual(statuses, [503, 503, 200]);
  });

  it('faults: retry_after sets Retry-After on the injected answer', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    await h.req('POST', '/__sim/faults', {
      body: {rules: [{path: '/visitors', status: 429, retry_after: 7, times: 1}]},
    });
    const r = await h.req('POST', '/visitors', {token, body: {}});
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
  });

  it('faults: delay_ms delays the answer without changing it', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    await h.req('POST', '/__sim/faults', {
      body: {rules: [{path: '/visitors', delay_ms: 300, times: 1}]},
    });
    const started = Date.now();
    const r = await h.req('POST', '/visitors', {token, body: {}});
    const elapsed = Date.now() - started;
    assert.equal(r.status, 200);
    assert.ok(elapsed >= 250, `answered after ${elapsed} ms`);
  });

  it('faults: method restricts a rule to that method', async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const path = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    await h.req('POST', '/__sim/faults', {body: {rules: [{method: 'PATCH', path, status: 500}]}});
    assert.equal((await h.req('GET', path, {token})).status, 200);
    assert.equal((await h.req('PATCH', path, {token, body: {name: 'x'}})).status, 500);
  });

  it('faults: drop_webhook drops and duplicate_webhook duplicates the deliveries to that path', async (t) => {
    // contract.md does not say which path a webhook rule matches; the webhook URL's path is
    // taken here, the only path a delivery has.
    const h = setup(t);
    await h.req('POST', '/__sim/faults', {
      body: {
        rules: [
          {path: '/dropped', drop_webhook: true},
          {path: '/doubled', duplicate_webhook: true},
        ],
      },
    });
    await h.engage({
      webhooks: [{url: 'http://x.test/dropped', method: 'POST', events: ALL_EVENTS}],
    });
    await h.engage({
      webhooks: [{url: 'http://x.test/doubled', method: 'POST', events: ALL_EVENTS}],
    });
    await h.engage({webhooks: [{url: 'http://x.test/plain', method: 'POST', events: ALL_EVENTS}]});
    await h.idle();
    const count = (path: string) =>
      h.attempts.filter((d) => d.url.endsWith(path) && d.body.event_type === 'engagement.start')
        .length;
    assert.equal(count('/dropped'), 0);
    assert.equal(count('/doubled'), 2);
    assert.equal(count('/plain'), 1);
  });

  it('DELETE /__sim/faults removes every rule', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    await h.req('POST', '/__sim/faults', {body: {rules: [{path: '/visitors', status: 500}]}});
    assert.equal((await h.req('POST', '/visitors', {token, body: {}})).status, 500);
    assert.equal((await h.req('POST', '/visitors', {token, body: {}})).status, 500);
    const cleared = await h.req('DELETE', '/__sim/faults');
    assert.ok(cleared.status >= 200 && cleared.status < 300, cleared.text);
    assert.equal((await h.req('POST', '/visitors', {token, body: {}})).status, 200);
  });

  it('refuses malformed fault rules with a 4xx', async (t) => {
    const h = setup(t);
    const token = await h.siteToken();
    for (const body of [
      {},
      {rules: 'all'},
      {rules: [{status: 500}]},
      {rules: [{path: '/visitors', status: 'boom'}]},
      {rules: [{path: '/visitors', times: -1, status: 500}]},
    ]) {
      const r = await h.req('POST', '/__sim/faults', {body});
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body)} → ${r.status}`);
    }
    assert.equal((await h.req('POST', '/visitors', {token, body: {}})).status, 200);
  });

  it('GET /__sim/log lists each request with method, path, credential kind and status', async (t) => {
    // contract.md names what an entry says, not the field names of the credential kind.
    const h = setup(t);
    const site = await h.siteToken();
    const service = await h.serviceToken();
    const visitor = await h.createVisitor(site);
    await h.req('GET', `/sites/${SEED.siteId}/visitors/${visitor.id}`, {token: service});
    await h.fileTicket(visitor.access_token);
    await h.req('GET', `/sites/${SEED.siteId}/visitors/${randomUUID()}`, {token: 'bogus'});
    const r = await h.req('GET', '/__sim/log');
    assert.equal(r.status, 200);
    const entries = logEntries(r.body);
    const find = (method: string, path: string) =>
      entries.find((e) => e.method === method && e.path === path);
    const kindOf = (entry: Record<string, unknown> | undefined) =>
      Object.entries(entry ?? {})
        .filter(([k, v]) => k !== 'method' && k !== 'path' && typeof v === 'string')
        .map(([, v]) => v as string);
    const created = find('POST', '/visitors');
    assert.equal(created?.status, 200);
    assert.ok(
      kindOf(created).some((v) => /site/i.test(v)),
      JSON.stringify(created)
    );
    const fetched = find('GET', `/sites/${SEED.siteId}/visitors/${visitor.id}`);
    assert.equal(fetched?.status, 200);
    assert.ok(
      kindOf(fetched).some((v) => /service/i.test(v)),
      JSON.stringify(fetched)
    );
    const filed = find('POST', '/queue_tickets');
    assert.equal(filed?.status, 201);
    assert.ok(
      kindOf(filed).some((v) => /visitor/i.test(v)),
      JSON.stringify(filed)
    );
    assert.ok(
      entries.some((e) => e.status === 401),
      'the refused request is logged with 401'
    );
  });
});

describe('bad input ("Error bodies", "The simulator")', () => {
  it("answers malformed JSON with Glia's 4xx, never 500, and changes nothing", async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const service = await h.serviceToken();
    const before = await h.state();
    for (const [method, path, token] of [
      ['POST', '/operator_authentication/tokens', undefined],
      ['POST', '/sites/tokens', undefined],
      ['PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, service],
      ['POST', '/queue_tickets', visitor.access_token],
      ['PUT', `/engagements/${engagementId}/chat_messages/${randomUUID()}`, visitor.access_token],
      ['PUT', `/engagements/${engagementId}/typing_indicator`, visitor.access_token],
      ['PATCH', `/engagements/${engagementId}`, visitor.access_token],
    ] as const) {
      const r = await h.req(method, path, {token, raw: '{"content": "unterminated'});
      assertGlia4xx(r);
    }
    assert.deepEqual(await h.state(), before);
  });

  it('answers missing and mistyped fields with 422 and changes nothing', async (t) => {
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const service = await h.serviceToken();
    const before = await h.state();
    const visitorPath = `/sites/${SEED.siteId}/visitors/${visitor.id}`;
    const chat = () => `/engagements/${engagementId}/chat_messages/${randomUUID()}`;
    for (const [method, path, token, body] of [
      ['POST', '/operator_authentication/tokens', undefined, {api_key_id: 1, api_key_secret: 2}],
      ['PATCH', visitorPath, service, {name: 123}],
      ['PATCH', visitorPath, service, {note: 'x', note_update_method: 'prepend'}],
      ['PATCH', visitorPath, service, {custom_attributes: 'not an object'}],
      [
        'PATCH',
        visitorPath,
        service,
        {custom_attributes: {a: '1'}, custom_attributes_update_method: 'upsert'},
      ],
      ['POST', '/queue_tickets', visitor.access_token, {site_id: SEED.siteId, media: 5}],
      ['POST', '/queue_tickets', visitor.access_token, h.ticketBody({webhooks: 'all'})],
      ['PUT', chat(), visitor.access_token, {content: 42}],
      ['PUT', chat(), visitor.access_token, {}],
      // "Chat messages": content may be empty only with a files attachment.
      ['PUT', chat(), visitor.access_token, {content: ''}],
      ['PUT', chat(), visitor.access_token, {content: 'x', target: 'nobody'}],
      ['PATCH', `/engagements/${engagementId}`, visitor.access_token, {action: 'pause'}],
      ['PATCH', `/engagements/${engagementId}`, visitor.access_token, {}],
    ] as const) {
      const r = await h.req(method, path, {token, body});
      assert.equal(
        r.status,
        422,
        `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${r.text}`
      );
      assert.ok(isValidation(r.body), `${method} ${path}: ${r.text}`);
    }
    assert.deepEqual(await h.state(), before);
  });

  it("answers an oversize body with Glia's 4xx and changes nothing", async (t) => {
    const h = setup(t, {maxBodyBytes: 4096});
    const {visitor, engagementId} = await h.engage();
    const service = await h.serviceToken();
    const before = await h.state();
    const big = 'x'.repeat(8192);
    for (const [method, path, token, body] of [
      ['PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, service, {note: big}],
      [
        'PUT',
        `/engagements/${engagementId}/chat_messages/${randomUUID()}`,
        visitor.access_token,
        {content: big},
      ],
      ['POST', '/visitors', await h.siteToken(), {padding: big}],
    ] as const) {
      assertGlia4xx(await h.req(method, path, {token, body}));
    }
    assert.deepEqual(await h.state(), before);
  });

  it("answers unknown visitor and site ids with Glia's 4xx", async (t) => {
    const h = setup(t);
    const visitor = await h.createVisitor();
    const token = await h.serviceToken();
    const before = await h.state();
    assertGlia4xx(await h.req('GET', `/sites/${SEED.siteId}/visitors/${randomUUID()}`, {token}));
    assertGlia4xx(
      await h.req('PATCH', `/sites/${SEED.siteId}/visitors/${randomUUID()}`, {
        token,
        body: {name: 'x'},
      })
    );
    assertGlia4xx(await h.req('GET', `/sites/${randomUUID()}/visitors/${visitor.id}`, {token}));
    assertGlia4xx(
      await h.req('PATCH', `/sites/${randomUUID()}/visitors/${visitor.id}`, {
        token,
        body: {name: 'x'},
      })
    );
    assert.deepEqual(await h.state(), before);
  });

  it('refuses a chat message id that is not a UUID with a 4xx', async (t) => {
    // "Chat messages": the message id is a client-generated UUID v4.
    const h = setup(t);
    const {visitor, engagementId} = await h.engage();
    const r = await h.req('PUT', `/engagements/${engagementId}/chat_messages/not-a-uuid`, {
      token: visitor.access_token,
      body: {content: 'x'},
    });
    assertGlia4xx(r);
    const engagement = (await h.state()).engagements.find((e) => e.id === engagementId);
    assert.equal(engagement?.messages.length, 0);
  });

  it('answers an unrouted path with 404 {error_msg: "404 Route Not Found"}', async (t) => {
    const h = setup(t);
    const r = await h.req('GET', '/no/such/route');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {error_msg: '404 Route Not Found'});
  });
});
