/**
 * @module The webhook step: can Glia reach PUBLIC_URL? Glia posts every agent message and the
 * start and end of each conversation to `${PUBLIC_URL}/handoff/webhooks/glia/<session>` from its
 * own servers, so when Glia is remote the address must be public and https. Doctor judges the
 * address (and, given a resolver, what its name resolves to here); it cannot see the route from
 * Glia's side.
 */
import type {DoctorStep} from './doctor-report.js';
import {outcome} from './doctor-report.js';
import {HOST_KIND_WORDS, hostKind} from './host-kind.js';
import {shownUrl} from './words.js';

/** Resolves a host name to its addresses (`dns.lookup` with `all: true`, mapped). */
export type Lookup = (hostname: string) => Promise<string[]>;

export interface WebhookUrlCheck {
  apiBase: string;
  publicUrl: string;
  lookup?: Lookup;
  timeoutMs: number;
}

/** Checks PUBLIC_URL against where Glia is. */
export async function checkWebhookUrl(check: WebhookUrlCheck): Promise<DoctorStep> {
  const url = new URL(check.publicUrl);
  const hook = `${shownUrl(check.publicUrl)}/handoff/webhooks/glia/<session>`;
  const gliaHost = new URL(check.apiBase).hostname;
  if (hostKind(gliaHost) !== 'public') {
    return outcome.passed(
      'webhook',
      `Glia at ${gliaHost} is on this machine or network (the simulator?), so ${hook} only has to be reachable from there.`
    );
  }
  const causes: string[] = [];
  if (url.protocol !== 'https:') {
    causes.push(
      "PUBLIC_URL uses http://: the webhooks would carry each conversation's secret and messages unencrypted across the internet."
    );
  }
  const kind = hostKind(url.hostname);
  if (kind !== 'public') causes.push(`PUBLIC_URL points at ${HOST_KIND_WORDS[kind]}.`);
  let note = '';
  if (kind === 'public' && check.lookup) {
    const resolved = await resolve(check.lookup, url.hostname, check.timeoutMs);
    if (resolved.error) {
      causes.push(
        `${url.hostname} does not resolve from here (${resolved.error}), so Glia most likely cannot resolve it either.`
      );
    } else if (
      resolved.addresses.length > 0 &&
      resolved.addresses.every((a) => hostKind(a) !== 'public')
    ) {
      // Split-horizon DNS is common: the public name may point elsewhere outside, so this is a note.
      note = ` Note: from here ${url.hostname} resolves only to ${resolved.addresses.join(', ')}, a private address; that works only if Glia, on the internet, resolves it to your public entry point.`;
    }
  }
  if (causes.length > 0) {
    return outcome.failed('webhook', {
      cause: causes.join('\n'),
      fix: 'Set PUBLIC_URL to the public https address of this proxy: a reverse proxy, load balancer or tunnel in front of it, e.g. https://handoff.example.com. Without it, visitors wait forever: no agent message and no end of a conversation ever arrives.',
      detail: `Glia would post to ${hook}.`,
    });
  }
  return outcome.passed(
    'webhook',
    `Glia will post to ${hook} (public https). Doctor cannot see your network from Glia's side: check that ${shownUrl(check.publicUrl)}/healthz answers from outside it.${note}`
  );
}

async function resolve(
  lookup: Lookup,
  hostname: string,
  timeoutMs: number
): Promise<{addresses: string[]; error?: string}> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{addresses: string[]; error: string}>((done) => {
    timer = setTimeout(() => done({addresses: [], error: 'no answer from DNS'}), timeoutMs);
  });
  try {
    return await Promise.race([
      lookup(hostname).then(
        (addresses) => ({addresses}),
        (error: unknown) => ({
          addresses: [],
          error: (error as {code?: string}).code ?? String(error),
        })
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
