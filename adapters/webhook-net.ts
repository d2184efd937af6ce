// Sends webhook requests only to allowed destinations: names are resolved here, every address is
// checked, and the socket connects to the checked address itself (no second lookup a DNS rebinding
// could answer differently). The API uses the same guard for an early check when a batch is created.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed, DESTINATION_REFUSED, parseIp, type DestinationPolicy } from '../domain/destinations';

/** Resolves a host name to its addresses (all families). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** The system resolver (getaddrinfo, so /etc/hosts counts too). */
export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Thrown when a destination is refused; its message is the same for every reason. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  constructor() {
    super(DESTINATION_REFUSED);
  }
}

export interface GuardOptions {
  policy: DestinationPolicy;
  /** @default systemResolver */
  resolve?: Resolver;
  /** Called with every address a connection is about to be opened to, after it was allowed (tests watch it). */
  onConnect?: (address: string, url: URL) => void;
}

/** What a guarded POST answers. */
export interface GuardedResponse {
  status: number;
}

export class DestinationGuard {
  private readonly resolve: Resolver;
  constructor(private readonly o: GuardOptions) {
    this.resolve = o.resolve ?? systemResolver;
  }

  /** The addresses a URL's host stands for: itself when it is a literal IP, else what the resolver says. */
  private async addresses(url: URL): Promise<Array<{ address: string; family: 4 | 6 }>> {
    const ip = parseIp(url.hostname);
    if (ip) return [{ address: ip.toString(), family: ip.kind() === 'ipv6' ? 6 : 4 }];
    return this.resolve(url.hostname);
  }

  /**
   * The early check made when a batch is created: refused when the host is, or now resolves to, a
   * forbidden address. A name that does not resolve yet is accepted (delivery checks again).
   */
  async check(rawUrl: string): Promise<boolean> {
    const url = new URL(rawUrl);
    let list: Array<{ address: string }>;
    try {
      list = await withTimeout(this.addresses(url), 3000);
    } catch {
      return true;
    }
    return list.every((a) => addressAllowed(url, a.address, this.o.policy));
  }

  /**
   * POSTs `body` to `rawUrl` without following redirects. Every address of the host must be allowed
   * (one bad answer among several means the name is not to be trusted); the socket then connects to
   * the first of them. Throws {@link DestinationRefusedError} before any connection when refused.
   */
  async post(rawUrl: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<GuardedResponse> {
    const url = new URL(rawUrl);
    const list = await this.addresses(url);
    if (!list.length || !list.every((a) => addressAllowed(url, a.address, this.o.policy))) throw new DestinationRefusedError();
    const target = list[0]!;
    this.o.onConnect?.(target.address, url);
    // net.connect calls this instead of DNS, so the connection goes to the address just checked.
    const lookup: LookupFunction = (_host, options, cb) => {
      if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
      else cb(null, target.address, target.family);
    };
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<GuardedResponse>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          // A literal IP host skips `lookup` in net.connect, so connect to the checked form of it.
          ...(parseIp(url.hostname) ? { hostname: target.address } : { lookup }),
          // TLS still verifies the certificate against the name in the URL.
          servername: parseIp(url.hostname) ? undefined : url.hostname,
          headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
          signal: init.signal,
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('error', () => undefined);
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
