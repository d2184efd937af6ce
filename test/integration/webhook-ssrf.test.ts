// Webhooks cannot reach inside the network: forbidden addresses in every spelling are refused when the
// batch is created, a name that resolves to loopback by the time of delivery is refused at delivery
// (DNS rebinding), the log says only `refused: destination not allowed`, and no connection is ever
// opened to anything but the allow-listed receiver on loopback.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWebhookActivities } from '../../activities/webhooks';
import { DestinationGuard } from '../../adapters/webhook-net';
import { refusedRange } from '../../domain/destinations';
import { launchBatch } from '../support/batches';
import { call, smallBatch } from '../support/http';
import { appOnStack, eventually, newTestUser, testStack, type TestStack } from '../support/stack';
import { testNames, testResolver, webhookConnections } from '../support/webhook-dns';

const SECRET = 'whsec-ssrf-0123456789';

/** Forbidden destinations other than the allow-listed 127.0.0.1, each written several ways. */
const FORBIDDEN = [
  'http://127.0.0.2/', 'http://127.2/', 'http://0x7f.2/', 'http://2130706434/', 'http://017700000002/', 'http://0177.0.0.2/', 'http://0x7f000002/',
  'http://localhost/', 'http://LOCALHOST./', 'http://loop.bolt-test/', 'http://[::1]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.2]/', 'http://[::ffff:7f00:2]/',
  'http://[::7f00:1]/', 'http://[64:ff9b::7f00:1]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:7f00:1::]/', 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
  'http://0.0.0.0/', 'http://0/', 'http://[::]/', 'http://10.0.0.1/', 'http://10.1/', 'http://012.0.0.1/', 'http://172.16.0.1/', 'http://172.31.255.254/', 'http://192.168.1.1/',
  'http://3232235777/', 'http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/', 'http://2852039166/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:a9fe:a9fe]/',
  'http://metadata.bolt-test/computeMetadata/v1/', 'http://100.64.0.1/', 'http://100.127.255.254/', 'http://[fc00::1]/', 'http://[fd00:ec2::254]/', 'http://[fe80::1]/',
  'http://[fec0::1]/', 'http://224.0.0.1/', 'http://239.255.255.250/', 'http://[ff02::1]/', 'http://240.0.0.1/', 'http://255.255.255.255/', 'http://192.0.0.170/',
  'http://198.18.0.1/', 'http://192.0.2.1/', 'http://[2001:db8::1]/', 'https://mixed.bolt-test/', 'http://127.0.0.1.bolt-test:8080/',
];

/** Spellings of 127.0.0.1 itself, refused by an API without the test stack's allow-list. */
const LOOPBACK_SPELLINGS = ['http://127.0.0.1:9/', 'http://127.1:9/', 'http://0x7f.1:9/', 'http://2130706433:9/', 'http://017700000001:9/', 'http://[::ffff:127.0.0.1]:9/', 'http://[::ffff:7f00:1]:9/', 'http://127.0.1:9/'];

