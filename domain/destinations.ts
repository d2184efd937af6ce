// Where a webhook may be sent: the address classes a server must never reach on a user's behalf
// (loopback, private, link-local and cloud metadata, CGNAT, unique-local, multicast, reserved,
// unspecified, in IPv4 and IPv6 with mapped and embedded forms), and the operator's allow-list.
// Computation only; resolving names and connecting is adapters/webhook-net.ts.
import ipaddr from 'ipaddr.js';

/** The one message a refusal carries: it says nothing about what the host resolved to. */
export const DESTINATION_REFUSED = 'refused: destination not allowed';

/**
 * Ranges refused on top of what ipaddr.js classifies as not `unicast`: IETF protocol assignments,
 * benchmarking, and IPv6 outside global unicast 2000::/3 (IPv4-compatible ::/96, site-local fec0::/10,
 * discard-only 100::/64 and every unassigned block).
 */
const EXTRA_V4 = ['192.0.0.0/24', '198.18.0.0/15', '0.0.0.0/8', '255.255.255.255/32'].map((c) => ipaddr.IPv4.parseCIDR(c));
const GLOBAL_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** A literal IP address in any spelling ipaddr.js and the URL parser accept, or undefined for a name. */
export function parseIp(host: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // Zone ids (fe80::1%eth0) name an interface: a link-local destination whatever the address.
  if (h.includes('%')) return ipaddr.IPv6.parse('fe80::1');
  if (ipaddr.IPv4.isValidFourPartDecimal(h)) return ipaddr.IPv4.parse(h);
  if (ipaddr.IPv6.isValid(h)) return ipaddr.IPv6.parse(h);
  // Short, octal, hex and whole-number IPv4 forms (127.1, 0x7f.1, 017700000001, 2130706433).
  if (/^[0-9a-fx.]+$/i.test(h) && ipaddr.IPv4.isValid(h)) return ipaddr.IPv4.parse(h);
  return undefined;
}

/** Why an address is refused (its range name), or undefined when it is an ordinary public address. */
export function refusedRange(address: ipaddr.IPv4 | ipaddr.IPv6 | string): string | undefined {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) return 'not an address';
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // A mapped IPv4 address is that IPv4 address; other embeddings (NAT64 64:ff9b::/96, 6to4, Teredo,
    // IPv4-compatible) carry an IPv4 address the network may translate to: refused whole.
    if (v6.isIPv4MappedAddress()) return refusedRange(v6.toIPv4Address());
    const range = v6.range();
    if (range !== 'unicast') return range;
    if (!v6.match(GLOBAL_V6)) return 'not global unicast';
    return undefined;
  }
  const v4 = ip as ipaddr.IPv4;
  const range = v4.range();
  if (range !== 'unicast') return range;
  if (EXTRA_V4.some((cidr) => v4.match(cidr))) return 'reserved';
  return undefined;
}

/** One allow-list entry: a host as the URL parser writes it, and a port or any port. */
export interface AllowedHost {
  host: string;
  port: number | '*';
}

/**
 * Reads `BOLT_WEBHOOK_ALLOW_HOSTS`: comma-separated `host:port` (or `host:*`, or `[v6]:port`). Hosts are
 * canonicalised as URLs canonicalise them, so `127.1:8080` and `127.0.0.1:8080` are one entry.
 * Throws with the bad entry on malformed input.
 */
export function parseAllowList(text: string): AllowedHost[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5}|\*)$/.exec(entry);
      if (!m) throw new Error(`"${entry}" is not host:port or host:*`);
      let host: string;
      try {
        host = new URL(`http://${m[1]}/`).hostname;
      } catch {
        throw new Error(`"${entry}" does not name a host`);
      }
      const port = m[2] === '*' ? '*' : Number(m[2]);
      if (port !== '*' && (port < 1 || port > 65535)) throw new Error(`"${entry}" has no valid port`);
      return { host: canonicalHost(host), port };
    });
}

/** The form hosts are compared in: lower case, IPv6 without brackets, IPv4-mapped IPv6 as IPv4. */
export function canonicalHost(hostname: string): string {
  const ip = parseIp(hostname);
  if (!ip) return hostname.toLowerCase().replace(/\.$/, '');
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return (ip as ipaddr.IPv6).toIPv4Address().toString();
  return ip.toString();
}

/** The port a URL connects to. */
export const urlPort = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/** Whether the operator allow-listed this URL's host and port (then any address it resolves to may be used). */
export function isAllowListed(url: URL, list: readonly AllowedHost[]): boolean {
  const host = canonicalHost(url.hostname);
  const port = urlPort(url);
  return list.some((e) => e.host === host && (e.port === '*' || e.port === port));
}

/** The policy a guard applies. */
export interface DestinationPolicy {
  /** Let webhooks reach private and loopback addresses (local development only). @default false */
  allowPrivate: boolean;
  allowHosts: readonly AllowedHost[];
}

/** Whether the address a connection is about to use is allowed for this URL under the policy. */
export function addressAllowed(url: URL, address: string, policy: DestinationPolicy): boolean {
  if (policy.allowPrivate || isAllowListed(url, policy.allowHosts)) return true;
  return refusedRange(address) === undefined;
}
