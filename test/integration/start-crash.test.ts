// Crash of the all-in-one start: `npm start` is SIGKILLed mid-batch (no chance to stop its servers),
// started again with no manual step, and the batch completes with every job done once; a SIGTERM then
// leaves no process of its data directory behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../stack/processes';
import { commandLine } from '../../stack/leftovers';
import { call } from '../support/http';
import { batchBody, ROOT } from '../support/processes';
import { eventually, TEST_ADMIN, type TestStack } from '../support/stack';

/** Pids whose command line names `dir` (our servers of that data directory, nothing else). */
function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (commandLine(pid)?.some((a) => a.includes(dir))) pids.push(pid);
  }
  return pids;
}

describe('npm start after a crash', function () {
  this.timeout(900_000);
  let dataDir = '';
  let child: ChildProcess | undefined;
  let output = '';
  const ports = { api: 0, temporal: 0, ui: 0 };

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-start-crash-'));
    fs.chmodSync(dataDir, 0o755);
    ports.api = await freePort();
    ports.temporal = await freePort();
    ports.ui = await freePort();
  });

  after(() => {
    child?.kill('SIGKILL');
    // Only processes of this test's own data directory.
    for (const pid of processesOf(dataDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm start`'s command (package.json runs `exec node --import tsx stack/start.ts`), until it is ready. */
  async function start(): Promise<ChildProcess> {
    output = '';
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TEMPORAL_') && k !== 'DATABASE_URL') env[k] = v;
    const c = spawn(process.execPath, ['--import', 'tsx', 'stack/start.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, BOLT_DATA_DIR: dataDir, PORT: String(ports.api), TEMPORAL_PORT: String(ports.temporal), TEMPORAL_UI_PORT: String(ports.ui), BOLT_ADMIN_EMAIL: TEST_ADMIN.email, BOLT_ADMIN_PASSWORD: TEST_ADMIN.password },
    });
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(async () => {
      if (c.exitCode !== null) throw new Error(`npm start exited (${c.exitCode}):\n${output}`);
      return output.includes(' — ready');
    }, 'npm start to be ready', 300_000, 200);
    return c;
  }

  it('restarts with no manual step after a SIGKILL mid-batch and completes the batch once', async () => {
    child = await start();
    const on = { apiUrl: `http://127.0.0.1:${ports.api}` } as TestStack;
    const login = await call(on, undefined, 'POST', '/api/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password });
    // Once seen in CI: a simulator answered on the API's port. The child's own lines say which port it bound.
    assert.equal(login.status, 200, `${login.text}\n--- npm start said:\n${output.slice(-4000)}`);
    const token = (login.json as { token: string }).token;
    const created = await call(on, token, 'POST', '/api/batches', batchBody(20, 'Crash start', [
      { language: 'en-US', voice: 'en-US-Neural2-C' },
      { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
    ]));
    assert.equal(created.status, 201, created.text);
    const batchId = (created.json as { batch: { id: string } }).batch.id;
    const progress = async () => (await call(on, token, 'GET', `/api/batches/${batchId}`)).json as { batch: { status: string; counts: { completed: number } } };
    const completedOf = (b: Awaited<ReturnType<typeof progress>>) => b.batch.counts.completed;
    await eventually(async () => completedOf(await progress()) >= 3, 'some jobs done before the crash', 300_000, 500);

    const serversBefore = processesOf(dataDir);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    assert.ok(serversBefore.length >= 2, `PostgreSQL and Temporal ran on the data directory (${serversBefore.length} processes)`);

    child = await start();
    const done = await eventually(async () => {
      const b = await progress();
      return ['completed', 'failed', 'cancelled'].includes(b.batch.status) ? b : undefined;
    }, 'the batch to finish after the restart', 600_000, 1000);
    assert.equal(done.batch.status, 'completed', JSON.stringify(done));
    assert.equal(completedOf(done), 40, 'jobs counted completed');

    // Each job workflow completed exactly once, and each job's audio is stored once.
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const client = new Client({ connection });
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query: `BatchId = "${batchId}" AND WorkflowType = "jobWorkflow" AND ExecutionStatus = "Completed"` })) ids.push(w.workflowId);
      assert.equal(ids.length, 40, 'completed job workflows');
      assert.equal(new Set(ids).size, 40, 'distinct completed job workflows');
    } finally {
      await connection.close();
    }
    // A write cut by the SIGKILL may leave its temporary file (`audio.<ext>.<pid>.<time>.tmp`, never renamed): the
    // store lists no such file, and it is no second output.
    const audio = (fs.readdirSync(path.join(dataDir, 'outputs', 'batches', batchId), { recursive: true }) as string[]).filter((f) => path.basename(f).startsWith('audio.') && !f.endsWith('.tmp'));
    assert.equal(audio.length, 40, `stored audio files: ${audio.join(', ')}`);

    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    await eventually(async () => processesOf(dataDir).length === 0, 'no process of the data directory left after SIGTERM', 60_000, 250);
  });
});
