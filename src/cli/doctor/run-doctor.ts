/**
 * @module `runDoctor`: runs each step of the handoff against the configured Glia, in order, with
 * the proxy's own config parser and Glia client, and returns the checklist. Pure apart from the
 * injected `fetch` (and DNS `lookup`): the CLI passes the real ones, tests pass the simulator.
 *
 * A step that needs one that failed is skipped, not failed, and says which. Where a failure still
 * leaves a way forward (the key works at the other token endpoint; Glia would not show the queue
 * but a ticket can still be tried), the later steps run, so one run finds every problem.
 */
import type {GliaClient, GliaFetch, GliaVisitor} from '../../proxy/glia/glia-client.js';
import {createGliaClient} from '../../proxy/glia/glia-client.js';
import type {CredentialType} from '../../wire/glia/index.js';
import {checkConfig} from './check-config.js';
import type {GliaSettings} from './check-config.js';
import {checkQueue} from './check-queue.js';
import {cancelTicket, fileTicket} from './check-ticket.js';
import {checkToken} from './check-token.js';
import {checkWebhookUrl} from './check-webhook-url.js';
import type {Lookup} from './check-webhook-url.js';
import {diagnose} from './diagnose.js';
import type {DiagnoseContext} from './diagnose.js';
import {STEP_TITLES, isFailed, isPassed, isSkipped, outcome} from './doctor-report.js';
import type {DoctorReport, DoctorStep, DoctorStepId} from './doctor-report.js';
import type {RecordedAnswer} from './record.js';
import {recording} from './record.js';
import {redactReport} from './redact-report.js';
import {watchFetch} from './watch-fetch.js';

export interface DoctorOptions {
  /** The environment, `.env` already merged in (e.g. `process.env`). */
  env: Record<string, string | undefined>;
  /** How to reach Glia: global `fetch`, or a simulator's `app.request`. */
  fetch: GliaFetch;
  /** Clock for token expiry (default `Date.now`). */
  now?: () => number;
  /** File a queue ticket and cancel it at once. */
  ticket: boolean;
  /** Per Glia call and per DNS lookup (default 10 s). */
  timeoutMs?: number;
  /** Resolves PUBLIC_URL's host, to spot names that resolve only to private addresses. Omitted: no DNS. */
  lookup?: Lookup;
  /** Given every answer Glia gave, redacted (`--record`). */
  record?: (answers: RecordedAnswer[]) => void;
}

/** The details doctor gives its test visitor, so an agent who meets it knows what it is. */
export const DOCTOR_VISITOR = {
  name: 'glia-handoff doctor',
  note: 'A test visitor made by glia-handoff doctor to check the handoff configuration. Safe to ignore or end.',
} as const;

/** Permissions the handoff uses only once an agent has accepted: doctor cannot try them. */
const AFTER_ACCEPT =
  'Not checked: they need an agent to accept a conversation. The key\'s role also needs "Update Engagement" (the visitor\'s messages, typing, ending) and "Fetch Engagement"; Glia\'s community lists "Fetch Visitor" and "Fetch Engagement Requests" too.';

