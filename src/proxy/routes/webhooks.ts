/**
 * @module `POST /handoff/webhooks/glia/:sessionId`: Glia's deliveries for one session's ticket and
 * engagement. The session's secret header is checked in constant time before anything is read;
 * without it the answer is 401 and nothing changes. The body is read tolerantly (see
 * src/wire/glia/webhook.ts): what the proxy had to default is reported as drift, an event it does
 * not know is acknowledged and counted under the fixed label `other`.
 */
import {Hono} from 'hono';
import {WEBHOOK_EVENTS, WebhookPayload, readFileScan} from '../../wire/glia/index.js';
import type {DriftReporter} from '../glia/drift.js';
import {webhookDrift, webhookEndpoint} from '../glia/drift.js';
import type {Handoff} from '../handoff.js';
import {WEBHOOK_SECRET_HEADER} from '../handoff.js';
import type {ProxyEnv} from '../http.js';
import {describeIssues, errorResponse} from '../http.js';
import type {Metrics} from '../metrics.js';
import type {SessionStore} from '../sessions/ports.js';
import {matchesHash} from '../sessions/session-record.js';

export interface WebhookRoutesDeps {
  handoff: Handoff;
  store: SessionStore;
  metrics: Metrics;
  drift: DriftReporter;
  /** The configured name of the file-scan event (GLIA_FILE_SCAN_EVENT). */
  fileScanEvent: string;
}

/** The route, to mount under `/handoff/webhooks/glia`. */
export function webhookRoutes({
  handoff,
  store,
  metrics,
  drift,
  fileScanEvent,
}: WebhookRoutesDeps): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();

  app.post('/:sessionId', async (c) => {
    const count = (event: string, outcome: string) =>
      metrics.inc('glia_handoff_webhook_deliveries_total', {event, outcome});
    const session = await store.sessions.get(c.req.param('sessionId'));
    if (!session) {
      count('unknown', 'unknown-session');
      return errorResponse(c, 404, {code: 'not-found', message: 'No such session.'});
    }
    if (!matchesHash(c.req.header(WEBHOOK_SECRET_HEADER) ?? '', session.webhookSecretHash)) {
      count('unknown', 'unauthorized');
      c.var.log.warn('webhook without the session secret refused', {session: session.id});
      return errorResponse(c, 401, {
        code: 'unauthorized',
        message: "The webhook does not carry this session's secret.",
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      count('unknown', 'invalid');
      return errorResponse(c, 400, {code: 'validation', message: 'The body is not valid JSON.'});
    }
    const eventType = (raw as {event_type?: unknown} | null)?.event_type;
    const endpoint = webhookEndpoint(eventType);
    if (eventType === fileScanEvent) {
      // Its name is configured, and counted under the fixed label `file-scan`.
      const scan = readFileScan(raw);
      if (!scan) {
        count('file-scan', 'invalid');
        drift.report(endpoint, {kind: 'missing_field', field: 'file.id'});
        return errorResponse(c, 400, {
          code: 'validation',
          message: 'The scan delivery names no file.',
        });
      }
      if (scan.clean === undefined) {
        // Still scanning: the verdict comes in a later delivery.
        count('file-scan', 'ignored');
        return c.body(null, 204);
      }
      const outcome = await handoff.receiveFileScan(session.id, {...scan, clean: scan.clean});
      count('file-scan', outcome === 'gone' ? 'unknown-session' : outcome);
      if (outcome === 'gone')
        return errorResponse(c, 404, {code: 'not-found', message: 'No such session.'});
      if (outcome === 'mismatch')
        return errorResponse(c, 422, {
          code: 'mismatch',
          message: "The delivery is not about this session's engagement.",
        });
      return c.body(null, 204);
    }
    if (!(WEBHOOK_EVENTS as readonly unknown[]).includes(eventType)) {
      // An event Glia added later: acknowledge, so it is not redelivered. Its name is not a label:
      // whoever can reach this route would otherwise mint metrics series at will.
      count('other', 'ignored');
      drift.report(endpoint, {kind: 'unknown_event', field: 'event_type'});
      return c.body(null, 204);
    }
    const parsed = WebhookPayload.safeParse(raw);
    if (!parsed.success) {
      count(String(eventType), 'invalid');
      for (const issue of parsed.error.issues)
        drift.report(endpoint, {kind: 'missing_field', field: issue.path.join('.')});
      c.var.log.warn('webhook payload not understood', {
        session: session.id,
        problem: describeIssues(parsed.error.issues),
      });
      return errorResponse(c, 400, {
        code: 'validation',
        message: describeIssues(parsed.error.issues),
      });
    }
    for (const gap of webhookDrift(parsed.data)) drift.report(endpoint, gap);
    const outcome = await handoff.receiveWebhook(session.id, parsed.data);
    if (outcome === 'gone') {
      count(parsed.data.event_type, 'unknown-session');
      return errorResponse(c, 404, {code: 'not-found', message: 'No such session.'});
    }
    count(parsed.data.event_type, outcome);
    if (outcome === 'mismatch') {
      c.var.log.warn('webhook for another ticket or engagement refused', {
        session: session.id,
        event: parsed.data.event_type,
      });
      return errorResponse(c, 422, {
        code: 'mismatch',
        message: "The delivery is not about this session's ticket or engagement.",
      });
    }
    return c.body(null, 204);
  });

  return app;
}
