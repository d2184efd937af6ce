// The ZIP download of a 2,000-job batch is streamed: the API's memory stays flat while hundreds of
// megabytes of audio go through it, and every entry arrives.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { LocalFolderStorage } from '../../adapters/storage';
import { createBatch } from '../../db/batches';
import { appOnStack, newTestUser, testStack, type TestStack } from '../support/stack';

describe('streamed ZIP of a 2,000-job batch', function () {
  this.timeout(300_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('sends 2,000 × 200 KB of audio while the process grows far less than the archive', async () => {
    const JOBS = 2000;
    const AUDIO_BYTES = 200 * 1024;
    const user = await newTestUser(stack, 'bigzip');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-bigzip-'));
    const storage = new LocalFolderStorage(dir);
    const languages = [
      { language: 'en-US', voice: 'en-US-Neural2-C' },
      { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
    ];
    const titles = Array.from({ length: JOBS / 2 }, (_, i) => `Generated title ${i + 1}`);
    const { batch } = await createBatch(stack.db, {
      userId: user.id,
      mode: 'matrix',
      titles,
      languages,
      variations: 1,
      masterLanguage: 'en-US',
      options: { agent: { name: 'a', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 }, audioEncoding: 'MP3', priority: 'normal' },
      jobs: titles.flatMap((title, t) => languages.map((l, k) => ({ seq: t * 2 + k, titleIndex: t, title, language: l.language, voice: l.voice, variation: 1, usesMasterDirectly: k === 0 }))),
    });
    // Random bytes do not compress, like real audio; one buffer reused keeps the test's own memory small.
    const audio = randomBytes(AUDIO_BYTES);
    for (let t = 0; t < titles.length; t++) {
      for (const l of languages) {
        const folder = path.join(dir, 'batches', batch.id, l.language, `${String(t + 1).padStart(4, '0')}-v1-generated-title-${t + 1}`);
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, 'audio.mp3'), audio);
        fs.writeFileSync(path.join(folder, 'script.txt'), `Generated title ${t + 1}\n\nA short script.\n`);
      }
    }
    const app = appOnStack(stack, { storage });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (server.address() as { port: number }).port;
    try {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const res = await fetch(`http://127.0.0.1:${port}/api/batches/${batch.id}/download`, { headers: { authorization: `Bearer ${user.token}` } });
      assert.equal(res.status, 200);
      let bytes = 0;
      let entries = 0;
      let carry = Buffer.alloc(0);
      const signature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        // Count local file headers as they pass (a few bytes carried over chunk edges).
        const view = Buffer.concat([carry, Buffer.from(chunk)]);
        for (let i = view.indexOf(signature); i >= 0; i = view.indexOf(signature, i + 4)) entries++;
        carry = view.subarray(Math.max(0, view.length - 3));
      }
      clearInterval(sampler);
      const archive = JOBS * AUDIO_BYTES;
      const growth = peak - rssBefore;
      console.log(`      zip of ${JOBS} jobs: ${(bytes / 1e6).toFixed(0)} MB sent, process RSS grew ${(growth / 1e6).toFixed(0)} MB at peak`);
      assert.ok(bytes > archive, 'every audio byte went out');
      assert.ok(entries >= JOBS * 2 + 2, `local headers seen: ${entries}`);
      assert.ok(growth < archive / 3, `RSS grew ${growth} bytes for a ${archive}-byte archive: the download is not streamed`);
    } finally {
      app.locals.progress.stop();
      server.closeAllConnections();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await stack.db.deleteFrom('batches').where('id', '=', batch.id).execute();
    }
  });
});
