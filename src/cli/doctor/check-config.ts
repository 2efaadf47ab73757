/**
 * @module Step 1: the configuration, read exactly as the proxy reads it (`loadConfig`), so doctor
 * fails on every setting the proxy would refuse at start. Messages name the variable and never
 * quote a secret.
 */
import {ConfigError, loadConfig} from '../../proxy/config.js';
import type {ConfigProblem} from '../../proxy/config.js';
import {GliaEnv, isSiteApiKeySecret} from '../../wire/glia/index.js';
import type {CredentialTypeSetting} from '../../wire/glia/index.js';
import {outcome} from './doctor-report.js';
import type {DoctorStep} from './doctor-report.js';
import {hostKind} from './host-kind.js';
import {credentialLabel, shownUrl} from './words.js';

/** The Glia connection, when its variables are usable (the others may still be wrong). */
export interface GliaSettings {
  apiBase: string;
  siteId: string;
  queueId: string;
  apiKeyId: string;
  apiKeySecret: string;
  credentialType: CredentialTypeSetting;
}

export interface ConfigCheck {
  step: DoctorStep;
  /** Present when every GLIA_* variable is usable: the Glia steps can run. */
  glia?: GliaSettings;
  /** Present when PUBLIC_URL is usable (no trailing slash): the webhook step can run. */
  publicUrl?: string;
}

/** What to do about each variable, in words an administrator can act on. */
const FIXES: Record<string, string> = {
  GLIA_API_BASE:
    "Set GLIA_API_BASE to Glia's API host: https://api.glia.com (US) or https://api.glia.eu (EU), or unset it for the US default. An empty or host-less base URL makes requests go to URLs like https:///visitors, which never reach Glia.",
  GLIA_SITE_ID: "Set GLIA_SITE_ID to your site's id, a UUID, as Glia Hub shows it.",
  GLIA_QUEUE_ID:
    "Set GLIA_QUEUE_ID to the id (a UUID) of the queue to hand off to, from Glia Hub's queue settings.",
  GLIA_API_KEY_ID:
    'Set GLIA_API_KEY_ID and GLIA_API_KEY_SECRET to the id and secret of a Service Credential from Glia Hub (or of a legacy Site API key).',
  GLIA_API_KEY_SECRET:
    'Set GLIA_API_KEY_SECRET to the secret shown when the key was created in Glia Hub (create a new key if it was lost).',
  GLIA_CREDENTIAL_TYPE:
    'Set GLIA_CREDENTIAL_TYPE to auto (recommended: picks by the secret), service or site, or unset it.',
  PUBLIC_URL:
    'Set PUBLIC_URL to the https address where Glia can reach this proxy, e.g. https://handoff.example.com.',
  ALLOWED_ORIGINS:
    'Set ALLOWED_ORIGINS to the origins of the pages that embed the widget, comma-separated, e.g. https://intranet.example.com.',
};

const GLIA_VARIABLES = new Set(Object.keys(GliaEnv.shape));

/** Reads `env` as the proxy does, plus what only doctor checks (Glia over plain http). */
export function checkConfig(env: Record<string, string | undefined>): ConfigCheck {
  const problems: ConfigProblem[] = [];
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const parsed = GliaEnv.safeParse(env);
  const glia: GliaSettings | undefined = parsed.success
    ? {
        apiBase: parsed.data.GLIA_API_BASE,
        siteId: parsed.data.GLIA_SITE_ID,
        queueId: parsed.data.GLIA_QUEUE_ID,
        apiKeyId: parsed.data.GLIA_API_KEY_ID,
        apiKeySecret: parsed.data.GLIA_API_KEY_SECRET,
        credentialType: parsed.data.GLIA_CREDENTIAL_TYPE,
      }
    : undefined;
  if (glia) {
    const base = new URL(glia.apiBase);
    if (base.protocol === 'http:' && hostKind(base.hostname) === 'public') {
      problems.push({
        variable: 'GLIA_API_BASE',
        message: `uses http://, but Glia answers only over HTTPS (got "${shownUrl(glia.apiBase)}")`,
      });
    }
  }
  const publicUrlBad = problems.some((p) => p.variable === 'PUBLIC_URL');
  const publicUrl =
    env.PUBLIC_URL !== undefined && !publicUrlBad ? env.PUBLIC_URL.replace(/\/+$/, '') : undefined;
  const gliaUsable = glia && !problems.some((p) => GLIA_VARIABLES.has(p.variable));

  if (problems.length === 0 && glia) {
    return {step: outcome.passed('config', describe(glia)), glia, publicUrl};
  }
  const fixes = [...new Set(problems.map((p) => FIXES[p.variable] ?? defaultFix(p.variable)))];
  const count = problems.length === 1 ? 'One setting is' : `${problems.length} settings are`;
  const detail = gliaUsable
    ? `${count} wrong: the proxy would not start. The Glia checks below still ran with the GLIA_* variables.`
    : `${count} wrong: the proxy would not start, and Glia cannot be checked.`;
  return {
    step: outcome.failed('config', {
      cause: problems.map((p) => `${p.variable} ${p.message}`).join('\n'),
      fix: fixes.join('\n'),
      detail,
    }),
    glia: gliaUsable ? glia : undefined,
    publicUrl,
  };
}

function defaultFix(variable: string): string {
  return `Correct ${variable} as described, or unset it to use its default.`;
}

/** One line that says which Glia, site, queue and key doctor is about to check. */
function describe(glia: GliaSettings): string {
  const site = isSiteApiKeySecret(glia.apiKeySecret);
  const how =
    glia.credentialType === 'auto'
      ? `auto: the secret ${site ? 'starts' : 'does not start'} with gls_`
      : `GLIA_CREDENTIAL_TYPE=${glia.credentialType}`;
  const type = glia.credentialType === 'auto' ? (site ? 'site' : 'service') : glia.credentialType;
  return `Glia ${shownUrl(glia.apiBase)}, site ${glia.siteId}, queue ${glia.queueId}; key ${glia.apiKeyId} used as a ${credentialLabel(type)} (${how}).`;
}
