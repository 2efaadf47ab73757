/**
 * @module The one error type of every Glia call, and the table of hints that turns a step and an
 * HTTP status into what an administrator should do. `doctor` prints these; the proxy answers the
 * browser with them (they name settings, never their secret values).
 */
import type {CredentialType, Policy} from '../../wire/glia/index.js';
import type {HandoffStep} from '../../wire/handoff/index.js';

/**
 * Every call the Glia client makes, by step. `doctor` runs them in this order; the names are the
 * wire's `HandoffStep` names plus two that only the proxy takes (see `toHandoffStep`).
 */
export const GLIA_STEPS = [
  'token',
  'create-visitor',
  'update-visitor',
  'queue',
  'queue-ticket',
  'cancel-ticket',
  'visitor-token',
  'send-message',
  'typing',
  'end',
  'operator',
  'engagement',
  'transcript',
  'upload-file',
  'download-file',
] as const;
export type GliaStep = (typeof GLIA_STEPS)[number];

/** What each step does, in words, for `doctor`'s report and the logs. */
export const GLIA_STEP_LABELS: Record<GliaStep, string> = {
  token: 'Exchange the API key for a token',
  'create-visitor': 'Create a visitor (POST /visitors)',
  'update-visitor': "Set the visitor's details (PATCH /sites/{site}/visitors/{id})",
  queue: 'Read the queue (GET /queues/{id})',
  'queue-ticket': 'File a queue ticket (POST /queue_tickets)',
  'cancel-ticket': 'Cancel the queue ticket (DELETE /queue_tickets/{id})',
  'visitor-token': "Renew the visitor's token (POST /visitors/{id}/token)",
  'send-message': 'Send a chat message (PUT /engagements/{id}/chat_messages/{uuid})',
  typing: 'Send typing (PUT /engagements/{id}/typing_indicator)',
  end: 'End the engagement (PATCH /engagements/{id})',
  operator: "Read the operator's name (GET /operators/{id})",
  engagement: 'Read who serves the visitor (GET /engagements/{id})',
  transcript: 'Read the chat transcript (GET /engagements/{id}/chat_transcript)',
  'upload-file': "Upload the visitor's file (POST /engagements/{id}/files)",
  'download-file': "Fetch an agent's file (GET /engagements/{id}/files/{file_id})",
};

/** How a call failed: Glia answered with an error status, did not answer, or answered nonsense. */
export const GLIA_FAILURES = ['http', 'network', 'timeout', 'invalid-response'] as const;
export type GliaFailure = (typeof GLIA_FAILURES)[number];

/**
 * The Glia permission each step needs when it is made with the service or site token. Glia does
 * not publish policy names (docs/glia.md, "Permissions"); these are the simulator's, from the
 * community thread.
 */
export const STEP_POLICIES: Partial<Record<GliaStep, Policy>> = {
  'create-visitor': 'create_visitor',
  'update-visitor': 'update_visitor',
  queue: 'fetch_queue',
  'queue-ticket': 'create_queue_ticket',
  'cancel-ticket': 'create_queue_ticket',
  end: 'update_engagement',
  engagement: 'fetch_engagement',
};

/** Glia Hub's words for each policy, so the hint names what the administrator will see. */
export const POLICY_LABELS: Record<Policy, string> = {
  create_visitor: 'Create Visitor',
  fetch_visitor: 'Fetch Visitor',
  update_visitor: 'Update Visitor',
  create_queue_ticket: 'Create Queue Ticket',
  fetch_queue: 'Fetch Queue',
  fetch_engagement: 'Fetch Engagement',
  update_engagement: 'Update Engagement',
  fetch_engagement_requests: 'Fetch Engagement Requests',
};

/** What the hint table needs to know besides the step and the status. */
export interface HintContext {
  step: GliaStep;
  failure: GliaFailure;
  status: number | null;
  gliaMessage: string | undefined;
  /** The configured base URL (not a secret; named so the administrator can check it). */
  apiBase: string;
  /** For the token step: the type that was tried, and whether the secret starts with `gls_`. */
  credentialType?: CredentialType;
  secretLooksLikeSiteKey?: boolean;
  /** Seconds Glia asked us to wait, on a 429. */
  retryAfterSeconds?: number;
  timeoutMs?: number;
}

