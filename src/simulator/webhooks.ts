/**
 * @module Webhook delivery: each ticket's registrations get the events they subscribed to, with
 * their method and headers, as JSON. A non-2xx answer or a network error is retried with
 * exponential backoff a few times ([SIM-CHOICE], docs/glia.md, "Webhooks"). Deliveries to one registration
 * go out one at a time in order, so a receiver sees `engagement.start` before the first message
 * even when it was slow to answer.
 */
import {backoffMs} from '../kit/backoff.js';
import type {WebhookPayload, WebhookRegistration} from '../wire/glia/index.js';
import type {ResolvedDeps, SimulatorConfig} from './deps.js';
import type {FaultRules} from './faults.js';
import type {RequestLog} from './request-log.js';
import type {Scheduler} from './scheduler.js';
import type {Ticket} from './store.js';

/** A known payload, or one under a configured name (the file-scan event, see wire/glia/files.ts). */
export type AnyWebhookPayload = WebhookPayload | {event_type: string; [field: string]: unknown};

interface Job {
  registration: WebhookRegistration;
  payload: AnyWebhookPayload;
}

interface Lane {
  jobs: Job[];
  running: boolean;
}

/** Sends webhook payloads to the registrations of a ticket. */
export class WebhookDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private pending = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly deps: ResolvedDeps;
  private readonly config: SimulatorConfig;
  private readonly scheduler: Scheduler;
  private readonly faults: FaultRules;
  private readonly log: RequestLog;

  constructor(parts: {
    deps: ResolvedDeps;
    config: SimulatorConfig;
    scheduler: Scheduler;
    faults: FaultRules;
    log: RequestLog;
  }) {
    this.deps = parts.deps;
    this.config = parts.config;
    this.scheduler = parts.scheduler;
    this.faults = parts.faults;
    this.log = parts.log;
  }

  /** Queues `payload` for every registration of `ticket` that subscribed to its event. */
  emit(ticket: Ticket, payload: AnyWebhookPayload): void {
    if (this.closed) return;
    ticket.webhooks.forEach((registration, index) => {
      if (!registration.events.includes(payload.event_type)) return;
      const fault = this.faults.takeForWebhook(payload.event_type, registration.url);
      if (fault?.drop_webhook) {
        this.record(registration, payload, 0, null, 'dropped');
        return;
      }
      const copies = fault?.duplicate_webhook ? 2 : 1;
      for (let i = 0; i < copies; i++)
        this.enqueue(`${ticket.id}#${index}`, {registration, payload});
    });
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops delivering; queued deliveries are abandoned. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) lane.jobs.length = 0;
    this.pending = 0;
    this.release();
  }

  private enqueue(key: string, job: Job): void {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = {jobs: [], running: false}));
    lane.jobs.push(job);
    this.pending += 1;
    if (!lane.running) void this.drain(lane);
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    for (let job = lane.jobs.shift(); job && !this.closed; job = lane.jobs.shift()) {
      await this.deliver(job);
      this.pending = Math.max(0, this.pending - 1);
      if (this.pending === 0) this.release();
    }
    lane.running = false;
  }

  private async deliver({registration, payload}: Job): Promise<void> {
    const {attempts, baseDelayMs} = this.config.webhookRetry;
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      const status = await this.attempt(registration, body);
      const delivered = status !== null && status >= 200 && status < 300;
      const last = attempt === attempts;
      this.record(
        registration,
        payload,
        attempt,
        status,
        delivered ? 'delivered' : last ? 'failed' : 'retrying'
      );
      if (delivered) return;
      if (!last)
        await this.scheduler.sleep(
          backoffMs(attempt - 1, {baseMs: baseDelayMs, maxMs: Infinity, jitter: 'none'})
        );
    }
  }

  /** One request: the receiver's status, or `null` for a network error or a timeout. */
  private async attempt(registration: WebhookRegistration, body: string): Promise<number | null> {
    const abort = new AbortController();
    let cancelTimer = () => {};
    const timeout = new Promise<null>((resolve) => {
      cancelTimer = this.scheduler.schedule(() => {
        abort.abort();
        resolve(null);
      }, this.config.webhookTimeoutMs);
    });
    const request = (async () => {
      try {
        const response = await this.deps.fetch(registration.url, {
          method: registration.method,
          headers: headersFor(registration),
          body,
          signal: abort.signal,
        });
        await response.arrayBuffer().catch(() => undefined);
        return response.status;
      } catch {
        return null;
      }
    })();
    try {
      return await Promise.race([request, timeout]);
    } finally {
      cancelTimer();
    }
  }

  private record(
    registration: WebhookRegistration,
    payload: AnyWebhookPayload,
    attempt: number,
    status: number | null,
    outcome: 'delivered' | 'failed' | 'retrying' | 'dropped'
  ): void {
    this.log.addDelivery({
      at: new Date(this.deps.now()).toISOString(),
      event_type: payload.event_type,
      url: withoutQuery(registration.url),
      method: registration.method,
      attempt,
      status,
      outcome,
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A registered URL may carry a secret in its query string; the log keeps only origin and path. */
function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** The registered headers, over JSON defaults (case-insensitively, so none is sent twice). */
function headersFor(registration: WebhookRegistration): Record<string, string> {
  const headers = new Headers({
    'content-type': 'application/json',
    'user-agent': 'glia-handoff-simulator',
  });
  for (const [name, value] of Object.entries(registration.headers ?? {})) headers.set(name, value);
  return Object.fromEntries(headers);
}
