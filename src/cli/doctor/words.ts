/** @module The nouns doctor prints: credential kinds, Glia's permission names, endpoints, URLs. */
import {POLICY_LABELS} from '../../proxy/glia/glia-error.js';
import type {CredentialType, Policy} from '../../wire/glia/index.js';

/** What Glia Hub calls each kind of key. */
export function credentialLabel(type: CredentialType): string {
  return type === 'site' ? 'legacy Site API key' : 'Service Credential';
}

/** The token endpoint of each kind of key (docs/glia.md, "Two token exchanges"). */
export const TOKEN_PATHS: Record<CredentialType, string> = {
  service: '/operator_authentication/tokens',
  site: '/sites/tokens',
};

/** The other kind. */
export function otherType(type: CredentialType): CredentialType {
  return type === 'site' ? 'service' : 'site';
}

/** Glia Hub's words for a policy: `update_visitor` → "Update Visitor" (docs/glia.md, "Permissions"). */
export const policyLabel = (policy: Policy): string => POLICY_LABELS[policy];

/** A URL as doctor shows it: without any user or password it may carry. */
export function shownUrl(value: string): string {
  if (!URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.username === '' && url.password === '') return value;
  url.username = '';
  url.password = '';
  return url.href.replace(/\/$/, '');
}