/** The policy a 403 most likely lacks: the one Glia named, else the step's. */
function missingPolicy(step: GliaStep, gliaMessage: string | undefined): Policy | undefined {
  const said = gliaMessage?.toLowerCase() ?? '';
  const named = Object.keys(POLICY_LABELS).find(
    (policy) => said.includes(policy) || said.includes(policy.replaceAll('_', ' '))
  );
  return (named as Policy | undefined) ?? STEP_POLICIES[step];
}

/** The token-exchange row of the table: the failures of the community thread live here. */
function tokenHint(context: HintContext): string | undefined {
  const {status, credentialType, secretLooksLikeSiteKey} = context;
  if (status === 422 && credentialType === 'site' && !secretLooksLikeSiteKey) {
    return 'This is a Service Credential (its secret does not start with gls_), and /sites/tokens only takes legacy Site API keys: set GLIA_CREDENTIAL_TYPE=service or auto.';
  }
  if (
    (status === 422 || status === 401) &&
    credentialType === 'service' &&
    secretLooksLikeSiteKey
  ) {
    return 'This is a legacy Site API key (its secret starts with gls_), which /operator_authentication/tokens does not take: set GLIA_CREDENTIAL_TYPE=site or auto.';
  }
  if (status === 401) {
    return `Glia did not accept GLIA_API_KEY_ID and GLIA_API_KEY_SECRET: check both values, that the key has not been revoked or deleted in Glia Hub, and that it belongs to the region of ${context.apiBase}.`;
  }
  if (status === 403) {
    return 'The key exists but may not mint tokens: check in Glia Hub that it is active and has a role.';
  }
  if (status === 422) {
    return 'Glia refused the key exchange: check that GLIA_API_KEY_ID and GLIA_API_KEY_SECRET are a matching pair.';
  }
  return undefined;
}

/**
 * The hint for a failure: the one place that knows what each step's errors mean. Returns plain
 * words that name the setting or permission to change.
 */
