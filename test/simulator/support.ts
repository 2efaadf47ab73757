/**
 * Helpers for the simulator suites: a simulator whose webhooks land in an array, and the calls a
 * Glia client makes, written from docs/glia.md and docs/contract.md rather than from the code.
 */
import assert from 'node:assert/strict';
import {createSimulator} from '../../src/simulator/app.js';
import type {SimulatorDeps} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';
import {WebhookPayload} from '../../src/wire/glia/index.js';

export {SEED};

export const ACCEPT = 'application/vnd.salemove.v1+json';
export const HOOK_URL = 'http://proxy.test/handoff/webhooks/glia/session-1';
export const ALL_EVENTS = [
  'engagement.request.failure',
  'engagement.start',
  'engagement.transfer',
  'engagement.end',
  'engagement.chat.message',
  'engagement.chat.message_status',
] as const;

/** A webhook delivery as the receiver saw it. */
export interface Delivery {
  url: string;
  method: string;
  headers: Record<string, string>;
  payload: WebhookPayload;
}

/** A simulator whose webhook deliveries are recorded (answered 204, as Glia's console-app does). */
export function setup(deps: SimulatorDeps = {}) {
  const deliveries: Delivery[] = [];
  const sim = createSimulator({
    fetch: async (url, init) => {
      deliveries.push({
        url,
        method: init.method,
        headers: init.headers,
        payload: WebhookPayload.parse(JSON.parse(init.body)),
      });
      return new Response(null, {status: 204});
    },
    ...deps,
  });

  async function call(
    method: string,
    path: string,
    options: {token?: string; body?: unknown; raw?: string; headers?: Record<string, string>} = {}
  ): Promise<{status: number; body: unknown; headers: Headers}> {
    const headers: Record<string, string> = {accept: ACCEPT, ...options.headers};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await sim.app.request(path, {method, headers, body});
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      headers: response.headers,
    };
  }

  async function serviceToken(
    credential: {apiKeyId: string; apiKeySecret: string} = SEED.serviceCredential
  ) {
    const r = await call('POST', '/operator_authentication/tokens', {
      body: {api_key_id: credential.apiKeyId, api_key_secret: credential.apiKeySecret},
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as {token: string}).token;
  }

  async function siteToken() {
    const r = await call('POST', '/sites/tokens', {
      body: {api_key_id: SEED.siteApiKey.apiKeyId, api_key_secret: SEED.siteApiKey.apiKeySecret},
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as {access_token: string}).access_token;
  }

  async function newVisitor(token?: string) {
    const r = await call('POST', '/visitors', {token: token ?? (await serviceToken())});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as {id: string; access_token: string};
  }

  function ticketBody(extra: Record<string, unknown> = {}) {
    return {
      site_id: SEED.siteId,
      media: 'text',
      queue_ids: [SEED.openQueue.id],
      source: 'visitor_integrator',
      webhooks: [
        {
          url: HOOK_URL,
          method: 'POST',
          headers: {Authorization: 'Bearer per-session-secret'},
          events: [...ALL_EVENTS],
        },
      ],
      ...extra,
    };
  }

  /** A visitor waiting on the open queue. */
  async function waitingTicket(extra: Record<string, unknown> = {}) {
    const visitor = await newVisitor();
    const r = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: ticketBody(extra),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return {visitor, ticket: r.body as {id: string; state: string}};
  }

  /** A visitor in an engagement with an operator. */
  async function activeEngagement(operatorName?: string) {
    const {visitor, ticket} = await waitingTicket();
    const r = await call('POST', `/__sim/queue_tickets/${ticket.id}/accept`, {
      body: operatorName ? {operator: {name: operatorName}} : {},
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const engagement = (r.body as {engagement: {id: string}}).engagement;
    return {visitor, ticket, engagement};
  }

  async function state() {
    return (await call('GET', '/__sim/state')).body as {
      tickets: {id: string; state: string; webhooks: unknown[]}[];
      engagements: {
        id: string;
        state: string;
        operator: {name: string};
        messages: {id: string; content: string; sender: string; target: string}[];
      }[];
      visitors: {id: string; note: string | null; custom_attributes: Record<string, string>}[];
      credentials: {api_key_id: string; type: string; policies: string[]}[];
    };
  }

  /** Waits for the webhook lanes, then returns the payloads of one event type. */
  async function delivered(eventType?: string) {
    await sim.webhooksIdle();
    return deliveries.filter((d) => eventType === undefined || d.payload.event_type === eventType);
  }

  return {
    sim,
    call,
    serviceToken,
    siteToken,
    newVisitor,
    ticketBody,
    waitingTicket,
    activeEngagement,
    state,
    delivered,
    deliveries,
  };
}

/** A clock the tests move by hand. */
export function fakeClock(start = Date.parse('2026-11-25T10:00:00Z')) {
  let now = start;
  return {now: () => now, advance: (ms: number) => (now += ms)};
}

/** Timers and a clock that move only when the test says so. */
export function fakeTimers(start = Date.parse('2026-11-25T10:00:00Z')) {
  let now = start;
  let nextId = 1;
  const due = new Map<number, {at: number; callback: () => void}>();
  return {
    now: () => now,
    timers: {
      setTimeout: (callback: () => void, ms: number) => {
        const id = nextId++;
        due.set(id, {at: now + ms, callback});
        return id;
      },
      clearTimeout: (handle: unknown) => {
        due.delete(handle as number);
      },
    },
    /** Moves the clock, running each timer that falls due in order (and letting promises settle). */
    async tick(ms: number) {
      const end = now + ms;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const next = [...due.entries()]
          .filter(([, t]) => t.at <= end)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = end;
      await new Promise((resolve) => setImmediate(resolve));
    },
    get pending() {
      return due.size;
    },
  };
}
