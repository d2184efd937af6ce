// The production path: `npm run build` in a copy of the repository, then a folder with only the built
// files and `npm ci --omit=dev` (no tsx, no TypeScript), and plain `node dist/...` processes run a batch.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countRows, waitForBatch } from '../support/batches';
import { batchBody, killAll, launchThroughApi, ROOT, spawnBolt, type BoltProcess } from '../support/processes';
import { testStack, type TestStack } from '../support/stack';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('production build', function () {
  this.timeout(1_500_000);
  let stack: TestStack;
  let tmp = '';
  const procs: BoltProcess[] = [];

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-prod-build-'));
  });

  after(async () => {
    await killAll(procs);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds, installs production dependencies only, and runs a batch on plain node', async () => {
    // 1. A copy of the sources (what git tracks or would), built with the repository's dev dependencies.
    const src = path.join(tmp, 'src');
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!fs.existsSync(path.join(ROOT, f))) continue;
      fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(src, f));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
    const build = spawnSync(npm, ['run', 'build'], { cwd: src, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    assert.ok(fs.existsSync(path.join(src, 'dist', 'workflow-bundle.js')), 'the workflow code is pre-bundled');

    // 2. The built files and the lockfile alone, with production dependencies only.
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(src, f), path.join(app, f));
    fs.cpSync(path.join(src, 'dist'), path.join(app, 'dist'), { recursive: true });
    const ci = spawnSync(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, encoding: 'utf8' });
    assert.equal(ci.status, 0, `npm ci --omit=dev failed:\n${ci.stdout}\n${ci.stderr}`);
    for (const dev of ['tsx', 'typescript', 'mocha', 'eslint']) assert.equal(fs.existsSync(path.join(app, 'node_modules', dev)), false, `${dev} is not installed`);
    assert.notEqual(spawnSync(process.execPath, ['-e', "require.resolve('tsx')"], { cwd: app }).status, 0, 'tsx cannot be loaded');

    // 3. Plain node on dist/: a worker and the API, against the test stack's Temporal, PostgreSQL and S3.
    const taskQueue = `prod-build-${process.pid}`;
    const worker = await spawnBolt(stack, { kind: 'worker', taskQueue, builtRoot: app });
    procs.push(worker);
    const api = await spawnBolt(stack, { kind: 'api', taskQueue, builtRoot: app });
    procs.push(api);
    for (const p of [worker, api]) assert.equal(p.child.spawnargs.some((a) => a.includes('tsx') || a.endsWith('.ts')), false, p.child.spawnargs.join(' '));
    const { batchId } = await launchThroughApi(stack, api.url!, batchBody(3, 'Built'));
    const done = await waitForBatch(stack, batchId, ['completed', 'failed', 'cancelled'], 300_000);
    assert.equal(done.status, 'completed');
    assert.deepEqual(await countRows(stack, batchId), { completed: 3 });
  });
});