describe('webhook destinations (SSRF guard)', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let server: http.Server;
  let port: number;
  const received: string[] = [];

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    testNames.set('loop.bolt-test', ['127.0.0.1']);
    testNames.set('metadata.bolt-test', ['169.254.169.254']);
    testNames.set('127.0.0.1.bolt-test', ['127.0.0.1']);
    // One public and one private answer: the name is not to be trusted.
    testNames.set('mixed.bolt-test', ['93.184.216.34', '10.0.0.7']);
    server = http.createServer((req, res) => {
      received.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  afterEach(() => {
    // Whatever a test did, no connection went anywhere but loopback.
    for (const c of webhookConnections) assert.ok(c.address === '127.0.0.1' || c.address === '::1', `a connection to ${c.address} for ${c.url}`);
  });

  it('refuses every spelling of a forbidden destination when the batch is created, and creates nothing', async () => {
    const user = await newTestUser(stack, 'ssrf');
    for (const url of FORBIDDEN) {
      const r = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ webhook: { url, secret: SECRET } }));
      assert.equal(r.status, 400, `${url}: ${r.text}`);
      assert.equal(r.json.error.code, 'validation_error', url);
      assert.deepEqual(r.json.error.details, [{ path: 'webhook.url', message: 'refused: destination not allowed' }], url);
    }
    assert.equal((await call(stack, user.token, 'GET', '/api/batches')).json.total, 0, 'no batch was created');

    // An API without the test stack's allow-list refuses 127.0.0.1 itself, in every spelling.
    const strict = appOnStack(stack, {
      webhookGuard: new DestinationGuard({ policy: { allowPrivate: false, allowHosts: [] }, resolve: testResolver }),
    });
    const s = await new Promise<http.Server>((resolve) => {
      const x = strict.listen(0, '127.0.0.1', () => resolve(x));
    });
    try {
      const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      for (const url of LOOPBACK_SPELLINGS) {
        const res = await fetch(`${base}/api/batches`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
          body: JSON.stringify(smallBatch({ webhook: { url, secret: SECRET } })),
        });
        const body = (await res.json()) as { error: { details: unknown } };
        assert.equal(res.status, 400, url);
        assert.deepEqual(body.error.details, [{ path: 'webhook.url', message: 'refused: destination not allowed' }], url);
      }
    } finally {
      s.close();
    }
    assert.equal((await call(stack, user.token, 'GET', '/api/batches')).json.total, 0);
    assert.equal(received.length, 0, 'nothing was delivered');
  });

  it('refuses at delivery a name that resolved to a public address at creation and to loopback later (DNS rebinding)', async () => {
    const user = await newTestUser(stack, 'rebind');
    const host = `rebind-${process.pid}.bolt-test`;
    testNames.set(host, ['93.184.216.34']);
    const url = `http://${host}:${port}/hook`;
    const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ webhook: { url, secret: SECRET } }));
    assert.equal(created.status, 201, created.text);
    // The name now points inside, before the batch can have finished.
    testNames.set(host, ['127.0.0.1']);
    const id: string = created.json.batch.id;
    await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'completed', 'the batch', 180_000);
    const log = await eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}/webhooks`);
      return r.json.deliveries.length ? r : undefined;
    }, 'the delivery log entry', 60_000);
    assert.equal(log.json.deliveries.length, 1, 'refused once, not retried');
    const d = log.json.deliveries[0];
    assert.equal(d.ok, false);
    assert.equal(d.statusCode, null);
    assert.equal(d.error, 'refused: destination not allowed');
    assert.ok(!log.text.includes('127.0.0.1') && !log.text.includes('93.184'), 'the log names no address');
    assert.equal(received.length, 0, 'the receiver on loopback got nothing');
    assert.ok(!webhookConnections.some((c) => c.url.includes(host)), 'no connection was opened for the name');
  });

  it('checks the address at delivery even for a batch whose URL was never checked, and delivers to the allow-listed receiver', async () => {
    const activities = createWebhookActivities({ db: stack.db, webhookGuard: new DestinationGuard({ policy: stack.config.webhooks, resolve: testResolver, onConnect: (a, u) => webhookConnections.push({ address: a, url: u.href }) }) });
    for (const url of [`http://0x7f.2:${port}/x`, `http://[::ffff:7f00:2]:${port}/x`, `http://loop.bolt-test:${port}/x`, `http://unknown-name.bolt-test:${port}/x`]) {
      const { batchId } = await launchBatch(stack, { titles: 1, languages: [{ language: 'en-US', voice: 'en-US-Neural2-A' }], label: 'SSRF', webhook: { url, secret: SECRET } });
      await assert.rejects(new MockActivityEnvironment().run(activities.deliverBatchWebhook, { batchId }), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure, url);
        assert.equal(err.nonRetryable, !url.includes('unknown-name'), url);
        return true;
      });
    }
    assert.equal(received.length, 0);
    // The control: the allow-listed receiver is reached, and through loopback only.
    const { batchId } = await launchBatch(stack, { titles: 1, languages: [{ language: 'en-US', voice: 'en-US-Neural2-A' }], label: 'SSRF ok', webhook: { url: `http://127.0.0.1:${port}/ok`, secret: SECRET } });
    const ok = (await new MockActivityEnvironment().run(activities.deliverBatchWebhook, { batchId })) as { delivered: boolean };
    assert.equal(ok.delivered, true);
    // (The batch's own workflow may deliver there too once its job is done: same receiver.)
    assert.ok(received.length >= 1 && received.every((r) => r === '/ok'), JSON.stringify(received));
    assert.equal(refusedRange(webhookConnections.at(-1)!.address), 'loopback');
  });
});
