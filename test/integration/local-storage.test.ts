// The local-folder storage lists a job's files by reading that job's folder only: the cost of a listing
// does not grow with other batches' outputs. Every folder read is recorded and checked.
import assert from 'node:assert/strict';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalFolderStorage } from '../../adapters/storage';

describe('local-folder storage listing', () => {
  let root: string;
  before(async () => {
    root = fsSync.mkdtempSync(path.join(os.tmpdir(), 'bolt-local-list-'));
  });
  after(() => fsSync.rmSync(root, { recursive: true, force: true }));

  it("reads only the listed job's folder, however many other batches there are", async () => {
    const s = new LocalFolderStorage(root);
    for (let b = 0; b < 30; b++) for (let j = 0; j < 5; j++) await s.put(`batches/b${b}/jobs/${j}/audio.mp3`, 'x');
    await s.put('batches/b7/jobs/3/script.txt', 'y');
    await s.put('batches/b7/jobs/3/sub/captions.vtt', 'z');
    await s.put('batches/b7/jobs/30/audio.mp3', 'not job 3');

    const read: string[] = [];
    const original = fs.readdir;
    (fs as { readdir: unknown }).readdir = (dir: string, ...rest: unknown[]) => {
      read.push(path.relative(root, dir));
      return (original as (...a: unknown[]) => unknown)(dir, ...rest);
    };
    try {
      assert.deepEqual(await s.list('batches/b7/jobs/3/'), ['batches/b7/jobs/3/audio.mp3', 'batches/b7/jobs/3/script.txt', 'batches/b7/jobs/3/sub/captions.vtt']);
      assert.deepEqual(read.sort(), ['batches/b7/jobs/3', 'batches/b7/jobs/3/sub'].map((p) => p.split('/').join(path.sep)));
      read.length = 0;
      // A prefix that ends inside a name reads its parent folder only.
      assert.deepEqual(await s.list('batches/b7/jobs/3'), ['batches/b7/jobs/3/audio.mp3', 'batches/b7/jobs/3/script.txt', 'batches/b7/jobs/3/sub/captions.vtt', 'batches/b7/jobs/30/audio.mp3']);
      assert.ok(read.every((d) => d.startsWith(path.join('batches', 'b7', 'jobs'))), read.join(', '));
      assert.deepEqual(await s.list('../'), []);
      assert.deepEqual(await s.list('batches/none/'), []);
    } finally {
      (fs as { readdir: unknown }).readdir = original;
    }
  });
});
