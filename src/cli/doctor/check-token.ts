/**
 * @module Step 2: the token exchange for the configured kind of key. When Glia refuses the key,
 * doctor tries the other endpoint, so it can say which kind of key the administrator really holds
 * (a Service Credential at `/sites/tokens` gets a 422: the failure behind the community thread).
 */
import type {GliaClient} from '../../proxy/glia/glia-client.js';
import {GliaError} from '../../proxy/glia/glia-error.js';
import {isSiteApiKeySecret} from '../../wire/glia/index.js';
import type {CredentialType} from '../../wire/glia/index.js';
import type {GliaSettings} from './check-config.js';
import {diagnose} from './diagnose.js';
import type {DiagnoseContext} from './diagnose.js';
import {outcome} from './doctor-report.js';
import type {DoctorStep} from './doctor-report.js';
import {TOKEN_PATHS, credentialLabel, otherType} from './words.js';

export interface TokenCheck {
  step: DoctorStep;
  /** A client whose key works, for the later steps (absent when no endpoint took the key). */
  client?: GliaClient;
}

export interface TokenCheckDeps {
  glia: GliaSettings;
  /** A client that uses `type`'s token endpoint. */
  clientFor: (type: CredentialType) => GliaClient;
  context: (endpoint: string) => DiagnoseContext;
}

/** Statuses that mean "not this key here", worth asking the other endpoint about. */
const REFUSALS = new Set([400, 401, 403, 404, 422]);

/** Exchanges the key; on a refusal, asks the other endpoint which kind of key it is. */
export async function checkToken(deps: TokenCheckDeps): Promise<TokenCheck> {
  const {glia} = deps;
  const looksLikeSiteKey = isSiteApiKeySecret(glia.apiKeySecret);
  const type: CredentialType =
    glia.credentialType === 'auto' ? (looksLikeSiteKey ? 'site' : 'service') : glia.credentialType;
  const endpoint = `POST ${TOKEN_PATHS[type]}`;
  const client = deps.clientFor(type);
  try {
    const {expiresInSeconds} = await client.exchangeToken(type);
    return {
      step: outcome.passed(
        'token',
        `${endpoint} took the ${credentialLabel(type)}; its token lasts ${expiresInSeconds} s.`
      ),
      client,
    };
  } catch (error) {
    const refused =
      error instanceof GliaError &&
      error.failure === 'http' &&
      error.status !== null &&
      REFUSALS.has(error.status);
    if (!refused) return {step: outcome.failed('token', diagnose(error, deps.context(endpoint)))};
    return tryOtherEndpoint(deps, type, error, looksLikeSiteKey);
  }
}

async function tryOtherEndpoint(
  deps: TokenCheckDeps,
  type: CredentialType,
  first: GliaError,
  looksLikeSiteKey: boolean
): Promise<TokenCheck> {
  const other = otherType(type);
  const endpoint = `POST ${TOKEN_PATHS[type]}`;
  const otherEndpoint = `POST ${TOKEN_PATHS[other]}`;
  const said = first.gliaMessage === undefined ? {} : {gliaMessage: first.gliaMessage};
  const otherClient = deps.clientFor(other);
  try {
    await otherClient.exchangeToken(other);
  } catch (second) {
    const secondStatus =
      second instanceof GliaError ? (second.status ?? second.failure) : 'an error';
    const both = first.status === 401 && second instanceof GliaError && second.status === 401;
    const diagnosis = diagnose(first, deps.context(endpoint));
    return {
      step: outcome.failed('token', {
        status: first.status ?? undefined,
        ...said,
        cause: both
          ? 'Glia knows no key with this id and secret at either token endpoint: the id or the secret is wrong, or the key was revoked or deleted.'
          : `Glia refused the key at both token endpoints (${otherEndpoint} answered ${secondStatus}).`,
        fix: both
          ? `Check GLIA_API_KEY_ID and GLIA_API_KEY_SECRET against the key in Glia Hub (copy the secret again, without quotes or spaces); if the key was revoked or deleted, create a new Service Credential. The key must also belong to the region of GLIA_API_BASE (https://api.glia.com for the US, https://api.glia.eu for the EU).`
          : diagnosis.fix,
        detail: `${endpoint} answered ${first.status}; ${otherEndpoint} answered ${secondStatus}.`,
      }),
    };
  }
  // The other endpoint took it: the configured kind is wrong. Suggest auto only where it would be right.
  const autoWouldWork = looksLikeSiteKey === (other === 'site');
  const setting = deps.glia.credentialType;
  const fix =
    setting === 'auto'
      ? `Set GLIA_CREDENTIAL_TYPE=${other}: auto guessed a ${credentialLabel(type)} from the secret's ${looksLikeSiteKey ? 'gls_ prefix' : 'lack of a gls_ prefix'}, which is wrong for this key.`
      : `Set GLIA_CREDENTIAL_TYPE=${other}${autoWouldWork ? " or auto (auto picks by the secret's gls_ prefix)" : ''}.`;
  const kind =
    other === 'service'
      ? `This is a Service Credential: ${endpoint}, the endpoint for legacy Site API keys, refused it (${first.status}), and ${otherEndpoint} took it.`
      : `This is a legacy Site API key: ${endpoint}, the endpoint for Service Credentials, refused it (${first.status}), and ${otherEndpoint} took it.`;
  return {
    step: outcome.failed('token', {
      status: first.status ?? undefined,
      ...said,
      cause: kind,
      fix,
      detail: `${endpoint} answered ${first.status}. The steps below used ${otherEndpoint}, to find any other problem in the same run.`,
    }),
    client: otherClient,
  };
}
