/**
 * @module The load generator's visitors, three kinds, doing the same Glia traffic:
 * - a proxy visitor is a browser: `POST /handoff/sessions`, then the SSE stream, then its messages
 *   through the proxy;
 * - a direct visitor is an integrator talking to Glia itself, like the proxy does (token, visitor,
 *   details, ticket with webhooks), whose webhooks go to a trivial receiver in this process;
 * - a relay visitor is a direct visitor whose webhooks go to the bare relay, and who reads the
 *   relay's stream as a browser reads the proxy's.
 * Each counts what reaches it in the current Ledger of its mode.
 */
import {performance} from 'node:perf_hooks';
import {randomBytes} from 'node:crypto';
import {GLIA_ACCEPT, WEBHOOK_EVENTS} from '../../src/wire/glia/index.js';
import {SEED} from '../../src/simulator/seed.js';
import type {Mode} from '../protocol.js';
import {requestJson} from './http-client.js';
import type {Ledger} from './ledger.js';
import type {SseStream} from './sse-client.js';
import {openSse} from './sse-client.js';

/** One visitor, engaged with the auto-operator. */
export interface BenchVisitor {
  index: number;
  mode: Mode;
  engagementId?: string;
  /** Proxy: the session and its bearer token; the stream and the last SSE id seen. */
  sessionId?: string;
  token?: string;
  stream?: SseStream;
  lastEventId: number;
  reconnects: number;
  /** Direct: the visitor's own Glia token. */
  visitorToken?: string;
  engaged: boolean;
  whenEngaged?: () => void;
  whenFailed?: (error: Error) => void;
}

/** What the visitors share: the URLs and the ledgers of the window being measured. */
export interface LoadContext {
  simUrl: string;
  proxyUrl: string;
  receiverUrl: string;
  relayUrl: string;
  ledgers: Partial<Record<Mode, Ledger>>;
  /** Visitors by index, for the receiver. */
  visitors: Map<number, BenchVisitor>;
  /** Errors outside any window (a stream that closed between windows). */
  strayErrors: string[];
}

const glia = (token?: string): Record<string, string> => ({
  accept: GLIA_ACCEPT,
  ...(token ? {authorization: `Bearer ${token}`} : {}),
});

/** The events the proxy subscribes to (no operator typing: GLIA_OPERATOR_TYPING_EVENT is off). */
const DIRECT_EVENTS = WEBHOOK_EVENTS.filter((event) => event !== 'engagement.operator_typing');

let serviceToken: {token: string; expiresAt: number} | undefined;

/** The direct visitors' service token, minted like the proxy does and renewed before expiry. */
async function directServiceToken(simUrl: string): Promise<string> {
  if (serviceToken && Date.now() < serviceToken.expiresAt) return serviceToken.token;
  const {data} = await requestJson<{token: string; expires_in: number}>(
    `${simUrl}/operator_authentication/tokens`,
    {
      method: 'POST',
      headers: glia(),
      body: {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      },
    }
  );
  serviceToken = {token: data.token, expiresAt: Date.now() + data.expires_in * 900};
  return data.token;
}

/** Waits until `visitor` is engaged, or fails after `timeoutMs`. */
function engagedWithin(visitor: BenchVisitor, timeoutMs: number): Promise<void> {
  if (visitor.engaged) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not engaged in time')), timeoutMs);
    visitor.whenEngaged = () => {
      clearTimeout(timer);
      resolve();
    };
    visitor.whenFailed = (error) => {
      clearTimeout(timer);
      reject(error);
    };
  });
}

/** A browser's session through the proxy, with its SSE stream open, once engaged. */
export async function openProxyVisitor(
  ctx: LoadContext,
  index: number,
  timeoutMs: number
): Promise<BenchVisitor> {
  const {data} = await requestJson<{session: {id: string; token: string}}>(
    `${ctx.proxyUrl}/handoff/sessions`,
    {
      method: 'POST',
      body: {description: `Bench visitor ${index} needs help`, name: `Bench ${index}`},
    },
    [201]
  );
  const visitor: BenchVisitor = {
    index,
    mode: 'proxy',
    sessionId: data.session.id,
    token: data.session.token,
    lastEventId: 0,
    reconnects: 0,
    engaged: false,
  };
  ctx.visitors.set(index, visitor);
  void connectStream(ctx, visitor);
  await engagedWithin(visitor, timeoutMs);
  return visitor;
}

