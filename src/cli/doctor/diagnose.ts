/**
 * @module Turns a failed Glia call into what the administrator reads: Glia's status and message,
 * the likely cause and the fix, split in two (the proxy's `GliaError.hint` says both in one
 * sentence, and is the fallback for anything not known here).
 */
import {STEP_POLICIES, GliaError} from '../../proxy/glia/glia-error.js';
import {POLICIES} from '../../wire/glia/index.js';
import type {Policy} from '../../wire/glia/index.js';
import type {GliaSettings} from './check-config.js';
import type {FailedStep} from './doctor-report.js';
import {policyLabel, shownUrl} from './words.js';

/** What a diagnosis needs besides the error. */
export interface DiagnoseContext {
  glia: GliaSettings;
  /** The call, e.g. `POST /visitors`. */
  endpoint: string;
  /** Why the last connection failed (`ECONNREFUSED`, `ENOTFOUND api.glia.cm`), if one did. */
  connectionError?: string;
  /** An HTTP(S)_PROXY variable is set: Node's fetch ignores it, which explains many timeouts. */
  proxyVariable?: string;
  timeoutMs: number;
}

export type Diagnosis = Omit<FailedStep, 'step' | 'title' | 'ok'>;

/** The diagnosis of `error` thrown by the Glia client (or anything else, which is doctor's bug). */
export function diagnose(error: unknown, context: DiagnoseContext): Diagnosis {
  if (!(error instanceof GliaError)) {
    return {
      cause: `doctor itself failed: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'This is a bug in glia-handoff: please report it with this output.',
      detail: context.endpoint,
    };
  }
  const base = shownUrl(context.glia.apiBase);
  const said = error.gliaMessage ? {gliaMessage: error.gliaMessage} : {};
  if (error.failure === 'network') return unreachable(context, base);
  if (error.failure === 'timeout') {
    return {
      cause: `Glia did not answer within ${seconds(context.timeoutMs)} at ${base}.`,
      fix: withProxyNote(
        `Check the network path from this host to ${base} (firewall, outbound proxy), or try again later.`,
        context
      ),
      detail: `${context.endpoint}: no answer`,
    };
  }
  const status = error.status ?? undefined;
  const detail = `${context.endpoint} answered ${status ?? 'nothing usable'}`;
  if (error.failure === 'invalid-response') {
    return {
      status,
      cause: `${base} answered, but not the way Glia's API does: it is not Glia's API host.`,
      fix: "Set GLIA_API_BASE to Glia's API host: https://api.glia.com (US) or https://api.glia.eu (EU), not Glia Hub or another web page.",
      detail,
    };
  }
  const http = {status, ...said, detail};
  if (status === 404 && /route/i.test(error.gliaMessage ?? '')) {
    return {
      ...http,
      cause: `${base} has no route ${context.endpoint.split(' ')[1] ?? ''}: GLIA_API_BASE is not Glia's API host, or carries a path.`,
      fix: 'Set GLIA_API_BASE to https://api.glia.com (US) or https://api.glia.eu (EU), with no path.',
    };
  }
  if (status === 403) return {...http, ...missingPermission(error, context)};
  if (status === 401) {
    return {
      ...http,
      cause: 'Glia rejected a token that it had just issued for this key.',
      fix: 'The key may have been revoked, or lost its role, while doctor ran: check it in Glia Hub and run doctor again.',
    };
  }
  if (status === 429) {
    const wait =
      error.retryAfterSeconds === undefined
        ? ''
        : ` (Glia asked to wait ${error.retryAfterSeconds} s)`;
    return {
      ...http,
      cause: `Glia is limiting the rate of requests from this key${wait}.`,
      fix: 'Wait a minute and run doctor again; if the proxy is running with the same key, it shares the limit.',
    };
  }
  if (status !== undefined && status >= 500) {
    return {
      ...http,
      cause: `Glia had a server error (${status}), and answered the same when asked again.`,
      fix: 'Nothing in your configuration causes this: try again in a few minutes, and contact Glia support if it lasts.',
    };
  }
  const known = stepSpecific(error, context);
  if (known) return {...http, ...known};
  return {
    ...http,
    cause: `Glia refused the call with ${status ?? 'an error'}${error.gliaMessage ? `: ${error.gliaMessage}` : ''}.`,
    fix: error.hint,
  };
}

