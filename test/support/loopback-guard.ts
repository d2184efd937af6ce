// The network rule of tests, benches and drills, enforced in their processes: a TCP connection may go to loopback
// only. Every socket's connect is checked before it is made; any other destination (an IP outside 127.0.0.0/8 and
// ::1, or a name other than localhost resolved without the caller's own resolver) is refused as a failed connection
// would be, without any packet sent, and recorded. `loopbackViolations()` lists them; the test run fails on any.
import net from 'node:net';
import { parseIp, refusedRange } from '../../domain/destinations';

/** What was refused: the destination and where the connect came from. */
const violations: string[] = [];

/** True for the loopback addresses, in any spelling the webhook guard reads (domain/destinations.ts), and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === 'localhost.') return true;
  const ip = parseIp(h);
  return ip !== undefined && refusedRange(ip) === 'loopback';
}

interface ConnectTarget {
  host?: string;
  port?: number | string;
  path?: string | null;
  lookup?: net.LookupFunction;
}

type LookupAddress = string | Array<{ address: string; family: number }>;

/** The options of a `socket.connect(...)` call, in each of its forms (net.connect passes its normalised array). */
function targetOf(args: unknown[]): ConnectTarget | undefined {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first && typeof first === 'object') return first as ConnectTarget;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  if (typeof first === 'string') return { path: first };
  return undefined;
}

function record(destination: string): Error {
  const frames = (new Error().stack ?? '').split('\n').slice(1).map((l) => l.trim());
  const from = frames.filter((l) => !l.includes('(node:') && !l.includes('loopback-guard')).slice(0, 4).join(' ← ');
  violations.push(`${destination} (${from})`);
  return Object.assign(new Error(`network rule: the connection to ${destination} was refused (tests, benches and drills reach loopback only)`), { code: 'ECONNREFUSED' });
}

/** A caller's own resolver, checked: a name it resolves outside loopback is refused before any connection. */
function checkedLookup(lookup: net.LookupFunction, host: string): net.LookupFunction {
  return ((hostname: string, options: unknown, callback: (err: Error | null, address: LookupAddress, family?: number) => void) => {
    (lookup as unknown as (h: string, o: unknown, cb: typeof callback) => void)(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const outside = all.find((a) => !isLoopbackHost(a));
      if (outside) return callback(record(`${host} → ${outside}`), address, family);
      callback(null, address, family);
    });
  }) as unknown as net.LookupFunction;
}

let installed = false;

/** Installs the guard in this process (once). */
export function installLoopbackGuard(): void {
  if (installed) return;
  installed = true;
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    const target = targetOf(args);
    if (target && typeof target.path !== 'string') {
      const host = target.host ?? 'localhost';
      if (!isLoopbackHost(host)) {
        if (parseIp(host) === undefined && typeof target.lookup === 'function') {
          target.lookup = checkedLookup(target.lookup, host);
        } else {
          const err = record(`${host}:${String(target.port ?? '')}`);
          process.nextTick(() => this.destroy(err));
          return this;
        }
      }
    }
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
}

/** The connections refused so far in this process. */
export function loopbackViolations(): readonly string[] {
  return violations;
}

/** Drops the refusals recorded after the first `count` (the guard's own test provokes some on purpose). */
export function forgetLoopbackViolations(count: number): void {
  violations.splice(count);
}

/** Node arguments that load the guard in a spawned process run with tsx's `--require tsx/cjs`. */
export function loopbackGuardArgs(): string[] {
  return ['--require', require.resolve('./loopback-guard-install')];
}

/** Sets the exit code and prints the refusals when the network rule refused a connection in this process. */
export function failOnLoopbackViolations(what: string): void {
  const refused = loopbackViolations();
  if (refused.length === 0) return;
  console.error(`${what}: the network rule refused ${refused.length} connection(s) (benches, drills and tests reach loopback only):\n${refused.map((r) => `  ${r}`).join('\n')}`);
  process.exitCode = 3;
}