/** Opens (or re-opens, after the last id seen) the visitor's SSE stream; resolves once it answered. */
function connectStream(ctx: LoadContext, visitor: BenchVisitor): Promise<void> {
  let opened!: () => void;
  const answered = new Promise<void>((resolve) => (opened = resolve));
  const proxy = visitor.mode === 'proxy';
  const url = proxy
    ? `${ctx.proxyUrl}/handoff/sessions/${visitor.sessionId}/events`
    : `${ctx.relayUrl}/stream/${visitor.index}`;
  const headers: Record<string, string> = proxy ? {authorization: `Bearer ${visitor.token}`} : {};
  if (proxy && visitor.lastEventId > 0) headers['last-event-id'] = String(visitor.lastEventId);
  visitor.stream = openSse(url, headers, {
    onOpen: (status) => {
      opened();
      if (status !== 200) report(ctx, visitor, `stream answered ${status}`);
    },
    onFrame: (frame, at) => {
      const ledger = ctx.ledgers[visitor.mode];
      const id = Number(frame.id);
      if (!(id > visitor.lastEventId)) {
        if (ledger) ledger.repeats++;
        return;
      }
      visitor.lastEventId = id;
      const event = JSON.parse(frame.data) as {
        type: string;
        status?: string;
        message?: {id: string; from: string; text: string};
      };
      if (event.type === 'status' && event.status === 'engaged') {
        visitor.engaged = true;
        visitor.whenEngaged?.();
      } else if (event.type === 'message' && event.message) {
        if (event.message.from === 'operator') ledger?.operatorArrived(event.message.text, at);
        else if (event.message.from === 'visitor') ledger?.visitorEchoed(event.message.id);
      } else if (
        event.type === 'status' &&
        (event.status === 'ended' || event.status === 'failed')
      ) {
        report(ctx, visitor, `session ${event.status}`);
        visitor.whenFailed?.(new Error(`session ${event.status}`));
      }
    },
    onClose: (error) => {
      opened();
      report(ctx, visitor, `stream closed${error ? `: ${error.message}` : ''}`);
      // Resume after the last id, as the widget does; a few times at most.
      if (visitor.reconnects < 3) {
        visitor.reconnects++;
        setTimeout(() => void connectStream(ctx, visitor), 200);
      } else visitor.whenFailed?.(error ?? new Error('stream closed'));
    },
  });
  return answered;
}

function report(ctx: LoadContext, visitor: BenchVisitor, what: string): void {
  const text = `visitor ${visitor.index} (${visitor.mode}): ${what}`;
  const ledger = ctx.ledgers[visitor.mode];
  if (ledger) ledger.error(text);
  else if (ctx.strayErrors.length < 100) ctx.strayErrors.push(text);
}

/**
 * An integrator's visitor straight at Glia: the proxy's three calls, webhooks to the receiver, or
 * (`mode` relay) to the bare relay, whose stream it opens first.
 */
export async function openDirectVisitor(
  ctx: LoadContext,
  index: number,
  timeoutMs: number,
  mode: 'direct' | 'relay' = 'direct'
): Promise<BenchVisitor> {
  const token = await directServiceToken(ctx.simUrl);
  const {data: created} = await requestJson<{id: string; access_token: string}>(
    `${ctx.simUrl}/visitors`,
    {method: 'POST', headers: glia(token), body: {}}
  );
  await requestJson(`${ctx.simUrl}/sites/${SEED.siteId}/visitors/${created.id}`, {
    method: 'PATCH',
    headers: glia(token),
    body: {note: `Bench visitor ${index} needs help`, name: `Bench ${index}`},
  });
  const visitor: BenchVisitor = {
    index,
    mode,
    visitorToken: created.access_token,
    lastEventId: 0,
    reconnects: 0,
    engaged: false,
  };
  ctx.visitors.set(index, visitor);
  // The relay keeps no log: its stream must be open before the ticket's first webhook.
  if (mode === 'relay') await connectStream(ctx, visitor);
  await requestJson(`${ctx.simUrl}/queue_tickets`, {
    method: 'POST',
    headers: glia(created.access_token),
    body: {
      site_id: SEED.siteId,
      media: 'text',
      queue_ids: [SEED.openQueue.id],
      source: 'visitor_integrator',
      webhooks: [
        {
          url: `${mode === 'relay' ? ctx.relayUrl : ctx.receiverUrl}/hook/${index}`,
          method: 'POST',
          headers: {'x-bench-secret': randomBytes(16).toString('hex')},
          events: DIRECT_EVENTS,
        },
      ],
    },
  });
  await engagedWithin(visitor, timeoutMs);
  return visitor;
}

