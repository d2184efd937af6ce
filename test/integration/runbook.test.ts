// The runbook cannot drift from the code: every `sh` block of docs/operations.md runs here against the
// real stack, in order (blocks marked `<!-- runbook: skip — why -->` excepted, each with its reason).
// Keys and backup blocks work on a database and data directory of their own, so the shared stack's
// master key and rows stay as they are; a marker row proves that restore brings back what dump saved.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { setBatchStatus } from '../../db/batches';
import { createDb } from '../../db/connection';
import { migrateToLatest } from '../../db/migrator';
import type { Database } from '../../db/schema';
import { launchBatch, waitForBatch } from '../support/batches';
import { call } from '../support/http';
import { batchBody, ROOT } from '../support/processes';
import { testAdminToken, testStack, type TestStack } from '../support/stack';

const RUNBOOK = path.join(ROOT, 'docs', 'operations.md');

interface Block {
  code: string;
  skip?: string;
  line: number;
}

/** The `sh` blocks of a Markdown file, with the skip note just above each, if any. */
export function shBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    const above = lines[start - 1] ?? '';
    const skip = /<!-- runbook: skip — (.+) -->/.exec(above)?.[1];
    blocks.push({ code: body.join('\n'), skip, line: start + 1 });
  }
  return blocks;
}

/**
 * Runs a block in bash. Asynchronously: the API the blocks call is served by this very process (the
 * shared test stack), so a synchronous wait would leave it unable to answer.
 */
function runBash(code: string, env: Record<string, string>, timeoutMs = 600_000): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${code}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

describe('operations runbook (docs/operations.md)', function () {
  this.timeout(1_800_000);
  let stack: TestStack;
  let dataDir = '';
  let db: Kysely<Database> | undefined;
  const dbName = `bolt_runbook_${process.pid}`;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-runbook-'));
    const admin = new pg.Client({ connectionString: stack.postgres.url });
    await admin.connect();
    await admin.query(`create database ${dbName}`).finally(() => admin.end());
  });

  after(async () => {
    await db?.destroy();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every command block that can run against the local stack', async () => {
    const blocks = shBlocks(fs.readFileSync(RUNBOOK, 'utf8'));
    const skipped = blocks.filter((b) => b.skip);
    for (const b of skipped) assert.ok(b.skip!.length > 20, `the skip note at line ${b.line} says why`);
    assert.ok(blocks.length - skipped.length >= 12, `most blocks run (${blocks.length - skipped.length} of ${blocks.length})`);

    // A batch with one job that fails (a title the simulated Gemini refuses), owned by the test admin.
    const token = await testAdminToken(stack);
    const me = (await call(stack, token, 'GET', '/api/me')).json as { user: { id: string } };
    const body = batchBody(2, 'Runbook');
    body.titles.push('Runbook refused title [sim:SAFETY]');
    const created = await call(stack, token, 'POST', '/api/batches', body);
    assert.equal(created.status, 201, created.text);
    const batchId = (created.json as { batch: { id: string } }).batch.id;
    await waitForBatch(stack, batchId, ['completed', 'failed'], 300_000);
    const failed = (await call(stack, token, 'GET', `/api/batches/${batchId}/jobs?status=failed`)).json as { jobs: Array<{ seq: number }> };
    assert.equal(failed.jobs.length, 1);
    const jobWf = `job-${batchId}-${failed.jobs[0]!.seq}`;

    // The keys and backup blocks' own database, migrated, with a marker row for the restore check.
    const url = new URL(stack.postgres.url);
    url.pathname = `/${dbName}`;
    db = createDb(url.toString(), 2);
    await migrateToLatest(db as Kysely<unknown>);
    const marker = () => db!.selectFrom('api_key_projects').select('project').where('project', '=', 'runbook-marker').executeTakeFirst();
    await db.insertInto('api_key_projects').values({ service: 'tts', project: 'runbook-marker', rpm: 1, rpd: 1 }).execute();

    /** A batch that stays running (no worker polls its queue), for the cancel and terminate blocks. */
    const idleBatch = async () => {
      const { batchId: id } = await launchBatch(stack, { titles: 1, userId: me.user.id, taskQueue: `runbook-idle-${process.pid}`, label: 'Runbook idle' });
      await setBatchStatus(stack.db, id, 'running');
      return id;
    };

    const goBin = path.join(os.homedir(), 'go', 'bin');
    const baseEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TEMPORAL_') && k !== 'BOLT_MASTER_KEY') baseEnv[k] = v;
    const env = {
      ...baseEnv,
      PATH: `${process.env.PATH}:${goBin}:/usr/local/go/bin`,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      BOLT_API: stack.apiUrl!,
      TOKEN: token,
      USER_ID: me.user.id,
      BATCH_ID: batchId,
      JOB_WF: jobWf,
      DATABASE_URL: url.toString(),
      BOLT_DATA_DIR: dataDir,
    };

    let ran = 0;
    for (const block of blocks) {
      if (block.skip) continue;
      const blockEnv: Record<string, string> = { ...env };
      if (/\/cancel"|workflow cancel|workflow terminate/.test(block.code)) blockEnv.BATCH_ID = await idleBatch();
      const r = await runBash(block.code, blockEnv);
      assert.equal(r.status, 0, `runbook block at line ${block.line} failed (${r.status ?? r.signal}):\n${block.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      ran++;
      if (block.code.includes('db -- dump')) {
        // Both commands of the block ran: dump, then restore over the same database. Prove the restore
        // really replaces the contents: remove the marker, restore again from the dump, find it back.
        assert.ok(await marker(), 'the marker is there after dump and restore');
        await db.deleteFrom('api_key_projects').where('project', '=', 'runbook-marker').execute();
        const again = await runBash('npm run db -- restore /tmp/bolt-backup.dump', blockEnv);
        assert.equal(again.status, 0, again.stderr);
        assert.ok(await marker(), 'restore brought back the row the dump saved');
        assert.match(again.stdout, /restored from \/tmp\/bolt-backup\.dump .* with pg_restore \(PostgreSQL\) 18/);
      }
      if (block.code.includes('grep -m 20')) assert.match(r.stdout, /content_blocked|SAFETY|Failed/i);
      if (block.code.includes('npm run replay')) assert.match(r.stdout, /1 histories replay against the current code/);
      if (block.code.includes('rotate-master-key')) assert.match(r.stdout, /re-encrypted \d+ key\(s\) under a new master key/);
    }
    console.log(`      ran ${ran} runbook blocks; ${skipped.length} marked as not runnable here`);
    fs.rmSync('/tmp/bolt-backup.dump', { force: true });
    fs.rmSync('/tmp/bolt-history.json', { force: true });
  });
});
