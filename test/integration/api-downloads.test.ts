// Aborted downloads release what they hold: 100 ZIP downloads cut off mid-stream leave no S3 socket or
// file open (this process runs the API, so its /proc/self/fd is the API's), and S3 calls still work.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { call, smallBatch } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';
import { unzip } from '../support/zip';

const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Starts a download and destroys it once `after` bytes arrived; resolves with the bytes seen and whether it had ended. */
function abortedDownload(url: string, token: string, after: number): Promise<{ bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes >= after) {
          const complete = res.complete;
          req.destroy();
          resolve({ bytes, complete });
        }
      });
      res.on('end', () => resolve({ bytes, complete: true }));
      res.on('error', () => undefined);
    });
    req.on('error', (err) => (err.message.includes('socket hang up') || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

describe('aborted downloads', function () {
  this.timeout(600_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('100 ZIP downloads aborted mid-stream close their S3 streams: open fds return to their level, S3 still answers', async () => {
    const user = await newTestUser(stack, 'aborts');
    const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch());
    assert.equal(created.status, 201, created.text);
    const id: string = created.json.batch.id;
    await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'completed', 'the batch', 240_000);
    // Large entries, so every download is cut off while an S3 object is being read.
    const audio = await stack.db.selectFrom('jobs').select('audio_key').where('batch_id', '=', id).execute();
    const big = randomBytes(4 * 1024 * 1024);
    for (const a of audio) await stack.storage.put(a.audio_key!, big, 'audio/mpeg');
    const url = `${stack.apiUrl}/api/batches/${id}/download`;

    // One full download first, so pools (PostgreSQL, S3 sockets) are at their working size.
    const full = await fetch(url, { headers: { authorization: `Bearer ${user.token}` } });
    const whole = Buffer.from(await full.arrayBuffer());
    assert.equal((await unzip(whole)).size >= 2 + audio.length, true);
    await new Promise((r) => setTimeout(r, 2000));
    const before = openFds();

    const results: Array<{ bytes: number; complete: boolean }> = [];
    for (let wave = 0; wave < 4; wave++) {
      results.push(...(await Promise.all(Array.from({ length: 25 }, () => abortedDownload(url, user.token, 256 * 1024)))));
    }
    assert.equal(results.length, 100);
    assert.ok(results.every((r) => !r.complete && r.bytes < whole.length), 'every download was cut off before its end');

    // Idle PostgreSQL connections close after their idle timeout; the S3 sockets must close at once.
    let after = 0;
    await eventually(async () => {
      after = openFds();
      return after <= before;
    }, `open fds to return to ${before} (now ${openFds()})`, 120_000, 500);
    console.log(`      open fds: ${before} before the aborts, ${after} after (${whole.length}-byte archive, 100 aborted after ≥256 KiB each)`);

    // S3 still answers, and a full download still works.
    assert.equal(await stack.storage.size(audio[0]!.audio_key!), big.length);
    assert.deepEqual(await stack.storage.get(audio[0]!.audio_key!), big);
    const again = await fetch(url, { headers: { authorization: `Bearer ${user.token}` } });
    assert.equal(Buffer.from(await again.arrayBuffer()).length, whole.length);
  });
});
