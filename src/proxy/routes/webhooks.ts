/**
 * @module `POST /handoff/webhooks/glia/:sessionId`: Glia's deliveries for one session's ticket and
 * engagement. The session's secret header is checked in constant time before anything is read;
 * without it the answer is 401 and nothing changes. The body is read tolerantly (see
 * src/wire/glia/webhook.ts): what the proxy had to default is reported as drift, an event it does
 * not know is acknowledged and counted under the fixed label `other`.
 *
 * The decision is `webhookReceiver`, which knows no HTTP framework: the Hono route below answers
 * with it, and so does the Node fast path (webhook-fast-path.ts), which takes each delivery
 * straight off Node's request when the proxy runs on @hono/node-server.
 */
import {Hono} from 'hono';
import type {ErrorBody} from '../../wire/handoff/index.js';
import {WEBHOOK_EVENTS, WebhookPayload, readFileScan} from '../../wire/glia/index.js';
import type {DriftReporter} from '../glia/drift.js';
import {webhookDrift, webhookEndpoint} from '../glia/drift.js';
import type {Handoff} from '../handoff.js';
import {WEBHOOK_SECRET_HEADER} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {describeIssues, errorResponse} from '../http.js';
import type {Logger} from '../logger.js';
import type {Counter, Metrics} from '../metrics.js';
import type {SessionStore} from '../sessions/ports.js';
import {matchesHash} from '../sessions/session-record.js';

export interface WebhookDeps {
  handoff: Handoff;
  store: SessionStore;
  metrics: Metrics;
  drift: DriftReporter;
  /** The configured name of the file-scan event (GLIA_FILE_SCAN_EVENT). */
  fileScanEvent: string;
}

/** One delivery as it arrived. */
export interface Delivery {
  sessionId: string;
  /** The secret header's value ('' when absent). */
  secret: string;
  /** Reads the body; called only once the secret matched. */
  body: () => Promise<string>;
  log: Logger;
  /** `performance.now()` when the delivery arrived, for the relay probe (src/proxy/relay-probe.ts). */
  receivedAt: number;
}

/** What Glia is answered: 204, or an error in the proxy's one shape. */
export type DeliveryAnswer =
  {status: 204} | {status: 400 | 401 | 404 | 422; error: ErrorBody['error']};

const NO_SUCH_SESSION: DeliveryAnswer = {
  status: 404,
  error: {code: 'not-found', message: 'No such session.'},
};
const ACCEPTED: DeliveryAnswer = {status: 204};
const invalid = (message: string): DeliveryAnswer => ({
  status: 400,
  error: {code: 'validation', message},
});

/** Decides what a delivery changes and what Glia is answered. */
export function webhookReceiver({
  handoff,
  store,
  metrics,
  drift,
  fileScanEvent,
}: WebhookDeps): (delivery: Delivery) => Promise<DeliveryAnswer> {
  // Events and outcomes are fixed sets (an event the proxy does not know counts as `other`).
  const series = new Map<string, Map<string, Counter>>();
  const count = (event: string, outcome: string) => {
    let byOutcome = series.get(event);
    if (!byOutcome) series.set(event, (byOutcome = new Map()));
    let counter = byOutcome.get(outcome);
    if (!counter) {
      counter = metrics.counter('glia_handoff_webhook_deliveries_total', {event, outcome});
      byOutcome.set(outcome, counter);
    }
    counter.inc();
  };

  return async ({sessionId, secret, body, log, receivedAt}) => {
    // The secret's hash never changes: a record held here checks it without a round trip to
    // Redis, and starts the change (its commit checks the version; a gone session is 404 then).
    const peeked = store.sessions.peek?.(sessionId);
    const session = peeked ?? (await store.sessions.get(sessionId));
    if (!session) {
      count('unknown', 'unknown-session');
      return NO_SUCH_SESSION;
    }
    if (!matchesHash(secret, session.webhookSecretHash)) {
      count('unknown', 'unauthorized');
      log.warn('webhook without the session secret refused', {session: session.id});
      return {
        status: 401,
        error: {code: 'unauthorized', message: "The webhook does not carry this session's secret."},
      };
    }
    // A body over the limit fails the read itself, and that failure is the answer (413).
    const text = await body();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      count('unknown', 'invalid');
      return invalid('The body is not valid JSON.');
    }
    const eventType = (raw as {event_type?: unknown} | null)?.event_type;
    const endpoint = webhookEndpoint(eventType);
    if (eventType === fileScanEvent) {
      // Its name is configured, and counted under the fixed label `file-scan`.
      const scan = readFileScan(raw);
      if (!scan) {
        count('file-scan', 'invalid');
        drift.report(endpoint, {kind: 'missing_field', field: 'file.id'});
        return invalid('The scan delivery names no file.');
      }
      if (scan.clean === undefined) {
        // Still scanning: the verdict comes in a later delivery.
        count('file-scan', 'ignored');
        return ACCEPTED;
      }
      const outcome = await handoff.receiveFileScan(session.id, {...scan, clean: scan.clean});
      count('file-scan', outcome === 'gone' ? 'unknown-session' : outcome);
      if (outcome === 'gone') return NO_SUCH_SESSION;
      if (outcome === 'mismatch')
        return {
          status: 422,
          error: {
            code: 'mismatch',
            message: "The delivery is not about this session's engagement.",
          },
        };
      return ACCEPTED;
    }
    if (!(WEBHOOK_EVENTS as readonly unknown[]).includes(eventType)) {
      // An event Glia added later: acknowledge, so it is not redelivered. Its name is not a label:
      // whoever can reach this route would otherwise mint metrics series at will.
      count('other', 'ignored');
      drift.report(endpoint, {kind: 'unknown_event', field: 'event_type'});
      return ACCEPTED;
    }
    const parsed = WebhookPayload.safeParse(raw);
    if (!parsed.success) {
      count(String(eventType), 'invalid');
      for (const issue of parsed.error.issues)
        drift.report(endpoint, {kind: 'missing_field', field: issue.path.join('.')});
      log.warn('webhook payload not understood', {
        session: session.id,
        problem: describeIssues(parsed.error.issues),
      });
      return invalid(describeIssues(parsed.error.issues));
    }
    for (const gap of webhookDrift(parsed.data)) drift.report(endpoint, gap);
    const outcome = await handoff.receiveWebhook(session.id, parsed.data, {
      receivedAt,
      record: session,
      current: !peeked,
    });
    if (outcome === 'gone') {
      count(parsed.data.event_type, 'unknown-session');
      return NO_SUCH_SESSION;
    }
    count(parsed.data.event_type, outcome);
    if (outcome === 'mismatch') {
      log.warn('webhook for another ticket or engagement refused', {
        session: session.id,
        event: parsed.data.event_type,
      });
      return {
        status: 422,
        error: {
          code: 'mismatch',
          message: "The delivery is not about this session's ticket or engagement.",
        },
      };
    }
    return ACCEPTED;
  };
}

/** The route, to mount under `/handoff/webhooks/glia`. */
export function webhookRoutes(
  receive: (delivery: Delivery) => Promise<DeliveryAnswer>
): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();
  app.post('/:sessionId', async (c) => {
    const answer = await receive({
      sessionId: c.req.param('sessionId'),
      secret: c.req.header(WEBHOOK_SECRET_HEADER) ?? '',
      body: () => c.req.text(),
      log: c.var.log,
      receivedAt: performance.now(),
    });
    return answer.status === 204
      ? c.body(null, 204)
      : errorResponse(c, answer.status, answer.error);
  });
  return app;
}