/** A webhook delivery to the receiver, for the direct visitor `index`. */
export function receiveWebhook(ctx: LoadContext, index: number, body: string, at: number): void {
  const visitor = ctx.visitors.get(index);
  if (!visitor) return;
  const payload = JSON.parse(body) as {
    event_type: string;
    engagement?: {id: string};
    message?: {id: string; content: string; target: string};
  };
  const ledger = ctx.ledgers.direct;
  if (payload.event_type === 'engagement.start' && payload.engagement) {
    visitor.engagementId = payload.engagement.id;
    visitor.engaged = true;
    visitor.whenEngaged?.();
  } else if (payload.event_type === 'engagement.chat.message' && payload.message) {
    if (payload.message.target === 'visitor') ledger?.operatorArrived(payload.message.content, at);
    else ledger?.visitorEchoed(payload.message.id);
  } else if (payload.event_type === 'engagement.end') {
    report(ctx, visitor, 'engagement ended');
  }
}

/** Sends one visitor message; resolves to the time the answer took, or throws. */
export async function sendVisitorMessage(
  ctx: LoadContext,
  visitor: BenchVisitor,
  id: string,
  text: string
): Promise<number> {
  const started = performance.now();
  if (visitor.mode === 'proxy') {
    await requestJson(
      `${ctx.proxyUrl}/handoff/sessions/${visitor.sessionId}/messages/${id}`,
      {method: 'PUT', headers: {authorization: `Bearer ${visitor.token}`}, body: {text}},
      [200, 201]
    );
  } else {
    await requestJson(
      `${ctx.simUrl}/engagements/${visitor.engagementId}/chat_messages/${id}`,
      {method: 'PUT', headers: glia(visitor.visitorToken), body: {content: text}},
      [200, 201]
    );
  }
  return performance.now() - started;
}

/** Glia's transcript of the visitor's engagement, read with the service token. */
export async function transcriptOf(
  ctx: LoadContext,
  engagementId: string
): Promise<{message: string; sender: {type: string}}[]> {
  const token = await directServiceToken(ctx.simUrl);
  const {data} = await requestJson<{message: string; sender: {type: string}}[]>(
    `${ctx.simUrl}/engagements/${engagementId}/chat_transcript`,
    {method: 'GET', headers: glia(token)},
    [200]
  );
  return data;
}

/**
 * Fills in the engagement id of proxy and relay visitors from the simulator's state (ticket
 * webhook URL → session or visitor index): their streams never name it.
 */
export async function mapEngagements(ctx: LoadContext): Promise<number> {
  const {data} = await requestJson<{
    tickets: {id: string; engagement_id: string | null; webhooks: {url: string}[]}[];
  }>(`${ctx.simUrl}/__sim/state`, {method: 'GET', timeoutMs: 120_000}, [200]);
  const byKey = new Map<string, string>();
  for (const ticket of data.tickets) {
    const url = ticket.webhooks[0]?.url ?? '';
    const key =
      /\/handoff\/webhooks\/glia\/([^/?]+)/.exec(url)?.[1] ?? /\/hook\/(\d+)$/.exec(url)?.[1];
    if (key && ticket.engagement_id) byKey.set(key, ticket.engagement_id);
  }
  let mapped = 0;
  for (const visitor of ctx.visitors.values()) {
    if (visitor.mode === 'direct' || visitor.engagementId) continue;
    const key = visitor.mode === 'proxy' ? visitor.sessionId : String(visitor.index);
    visitor.engagementId = key ? byKey.get(key) : undefined;
    if (visitor.engagementId) mapped++;
  }
  return mapped;
}
