// Completion webhooks: the activity POSTs a signed summary, the signature verifies with the recipe the
// README documents (written out again here, independently of the code), retries are classified, and
// every attempt is in the delivery log the API shows.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWebhookActivities } from '../../activities/webhooks';
import { DestinationGuard } from '../../adapters/webhook-net';
import { call, smallBatch } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

/** The README's recipe: HMAC-SHA256 over "<t>.<raw body>" with the secret, compared in constant time, t within 5 minutes. */
function verify(rawBody: string, header: string, secret: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300 || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return expected.length === parts.v1.length && timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

describe('completion webhooks', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let server: http.Server;
  let url: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const answers: number[] = [];

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/bolt`;
  });
  after(() => server.close());

  it('delivers a signed summary that verifies, retries 5xx, gives up on 4xx, and logs every attempt', async () => {
    const user = await newTestUser(stack, 'webhooks');
    const secret = 'whsec-0123456789abcdef';
    const start = received.length;
    const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ webhook: { url, secret } }));
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json.batch.webhook, { url }, 'the secret is never returned');
    const id = created.json.batch.id;
    // At rest the secret is sealed (to the workers' public key), not in clear.
    const stored = await stack.db.selectFrom('batches').select('options').where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored.options).includes(secret), 'the stored options do not hold the secret');
    assert.match(stored.options.webhook?.sealedSecret ?? '', /^[A-Za-z0-9+/]+=*$/);
    await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'completed', 'the batch', 120_000);
    // The batch workflow itself delivers once when the batch ends.
    await eventually(async () => received.length > start, "the batch workflow's own delivery", 60_000);
    assert.equal(received.length, start + 1);
    assert.ok(verify(received[start]!.body, String(received[start]!.headers['bolt-signature']), secret, Math.floor(Date.now() / 1000)));
    assert.equal(JSON.parse(received[start]!.body).batch.id, created.json.batch.id);

    const activities = createWebhookActivities({ db: stack.db, webhookGuard: new DestinationGuard({ policy: stack.config.webhooks }), masterKeys: stack.masterKeys });
    const before = received.length;
    // Attempt 1: the receiver fails with 503 → a retryable failure.
    answers.push(503);
    await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(activities.deliverBatchWebhook, { batchId: id }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.type, 'WebhookDeliveryFailed');
      return true;
    });
    // Attempt 2: accepted.
    const ok = await new MockActivityEnvironment({ attempt: 2 }).run(activities.deliverBatchWebhook, { batchId: id });
    assert.deepEqual(ok, { delivered: true, statusCode: 200, attempt: 2 });
    assert.equal(received.length, before + 2);

    const now = Math.floor(Date.now() / 1000);
    for (const r of received.slice(before)) {
      const header = String(r.headers['bolt-signature']);
      assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
      assert.ok(verify(r.body, header, secret, now), 'the signature verifies with the documented recipe');
      assert.ok(!verify(r.body, header, 'another-secret-entirely', now), 'and fails with another secret');
      assert.ok(!verify(r.body.replace('completed', 'failed'), header, secret, now), 'and fails for an altered body');
      assert.ok(!verify(r.body, header, secret, now + 3600), 'and fails when replayed an hour later');
      const payload = JSON.parse(r.body);
      assert.equal(payload.event, 'batch.completed');
      assert.equal(payload.batch.id, id);
      assert.deepEqual(payload.batch.counts, { total: 2, queued: 0, running: 0, completed: 2, failed: 0, cancelled: 0 });
      assert.equal(r.headers['bolt-delivery'], payload.deliveryId);
      assert.ok(!r.body.includes(secret));
    }
    assert.equal(received[before]!.headers['bolt-delivery'], received[before + 1]!.headers['bolt-delivery'], 'retries keep the delivery id');

    // A 400 is final: non-retryable.
    answers.push(400);
    await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(activities.deliverBatchWebhook, { batchId: id }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, 'WebhookRejected');
      return true;
    });

    const log = await call(stack, user.token, 'GET', `/api/batches/${id}/webhooks`);
    assert.equal(log.status, 200);
    assert.deepEqual(
      log.json.deliveries.map((d: { attempt: number; statusCode: number; ok: boolean }) => [d.attempt, d.statusCode, d.ok]),
      [
        [1, 200, true],
        [1, 503, false],
        [2, 200, true],
        [1, 400, false],
      ],
    );
    assert.ok(!log.text.includes(secret));
  });

  it('skips batches without a webhook and refuses bad webhook settings', async () => {
    const user = await newTestUser(stack, 'nohook');
    const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch());
    const r = (await new MockActivityEnvironment().run(createWebhookActivities({ db: stack.db, webhookGuard: new DestinationGuard({ policy: stack.config.webhooks }), masterKeys: stack.masterKeys }).deliverBatchWebhook, { batchId: created.json.batch.id })) as { delivered: boolean; skipped?: string };
    assert.equal(r.delivered, false);
    assert.match(r.skipped ?? '', /no webhook/);
    for (const webhook of [{ url: 'ftp://example.com/x', secret: 'long-enough-secret' }, { url, secret: 'short' }, { url }]) {
      const bad = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ webhook }));
      assert.equal(bad.status, 400, JSON.stringify(webhook));
      assert.equal(bad.json.error.code, 'validation_error');
    }
  });
});
