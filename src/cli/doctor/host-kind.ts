/**
 * @module Whether a host can be reached from the internet, judged from its name or address alone
 * (no DNS): Glia calls the proxy's webhooks from its own servers, so a loopback, private or
 * intranet-only address there means the webhooks never arrive.
 */
import {isIP} from 'node:net';

/**
 * `public`: nothing in the name says otherwise. `local-name`: a name only an intranet resolves (no
 * dot, or a suffix such as `.local`, `.internal`, `.lan`).
 */
export type HostKind =
  'loopback' | 'private' | 'link-local' | 'unspecified' | 'local-name' | 'public';

/** Suffixes reserved or customary for names that only a local network resolves. */
const LOCAL_SUFFIXES = ['.local', '.internal', '.lan', '.home', '.corp', '.home.arpa'];

/** Words for each kind, to finish "PUBLIC_URL points at …". */
export const HOST_KIND_WORDS: Record<Exclude<HostKind, 'public'>, string> = {
  loopback: 'this machine (a loopback address), which Glia cannot reach',
  private: 'a private network address, which Glia cannot reach from the internet',
  'link-local': 'a link-local address, which only the local network segment can reach',
  unspecified: 'no address at all (0.0.0.0 or ::)',
  'local-name': 'a name that only your own network resolves',
};

/** The kind of `hostname` as a URL gives it (IPv6 in brackets is fine). */
export function hostKind(hostname: string): HostKind {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const family = isIP(host);
  if (family === 4) return ipv4Kind(host);
  if (family === 6) return ipv6Kind(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (!host.includes('.')) return 'local-name';
  if (LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return 'local-name';
  return 'public';
}

function ipv4Kind(address: string): HostKind {
  const [a = 0, b = 0] = address.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  // 100.64/10 is carrier-grade NAT: as unreachable from outside as 10/8.
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  return 'public';
}

function ipv6Kind(address: string): HostKind {
  if (address === '::1') return 'loopback';
  if (address === '::') return 'unspecified';
  const mapped = /^::ffff:(.+)$/.exec(address)?.[1];
  if (mapped) return ipv4Kind(mappedToDotted(mapped));
  const first = parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  return 'public';
}

/** `::ffff:7f00:1` (how URL writes it) or `::ffff:127.0.0.1` → `127.0.0.1`. */
function mappedToDotted(tail: string): string {
  if (isIP(tail) === 4) return tail;
  const [high = '0', low = '0'] = tail.split(':');
  const h = parseInt(high, 16);
  const l = parseInt(low, 16);
  return [h >> 8, h & 255, l >> 8, l & 255].join('.');
}
