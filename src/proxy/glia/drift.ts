/**
 * @module Drift: where what Glia sends stops matching what the proxy expects. Each gap is counted
 * in `glia_handoff_glia_unexpected_total{endpoint, kind}` and said in one `warn` line per endpoint
 * and kind per hour, naming the field and never its value. Both label sets are fixed: endpoints are
 * the Glia client's steps and `webhook:<event>` for the events the proxy subscribes to (anything
 * else is `webhook:other`); kinds are `DRIFT_KINDS`.
 */
import type {WebhookPayload} from '../../wire/glia/index.js';
import {SENDER_TYPES, WEBHOOK_EVENTS} from '../../wire/glia/index.js';
import type {Logger} from '../logger.js';
import type {Metrics} from '../metrics.js';
import {KNOWN_END_REASONS, KNOWN_FAILURE_REASONS, gliaTime} from './to-chat-event.js';

export const DRIFT_KINDS = ['missing_field', 'unknown_event', 'unknown_value'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One gap: its kind and the field's path in the body (a name of ours, never a value). */
export interface Drift {
  kind: DriftKind;
  field: string;
}

/** Made once: the label is looked up on every delivery. */
const ENDPOINTS = new Map<unknown, string>(
  WEBHOOK_EVENTS.map((event) => [event, `webhook:${event}`])
);

/** The `endpoint` label of a webhook delivery: its event if the proxy knows it, else `other`. */
export function webhookEndpoint(eventType: unknown): string {
  return ENDPOINTS.get(eventType) ?? 'webhook:other';
}

const missing = (field: string): Drift => ({kind: 'missing_field', field});
const unknownValue = (field: string): Drift => ({kind: 'unknown_value', field});

/** A string field: missing, of a value outside `known`, or fine. */
function check(value: string | undefined, field: string, known?: readonly string[]): Drift[] {
  if (value === undefined) return [missing(field)];
  return known && !known.includes(value) ? [unknownValue(field)] : [];
}

/** The gaps in a delivery the proxy could still use: what it had to default. */
export function webhookDrift(payload: WebhookPayload): Drift[] {
  switch (payload.event_type) {
    case 'engagement.start':
    case 'engagement.transfer':
      return [
        ...check(payload.engagement.visitor_id, 'engagement.visitor_id'),
        ...check(
          payload.engagement.current_sub_engagement?.operator_id,
          'engagement.current_sub_engagement.operator_id'
        ),
      ];
    case 'engagement.end':
      return check(payload.engagement.end_reason, 'engagement.end_reason', KNOWN_END_REASONS);
    case 'engagement.request.failure':
      return [
        ...(payload.queue_ticket === undefined ? [missing('queue_ticket')] : []),
        ...check(payload.reason, 'reason', KNOWN_FAILURE_REASONS),
      ];
    case 'engagement.chat.message': {
      // One list, pushed to: this runs for every chat message, and most have no gap at all.
      const {message} = payload;
      const drift: Drift[] = [];
      if (message.id === undefined) drift.push(missing('message.id'));
      if (message.timestamp === undefined) drift.push(missing('message.timestamp'));
      else if (gliaTime(message.timestamp) === undefined)
        drift.push(unknownValue('message.timestamp'));
      if (
        message.target !== undefined &&
        message.target !== 'visitor' &&
        message.target !== 'operator'
      )
        drift.push(unknownValue('message.target'));
      if (message.target === undefined) drift.push(missing('message.target'));
      const sender = message.sender?.type;
      if (sender !== undefined && !(SENDER_TYPES as readonly string[]).includes(sender))
        drift.push(unknownValue('message.sender.type'));
      return drift;
    }
    case 'engagement.chat.message_status':
    case 'engagement.operator_typing':
      return [];
  }
}

export interface DriftReporterDeps {
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Least time between two warnings of one endpoint and kind (default an hour). */
  intervalMs?: number;
}

/** Counts drift and warns about it, at most once an hour per endpoint and kind. */
export class DriftReporter {
  private readonly lastWarned = new Map<string, number>();
  private readonly deps: DriftReporterDeps;

  constructor(deps: DriftReporterDeps) {
    this.deps = deps;
  }

  report(endpoint: string, drift: Drift): void {
    const {metrics, logger, now} = this.deps;
    metrics.inc('glia_handoff_glia_unexpected_total', {endpoint, kind: drift.kind});
    const key = `${endpoint} ${drift.kind}`;
    const last = this.lastWarned.get(key);
    if (last !== undefined && now() - last < (this.deps.intervalMs ?? 3_600_000)) return;
    this.lastWarned.set(key, now());
    logger.warn('Glia sent something the proxy did not expect; it used a default', {
      endpoint,
      kind: drift.kind,
      field: drift.field,
    });
  }
}
