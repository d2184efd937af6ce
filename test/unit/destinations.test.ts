// Which webhook destinations are refused: every range a server must not reach on a user's behalf, in
// every spelling the URL parser accepts, and the operator's allow-list.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../domain/config';
import { addressAllowed, canonicalHost, isAllowListed, parseAllowList, parseIp, refusedRange } from '../../domain/destinations';

const hostOf = (u: string) => new URL(u).hostname;

describe('webhook destinations', () => {
  it('refuses loopback, private, link-local, CGNAT, unique-local, multicast, reserved and unspecified addresses', () => {
    const refused = [
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.0.0.170', '192.0.2.1', '198.18.0.1', '198.51.100.7', '203.0.113.9',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', 'fec0::1', '100::1', '2001:db8::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::7f00:1', '64:ff9b::7f00:1', '64:ff9b::808:808', '2002:7f00:1::', '2001:0:4136:e378:8000:63bf:80ff:fffe',
    ];
    for (const a of refused) assert.ok(refusedRange(a), `${a} must be refused`);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(refusedRange(a), undefined, `${a} is public`);
  });

  it('reads every spelling of an address as that address', () => {
    const loopback = ['http://127.1/', 'http://0x7f.1/', 'http://2130706433/', 'http://017700000001/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/'];
    for (const u of loopback) {
      const ip = parseIp(hostOf(u));
      assert.ok(ip, u);
      assert.equal(refusedRange(ip), 'loopback', u);
      assert.equal(canonicalHost(hostOf(u)), '127.0.0.1', u);
    }
    assert.equal(refusedRange(parseIp(hostOf('http://0xa9fea9fe/'))!), 'linkLocal');
    assert.equal(parseIp('example.com'), undefined);
    assert.equal(parseIp('0x7f.example'), undefined);
  });

  it('lets the allow-list and the development switch through, and nothing else', () => {
    const list = parseAllowList(' 127.1:8080 , [::1]:*, hooks.internal:443');
    assert.deepEqual(list, [
      { host: '127.0.0.1', port: 8080 },
      { host: '::1', port: '*' },
      { host: 'hooks.internal', port: 443 },
    ]);
    const policy = { allowPrivate: false, allowHosts: list };
    assert.ok(isAllowListed(new URL('http://2130706433:8080/x'), list));
    assert.ok(!isAllowListed(new URL('http://127.0.0.1:8081/x'), list));
    assert.ok(isAllowListed(new URL('https://HOOKS.internal/x'), list));
    assert.ok(addressAllowed(new URL('http://[::1]:9/'), '::1', policy));
    assert.ok(!addressAllowed(new URL('http://other.internal/'), '10.1.2.3', policy));
    assert.ok(addressAllowed(new URL('http://other.internal/'), '10.1.2.3', { allowPrivate: true, allowHosts: [] }));
    assert.ok(addressAllowed(new URL('http://example.com/'), '93.184.216.34', { allowPrivate: false, allowHosts: [] }));
    for (const bad of ['nohost', 'a:b', 'x:70000', ':80']) assert.throws(() => parseAllowList(bad), Error, bad);
  });
});

describe('webhook and proxy settings', () => {
  it('parses BOLT_WEBHOOK_ALLOW_*, BOLT_TRUST_PROXY and refuses malformed values naming the variable', () => {
    const c = loadConfig({ BOLT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:9000,hooks.local:*', BOLT_WEBHOOK_ALLOW_PRIVATE: 'true', BOLT_TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    assert.deepEqual(c.webhooks, { allowPrivate: true, allowHosts: [{ host: '127.0.0.1', port: 9000 }, { host: 'hooks.local', port: '*' }] });
    assert.deepEqual(c.trustProxy, ['loopback', '10.0.0.0/8']);
    const d = loadConfig({});
    assert.deepEqual(d.webhooks, { allowPrivate: false, allowHosts: [] }, 'off by default');
    assert.equal(d.trustProxy, false);
    assert.equal(loadConfig({ BOLT_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.throws(() => loadConfig({ BOLT_WEBHOOK_ALLOW_HOSTS: 'no-port' }), (e: unknown) => e instanceof ConfigError && /BOLT_WEBHOOK_ALLOW_HOSTS/.test(e.message));
    assert.throws(() => loadConfig({ BOLT_WEBHOOK_ALLOW_PRIVATE: 'yes' }), /BOLT_WEBHOOK_ALLOW_PRIVATE/);
    assert.throws(() => loadConfig({ BOLT_TRUST_PROXY: 'evil;rm' }), /BOLT_TRUST_PROXY/);
  });
});
