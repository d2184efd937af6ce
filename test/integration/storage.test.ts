// Object storage against the real S3-compatible server (versitygw, which verifies SigV4 signatures).
import assert from 'node:assert/strict';
import { S3Storage } from '../../adapters/storage';
import { testStack, type TestStack } from '../support/stack';

describe('S3 storage on versitygw', function () {
  this.timeout(60_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('puts, sizes, lists, gets and streams objects', async () => {
    const s = stack.storage;
    const body = Buffer.from('olá, mundo — 你好', 'utf8');
    await s.put('tests/a/one.txt', body, 'text/plain; charset=utf-8');
    await s.put('tests/a/two.bin', Buffer.alloc(70_000, 7), 'application/octet-stream');
    assert.equal(await s.size('tests/a/one.txt'), body.length);
    assert.equal(await s.size('tests/a/missing.txt'), undefined);
    assert.deepEqual(await s.list('tests/a/'), ['tests/a/one.txt', 'tests/a/two.bin']);
    assert.deepEqual(await s.get('tests/a/one.txt'), body);
    const chunks: Buffer[] = [];
    for await (const c of await s.stream('tests/a/two.bin')) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).length, 70_000);
  });

  it('is refused by the server with a wrong secret (signatures are checked)', async () => {
    const wrong = new S3Storage({
      bucket: stack.bucket,
      endpoint: stack.s3Server.endpoint,
      region: stack.s3Server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: stack.s3Server.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    await assert.rejects(() => wrong.put('tests/forged.txt', 'x', 'text/plain'), /signature|SignatureDoesNotMatch|Access Denied|AccessDenied/i);
    assert.equal(await stack.storage.size('tests/forged.txt'), undefined);
    wrong.client.destroy();
  });

  it('rejects keys that would escape the storage root', async () => {
    await assert.rejects(() => stack.storage.put('../etc/passwd', 'x', 'text/plain'), /invalid storage key/);
    await assert.rejects(() => stack.storage.put('/abs', 'x', 'text/plain'), /invalid storage key/);
  });
});