/** Runs every step; never throws for anything Glia or the configuration does. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const watched = watchFetch(options.fetch);
  const steps: DoctorStep[] = [];
  /** Steps whose result later steps can use (a passed step, or a failure with a way forward). */
  const usable = new Set<DoctorStepId>();
  const record = (step: DoctorStep, canContinue = isPassed(step)) => {
    steps.push(step);
    if (canContinue) usable.add(step.step);
  };
  /** The failed step behind the first unusable need, or undefined when all are usable. */
  const blocker = (needs: DoctorStepId[]): DoctorStepId | undefined => {
    for (const need of needs) {
      if (usable.has(need)) continue;
      const step = steps.find((s) => s.step === need);
      return step && isSkipped(step) ? (step.blockedBy ?? need) : need;
    }
    return undefined;
  };
  const skip = (id: DoctorStepId, needs: DoctorStepId[]): boolean => {
    const root = blocker(needs);
    if (root === undefined) return false;
    steps.push(outcome.skipped(id, `Skipped: needs "${STEP_TITLES[root]}", which failed.`, root));
    return true;
  };

  const config = checkConfig(options.env);
  record(config.step, config.glia !== undefined);
  const glia = config.glia;
  const secrets = [
    glia?.apiKeySecret ?? options.env.GLIA_API_KEY_SECRET ?? '',
    ...urlSecrets(options.env.GLIA_API_BASE),
  ];

  const context = (endpoint: string): DiagnoseContext => ({
    glia: glia as GliaSettings,
    endpoint,
    connectionError: watched.connectionError,
    proxyVariable: ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].find(
      (v) => options.env[v]
    ),
    timeoutMs,
  });

  // Token.
  let client: GliaClient | undefined;
  if (!skip('token', ['config']) && glia) {
    const clientFor = (type: CredentialType) =>
      createGliaClient({
        apiBase: glia.apiBase,
        siteId: glia.siteId,
        apiKeyId: glia.apiKeyId,
        apiKeySecret: glia.apiKeySecret,
        credentialType: type,
        fetch: watched.fetch,
        now: options.now,
        timeoutMs,
        // One retry: enough to ride out a blip, few enough that a dead Glia is reported in seconds.
        retry: {attempts: 2, baseDelayMs: 250, maxDelayMs: 1000, maxRetryAfterMs: 5000},
      });
    const token = await checkToken({glia, clientFor, context});
    client = token.client;
    record(token.step, client !== undefined);
  }

  // Visitor.
  let visitor: GliaVisitor | undefined;
  if (!skip('create-visitor', ['token']) && client && glia) {
    try {
      visitor = await client.createVisitor();
      record(
        outcome.passed('create-visitor', `Visitor ${visitor.id} created (doctor's test visitor).`)
      );
    } catch (error) {
      record(outcome.failed('create-visitor', diagnose(error, context('POST /visitors'))));
    }
  }
  if (!skip('update-visitor', ['create-visitor']) && client && glia && visitor) {
    const endpoint = `PATCH /sites/{GLIA_SITE_ID}/visitors/{id}`;
    try {
      await client.updateVisitor(visitor.id, {
        ...DOCTOR_VISITOR,
        custom_attributes: {checked_by: 'glia-handoff doctor'},
        custom_attributes_update_method: 'merge',
      });
      record(
        outcome.passed('update-visitor', `Name, note and a custom attribute set on the visitor.`)
      );
    } catch (error) {
      record(outcome.failed('update-visitor', diagnose(error, context(endpoint))));
    }
  }

  // Queue.
  if (!skip('queue', ['token']) && client && glia) {
    const queue = await checkQueue(client, glia, context);
    record(queue.step, isPassed(queue.step) || queue.couldNotLook);
  }

  // Webhook URL.
  if (glia && config.publicUrl !== undefined) {
    record(
      await checkWebhookUrl({
        apiBase: glia.apiBase,
        publicUrl: config.publicUrl,
        lookup: options.lookup,
        timeoutMs,
      })
    );
  } else {
    steps.push(
      outcome.skipped(
        'webhook',
        glia
          ? 'Skipped: needs a valid PUBLIC_URL (see Configuration).'
          : 'Skipped: needs "Configuration", which failed.',
        'config'
      )
    );
  }

  // Ticket, only when asked: it puts a visitor in a real queue for a moment.
  if (!options.ticket) {
    steps.push(
      outcome.skipped(
        'queue-ticket',
        'Not run: add --ticket to file a test ticket in the queue and cancel it at once.'
      )
    );
  } else if (!skip('queue-ticket', ['create-visitor', 'queue', 'webhook'])) {
    if (client && glia && visitor && config.publicUrl !== undefined) {
      const filed = await fileTicket(client, visitor, glia, config.publicUrl, context);
      record(filed.step);
      if (filed.ticket) steps.push(await cancelTicket(client, visitor, filed.ticket, context));
    }
  }
  if (options.ticket && !steps.some((s) => s.step === 'cancel-ticket'))
    skip('cancel-ticket', ['queue-ticket']);

  steps.push(outcome.skipped('engagement', AFTER_ACCEPT));

  const report: DoctorReport = {ok: !steps.some(isFailed), steps};
  options.record?.(recording(watched.answers, [...secrets, ...watched.tokens], options.now));
  return redactReport(report, [...secrets, ...watched.tokens]);
}

/** A user name or password written into GLIA_API_BASE is a secret too. */
function urlSecrets(value: string | undefined): string[] {
  if (!value || !URL.canParse(value)) return [];
  const url = new URL(value);
  return [decodeURIComponent(url.password), url.password].filter((s) => s !== '');
}