/** The fix for a connection that never opened. */
function unreachable(context: DiagnoseContext, base: string): Diagnosis {
  const code = context.connectionError;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(code)) {
    return {
      cause: `The TLS certificate check failed when connecting to ${base} (${code}).`,
      fix: 'If your network inspects HTTPS with its own certificate authority, give Node that certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem. Otherwise check GLIA_API_BASE.',
      detail: `${context.endpoint}: no connection`,
    };
  }
  return {
    cause: `Nothing answered at ${base}${code ? ` (${code})` : ''}: the connection failed.`,
    fix: withProxyNote(
      'Check GLIA_API_BASE (https://api.glia.com in the US, https://api.glia.eu in the EU), DNS, and that this host may open outbound HTTPS connections to it.',
      context
    ),
    detail: `${context.endpoint}: no connection`,
  };
}

function withProxyNote(fix: string, context: DiagnoseContext): string {
  if (!context.proxyVariable) return fix;
  return `${fix} ${context.proxyVariable} is set, but Node's built-in fetch (used by doctor and the proxy) does not use it on Node 20; Node 24 does with NODE_USE_ENV_PROXY=1.`;
}

/** A 403: the permission the call needs, named as Glia Hub names it. */
function missingPermission(
  error: GliaError,
  context: DiagnoseContext
): Pick<Diagnosis, 'cause' | 'fix'> {
  const said = error.gliaMessage?.toLowerCase() ?? '';
  const named = POLICIES.find((p) => said.includes(p) || said.includes(p.replaceAll('_', ' ')));
  const policy: Policy | undefined = named ?? STEP_POLICIES[error.step];
  if (!policy) {
    return {cause: 'Glia refused this call for this key.', fix: error.hint};
  }
  const label = policyLabel(policy);
  const onlyDoctor =
    error.step === 'queue'
      ? ' doctor reads the queue to check that it exists and is open; the handoff itself does not read queues.'
      : '';
  const alternative =
    error.step === 'queue'
      ? ' Or run doctor with --ticket, which checks the queue by filing a ticket.'
      : '';
  return {
    cause: `The key's role lacks the "${label}" permission (${policy}).${onlyDoctor}`,
    fix: `In Glia Hub, add "${label}" to the role of API key ${context.glia.apiKeyId}, then run doctor again.${alternative}`,
  };
}

/** Statuses whose meaning depends on the step (404 and 422 mostly). */
function stepSpecific(
  error: GliaError,
  context: DiagnoseContext
): Pick<Diagnosis, 'cause' | 'fix'> | undefined {
  const {siteId, queueId} = context.glia;
  const message = error.gliaMessage ?? '';
  if (error.status === 404 && error.step === 'update-visitor') {
    return {
      cause: `Glia has no such visitor on site ${siteId}, though this key created it a moment ago: the key belongs to another site than GLIA_SITE_ID.`,
      fix: 'Set GLIA_SITE_ID to the id of the site the API key was created for (Glia Hub shows both).',
    };
  }
  if (error.status === 404 && (error.step === 'queue' || error.step === 'queue-ticket')) {
    return {
      cause: `Glia knows no queue ${queueId} on the key's site.`,
      fix: 'Set GLIA_QUEUE_ID to the id of an existing queue of your site, from Glia Hub.',
    };
  }
  if (error.status === 422 && error.step === 'queue-ticket') {
    if (/site_id/.test(message)) {
      return {
        cause: `Glia refused the ticket because of the site: GLIA_SITE_ID (${siteId}) is not the visitor's site.`,
        fix: 'Set GLIA_SITE_ID to the id of the site the API key was created for.',
      };
    }
    if (/queue/.test(message)) {
      return {
        cause: `Glia refused the ticket because of the queue ${queueId}.`,
        fix: 'Set GLIA_QUEUE_ID to a queue of your site that is open and takes text chat.',
      };
    }
    if (/webhook|url/i.test(message)) {
      return {
        cause: 'Glia refused the webhook the proxy registers with each ticket.',
        fix: 'Set PUBLIC_URL to the public https address of the proxy.',
      };
    }
  }
  return undefined;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
