// The test stack's name resolution for webhooks: names the tests map (to loopback or to forbidden
// addresses), `localhost`, and nothing else, so no test ever asks a real DNS server or reaches past
// loopback. Every address the guard lets a connection use is recorded for the tests to check.
import type { Resolver } from '../../adapters/webhook-net';

/** Host names tests make resolve to given addresses (set before the request, changed to rebind). */
export const testNames = new Map<string, string[]>();

/** Every address a webhook connection was opened to, with the URL it was for. */
export const webhookConnections: Array<{ address: string; url: string }> = [];

export const testResolver: Resolver = async (hostname) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const mapped = name === 'localhost' ? ['127.0.0.1'] : testNames.get(name);
  if (!mapped) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return mapped.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

export const recordConnection = (address: string, url: URL): void => {
  webhookConnections.push({ address, url: url.href });
};
