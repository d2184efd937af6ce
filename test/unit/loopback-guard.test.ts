// The network rule's guard (test/support/loopback-guard.ts): loopback connects go through, anything else is refused
// before a socket is opened, names are resolved only by the caller's own resolver and checked.
import assert from 'node:assert/strict';
import net from 'node:net';
import { forgetLoopbackViolations, installLoopbackGuard, isLoopbackHost, loopbackViolations } from '../support/loopback-guard';

describe('loopback guard (the network rule of tests, benches and drills)', () => {
  let server: net.Server;
  let port = 0;
  let accepted = 0;
  let seen = 0;

  before(async () => {
    installLoopbackGuard();
    server = net.createServer((s) => {
      accepted++;
      s.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  beforeEach(() => {
    seen = loopbackViolations().length;
  });
  // This file's refusals are on purpose: they do not fail the run.
  afterEach(() => forgetLoopbackViolations(seen));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Connects with `options`; resolves with the error, or undefined once connected. */
  const attempt = (options: net.NetConnectOpts) =>
    new Promise<(Error & { code?: string }) | undefined>((resolve) => {
      const socket = net.connect(options);
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err) => resolve(err));
    });

  it('tells loopback addresses from others', () => {
    for (const h of ['127.0.0.1', '127.3.4.5', '127.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::', 'fe80::1', 'fe80::1%lo', '::ffff:10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com']) assert.equal(isLoopbackHost(h), false, h);
  });

  it('lets loopback connections through', async () => {
    const was = accepted;
    assert.equal(await attempt({ host: '127.0.0.1', port }), undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(accepted, was + 1);
    assert.equal(loopbackViolations().length, seen);
  });

  it('refuses any other address before a socket connects, as a refused connection, and records it', async () => {
    const err = await attempt({ host: '169.254.169.254', port: 80 });
    assert.equal(err?.code, 'ECONNREFUSED');
    assert.match(err!.message, /network rule: the connection to 169\.254\.169\.254:80 was refused/);
    assert.equal(loopbackViolations().length, seen + 1);
    assert.match(loopbackViolations().at(-1)!, /^169\.254\.169\.254:80 \(/);
  });

  it('refuses a name without the caller resolver (no DNS query), and checks what a caller resolver answers', async () => {
    const byDns = await attempt({ host: 'bolt-test.invalid', port: 80 });
    assert.match(byDns?.message ?? '', /bolt-test\.invalid:80 was refused/);
    const asked: string[] = [];
    const resolveTo = (address: string): net.LookupFunction =>
      ((hostname: string, options: { all?: boolean }, cb: (err: Error | null, address: unknown, family?: number) => void) => {
        asked.push(hostname);
        if (options.all) cb(null, [{ address, family: 4 }]);
        else cb(null, address, 4);
      }) as unknown as net.LookupFunction;
    const was = accepted;
    assert.equal(await attempt({ host: 'hooks.bolt-test.invalid', port, lookup: resolveTo('127.0.0.1') }), undefined, 'a name resolved to loopback connects');
    const outside = await attempt({ host: 'hooks.bolt-test.invalid', port, lookup: resolveTo('10.1.2.3') });
    assert.match(outside?.message ?? '', /hooks\.bolt-test\.invalid → 10\.1\.2\.3 was refused/);
    assert.deepEqual(asked, ['hooks.bolt-test.invalid', 'hooks.bolt-test.invalid']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(accepted, was + 1, 'only the loopback one reached the server');
    assert.equal(loopbackViolations().length, seen + 2);
  });
});