export function gliaHint(context: HintContext): string {
  const {step, failure, status, apiBase} = context;
  if (failure === 'network') {
    return `Glia is unreachable at ${apiBase}: check GLIA_API_BASE (e.g. https://api.glia.com or https://api.glia.eu), DNS, and that this host may make outbound HTTPS calls.`;
  }
  if (failure === 'timeout') {
    return `Glia did not answer within ${Math.round((context.timeoutMs ?? 0) / 1000)} s at ${apiBase}: check the network path to Glia, or try again later.`;
  }
  if (failure === 'invalid-response') {
    return `The answer from ${apiBase} is not what Glia sends: check that GLIA_API_BASE is Glia's API host, not the Hub or a web page.`;
  }
  if (step === 'token') {
    const hint = tokenHint(context);
    if (hint) return hint;
  }
  if (status === 403) {
    const policy = missingPolicy(step, context.gliaMessage);
    if (policy) {
      return `The credential lacks the "${POLICY_LABELS[policy]}" permission (${policy}): add it to the API key's role in Glia Hub.`;
    }
    return step === 'operator' || step === 'visitor-token'
      ? "Glia refused this call: check the permissions of the API key's role in Glia Hub."
      : 'Glia refused this call for the visitor: the engagement may belong to someone else or be over.';
  }
  if (status === 401) {
    return step === 'operator' ||
      step === 'engagement' ||
      step === 'update-visitor' ||
      step === 'queue' ||
      step === 'create-visitor'
      ? 'Glia rejected a fresh token: the key may have been revoked or lost its role; check it in Glia Hub.'
      : "Glia rejected the visitor's token even after renewing it: start a new conversation.";
  }
  if (status === 404) {
    if (context.gliaMessage?.toLowerCase().includes('route')) {
      return `Glia has no such route at ${apiBase}: check that GLIA_API_BASE is Glia's API host (https://api.glia.com, https://api.glia.eu).`;
    }
    if (step === 'queue' || step === 'queue-ticket') {
      return 'Glia does not know this queue: check GLIA_QUEUE_ID (and that the queue belongs to GLIA_SITE_ID).';
    }
    if (step === 'update-visitor')
      return 'Glia does not know this site or visitor: check GLIA_SITE_ID.';
    if (step === 'operator')
      return 'Glia does not know this operator; a generic name is shown instead.';
    return 'Glia does not know this resource any more: the conversation may have ended.';
  }
  if (status === 409 && step === 'queue-ticket') {
    return 'The visitor already waits in another queue: end that request first.';
  }
  if (status === 422 && step === 'queue-ticket') {
    return 'Glia refused the queue ticket: check that the queue is open and serves text chat.';
  }
  if (status === 413 && step === 'upload-file') {
    return "Glia refused the file as too large: set FILE_MAX_BYTES no higher than Glia's limit.";
  }
  if (status === 422 && step === 'upload-file') {
    return "Glia refused the file (its type, or the engagement is over): check FILE_CONTENT_TYPES against the site's file settings in Glia Hub.";
  }
  if (status === 422 && (step === 'send-message' || step === 'typing' || step === 'end')) {
    return 'The engagement is over or not ready: start a new conversation.';
  }
  if (status === 400) {
    return 'Glia refused the request as malformed (often a wrong API version): report this with the request id from the logs.';
  }
  if (status === 429) {
    const wait =
      context.retryAfterSeconds === undefined
        ? ''
        : ` (it asked to wait ${context.retryAfterSeconds} s)`;
    return `Glia is rate-limiting this credential${wait}: fewer requests, or ask Glia for a higher limit.`;
  }
  if (status !== null && status >= 500) {
    return `Glia had a server error at ${apiBase}; calls were retried where safe. Try again later, or check Glia's status page.`;
  }
  return `Glia answered ${status ?? 'nothing'} at step ${step}: see Glia's message.`;
}

/** What a `GliaError` is built from. */
export interface GliaErrorInit {
  step: GliaStep;
  failure: GliaFailure;
  /** The HTTP status, or `null` when Glia did not answer. */
  status: number | null;
  /** Glia's own message from any of its error shapes, when it sent one. */
  gliaMessage?: string;
  hint: string;
  /** Seconds from a 429's `Retry-After`. */
  retryAfterSeconds?: number;
}

/**
 * A failed Glia call: which step, what Glia said, and what to do. Its `message` and `toJSON()` hold
 * no token or secret, so it may be logged and shown.
 */
export class GliaError extends Error {
  readonly step: GliaStep;
  readonly failure: GliaFailure;
  readonly status: number | null;
  readonly gliaMessage: string | undefined;
  readonly hint: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: GliaErrorInit) {
    const said = init.gliaMessage ? `: ${init.gliaMessage}` : '';
    const what = init.status === null ? init.failure : `HTTP ${init.status}`;
    super(`Glia step "${init.step}" failed (${what})${said}`);
    this.name = 'GliaError';
    this.step = init.step;
    this.failure = init.failure;
    this.status = init.status;
    this.gliaMessage = init.gliaMessage;
    this.hint = init.hint;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The fields a log line or `doctor --json` shows. */
  toJSON(): Record<string, unknown> {
    return {
      step: this.step,
      failure: this.failure,
      status: this.status,
      gliaMessage: this.gliaMessage,
      hint: this.hint,
    };
  }
}

/** The wire's step for a Glia step: the browser knows no `cancel-ticket` or `visitor-token`. */
export function toHandoffStep(step: GliaStep): HandoffStep {
  if (step === 'cancel-ticket') return 'end';
  if (step === 'visitor-token') return 'create-visitor';
  if (step === 'engagement') return 'operator';
  // Reading what Glia holds of the conversation, like the operator's name: never the browser's step.
  if (step === 'transcript') return 'operator';
  // Files travel with messages: the browser knows them as part of sending and showing those.
  if (step === 'upload-file' || step === 'download-file') return 'send-message';
  return step;
}
