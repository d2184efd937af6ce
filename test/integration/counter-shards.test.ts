// Batch counters in shards on real PostgreSQL: many jobs moving at once (and a bulk move among them) leave
// every count equal to what the job rows say; rows from before the shards migrate and fold back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, sql } from 'kysely';
import { languageCounts, readBatchStatus } from '../../db/batch-queries';
import { getBatch, createBatch } from '../../db/batches';
import { createDb } from '../../db/connection';
import { recordTtsSpend, startJobRows, transitionAll, transitionJob } from '../../db/jobs';
import { migrations } from '../../db/migrator';
import { batchQuotaWait, markWaiting } from '../../db/quota-waits';
import type { Database } from '../../db/schema';
import { countCacheHit } from '../../db/scripts';
import { liveWork, usageOn } from '../../db/user-limits';
import { testStack, type TestStack } from '../support/stack';

/** The migration just before the shards: the schema the old rows were written in. */
const BEFORE_SHARDS = (() => {
  const names = Object.keys(migrations).sort();
  return names[names.indexOf('2026_12_02_0800_counter_shards') - 1]!;
})();

const agent = { name: 'a', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 };

/** A batch of `n` jobs, one title each; with `secondLanguage`, the jobs from seq n/2 on are in pt-BR. */
async function newBatch(db: Kysely<Database>, userId: string, n: number, secondLanguage = false): Promise<string> {
  const titles = Array.from({ length: n }, (_, i) => `Shard title ${i} ${randomUUID()}`);
  const en = { language: 'en-US', voice: 'en-US-Neural2-A' };
  const pt = { language: 'pt-BR', voice: 'pt-BR-Neural2-A' };
  const { batch } = await createBatch(db, {
    userId,
    mode: 'matrix',
    titles,
    languages: secondLanguage ? [en, pt] : [en],
    variations: 1,
    masterLanguage: 'en-US',
    options: { agent, audioEncoding: 'MP3', priority: 'normal' },
    jobs: titles.map((title, i) => ({ seq: i, titleIndex: i, title, ...(secondLanguage && i >= n / 2 ? pt : en), variation: 1, usesMasterDirectly: true })),
  });
  return batch.id;
}

/** The counts the job rows themselves give, per status. */
async function rowCounts(db: Kysely<Database>, batchId: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('batch_id', '=', batchId).groupBy('status').execute();
  const out: Record<string, number> = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

describe('batch counters in shards', function () {
  this.timeout(600_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('jobs moving at once, with a bulk cancel among them, leave every count equal to the rows', async () => {
    const userId = `shards-${randomUUID()}`;
    const batchId = await newBatch(stack.db, userId, 120);
    const jobs = await stack.db.selectFrom('jobs').select(['id', 'seq']).where('batch_id', '=', batchId).orderBy('seq').execute();
    const lifecycle = async (jobId: string, seq: number) => {
      if (!(await transitionJob(stack.db, jobId, 'running', { started_at: new Date() }, { countAttempt: true }))) return;
      await recordTtsSpend(stack.db, { jobId, batchId, characters: 10, usd: 0.25 });
      await recordTtsSpend(stack.db, { jobId, batchId, characters: 10, usd: 0.25 }); // a retry: counted once
      await countCacheHit(stack.db, batchId);
      await transitionJob(stack.db, jobId, seq % 7 === 0 ? 'failed' : 'completed', { finished_at: new Date() });
    };
    const cancelling = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return transitionAll(stack.db, batchId, 'queued', 'cancelled');
    })();
    await Promise.all([...jobs.map((j) => lifecycle(j.id, j.seq)), cancelling]);

    const rows = await rowCounts(stack.db, batchId);
    const batch = (await getBatch(stack.db, batchId))!;
    assert.deepEqual({ queued: batch.queued, running: batch.running, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled }, rows);
    const started = rows.completed! + rows.failed!;
    assert.equal(batch.started_attempts, started);
    assert.equal(batch.cache_hits, started);
    assert.ok(Math.abs(batch.spent_usd - started * 0.25) < 1e-9, `spent ${batch.spent_usd}`);
    const usage = await usageOn(stack.db, userId);
    assert.equal(usage.jobsStarted, started);
    assert.ok(Math.abs(usage.spentUsd - started * 0.25) < 1e-9);
    // The shards are really used: more than one row holds this batch's counts.
    const shards = await stack.db.selectFrom('batch_counters').select('shard').where('batch_id', '=', batchId).execute();
    assert.ok(shards.length > 1, `${shards.length} shard rows`);
    // Running jobs of the owner's live batches count the shards too.
    const second = await newBatch(stack.db, userId, 3);
    const [first] = await stack.db.selectFrom('jobs').select('id').where('batch_id', '=', second).orderBy('seq').limit(1).execute();
    await transitionJob(stack.db, first!.id, 'running', {}, { countAttempt: true });
    assert.deepEqual(await liveWork(stack.db, userId), { running: 1, queued: 2 + rows.queued! });
  });

  it('a page of jobs starts in one move: only queued rows, each once, counted in its shard and for its owner', async () => {
    const userId = `page-start-${randomUUID()}`;
    const batchId = await newBatch(stack.db, userId, 40);
    const jobs = await stack.db.selectFrom('jobs').select(['id', 'seq']).where('batch_id', '=', batchId).orderBy('seq').execute();
    const ids = jobs.map((j) => j.id);
    // One is already running (its own move), one cancelled: neither moves again.
    await transitionJob(stack.db, ids[3]!, 'running', { started_at: new Date() }, { countAttempt: true });
    await transitionJob(stack.db, ids[5]!, 'cancelled');
    const otherBatch = await newBatch(stack.db, userId, 2);
    const [foreign] = await stack.db.selectFrom('jobs').select('id').where('batch_id', '=', otherBatch).limit(1).execute();
    const moved = await startJobRows(stack.db, batchId, [...ids.slice(0, 30), foreign!.id]);
    assert.deepEqual(new Set(moved), new Set(ids.slice(0, 30).filter((_, i) => i !== 3 && i !== 5)), 'the queued rows of the page, not another batch');
    // A retry of the same start moves nothing and counts nothing.
    assert.deepEqual(await startJobRows(stack.db, batchId, ids.slice(0, 30)), []);
    const rows = await rowCounts(stack.db, batchId);
    assert.deepEqual(rows, { queued: 10, running: 29, completed: 0, failed: 0, cancelled: 1 });
    const batch = (await getBatch(stack.db, batchId))!;
    assert.deepEqual({ queued: batch.queued, running: batch.running, cancelled: batch.cancelled, started: batch.started_attempts }, { queued: 10, running: 29, cancelled: 1, started: 29 });
    assert.equal((await usageOn(stack.db, userId)).jobsStarted, 29);
    const started = await stack.db.selectFrom('jobs').select(['attempts', 'started_at', 'status']).where('id', 'in', moved).execute();
    assert.ok(started.every((r) => r.attempts === 1 && r.started_at !== null && r.status === 'running'));
    assert.equal((await stack.db.selectFrom('jobs').select('status').where('id', '=', foreign!.id).executeTakeFirstOrThrow()).status, 'queued');
  });

  it("a batch's status in one statement equals its separate reads: counters with shards, languages, waits; another user's gets nothing", async () => {
    const userId = `status-${randomUUID()}`;
    const batchId = await newBatch(stack.db, userId, 30, true);
    const jobs = await stack.db.selectFrom('jobs').select(['id', 'seq']).where('batch_id', '=', batchId).orderBy('seq').execute();
    for (const j of jobs.slice(0, 20)) {
      await transitionJob(stack.db, j.id, 'running', { started_at: new Date() }, { countAttempt: true });
      await recordTtsSpend(stack.db, { jobId: j.id, batchId, characters: 10, usd: 0.125 });
      if (j.seq % 3 === 0) await transitionJob(stack.db, j.id, j.seq % 2 === 0 ? 'completed' : 'failed', { finished_at: new Date() });
    }
    const soon = new Date(Date.now() + 30_000);
    const later = new Date(Date.now() + 90_000);
    for (const [k, j] of jobs.slice(3, 8).entries()) await markWaiting(stack.db, { jobId: j.id, batchId, service: 'gemini', until: k === 0 ? later : soon, reason: k < 3 ? 'quota' : 'provider_errors' });
    await markWaiting(stack.db, { jobId: jobs[9]!.id, batchId, service: 'tts', until: null, reason: 'keys_resting' });

    const read = await readBatchStatus(stack.db, batchId, userId);
    assert.ok(read);
    assert.deepEqual(read.batch, await getBatch(stack.db, batchId));
    assert.equal(read.batch.running, 13);
    assert.ok(Math.abs(read.batch.spent_usd - 20 * 0.125) < 1e-9, `spent ${read.batch.spent_usd}`);
    const byPair = (a: { language: string; status: string }, b: { language: string; status: string }) => `${a.language}/${a.status}`.localeCompare(`${b.language}/${b.status}`);
    assert.deepEqual([...read.languageCounts].sort(byPair), [...(await languageCounts(stack.db, batchId))].sort(byPair));
    assert.deepEqual(
      read.languageCounts.filter((c) => c.language === 'pt-BR').sort(byPair),
      [
        { language: 'pt-BR', status: 'completed', n: 1 },
        { language: 'pt-BR', status: 'failed', n: 1 },
        { language: 'pt-BR', status: 'queued', n: 10 },
        { language: 'pt-BR', status: 'running', n: 3 },
      ],
    );
    assert.deepEqual(read.quotaWait, await batchQuotaWait(stack.db, batchId));
    assert.equal(read.quotaWait.waiting, 6);
    assert.equal(read.quotaWait.reason, 'quota');
    assert.equal(read.quotaWait.until?.getTime(), soon.getTime());
    // Admins read any batch (no user given); another user reads nothing.
    assert.deepEqual(await readBatchStatus(stack.db, batchId), read);
    assert.equal(await readBatchStatus(stack.db, batchId, `other-${randomUUID()}`), undefined);
    assert.equal(await readBatchStatus(stack.db, randomUUID(), userId), undefined);
  });

  it('a bulk move over more than one chunk of seqs moves every row and its count, and reports each chunk', async () => {
    const userId = `shards-${randomUUID()}`;
    const batchId = await newBatch(stack.db, userId, 12_001);
    // A few jobs have left the queue already: the bulk move leaves them where they are.
    const started = await stack.db.selectFrom('jobs').select('id').where('batch_id', '=', batchId).where('seq', 'in', [0, 5000, 12_000]).execute();
    for (const j of started) assert.ok(await transitionJob(stack.db, j.id, 'running', { started_at: new Date() }));
    let chunks = 0;
    const moved = await transitionAll(stack.db, batchId, 'queued', 'cancelled', {}, () => chunks++);
    assert.equal(moved, 11_998);
    assert.equal(chunks, 3);
    const rows = await rowCounts(stack.db, batchId);
    assert.deepEqual(rows, { queued: 0, running: 3, completed: 0, failed: 0, cancelled: 11_998 });
    const batch = (await getBatch(stack.db, batchId))!;
    assert.deepEqual({ queued: batch.queued, running: batch.running, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled }, rows);
    // Again: nothing left to move.
    assert.equal(await transitionAll(stack.db, batchId, 'queued', 'cancelled'), 0);
  });

  it('rows from before the shards keep their counts, and fold back when the migration is undone', async () => {
    const name = `bolt_shards_${process.pid}`;
    await sql`${sql.raw(`create database ${name}`)}`.execute(stack.db);
    const url = new URL(stack.postgres.url);
    url.pathname = `/${name}`;
    const db = createDb(url.toString(), 4);
    try {
      const migrator = new Migrator({ db: db as Kysely<unknown>, provider: { getMigrations: async () => migrations } });
      assert.equal((await migrator.migrateTo(BEFORE_SHARDS)).error, undefined);
      const batchId = await newBatchBeforeShards(db);
      assert.equal((await migrator.migrateToLatest()).error, undefined);
      const before = (await getBatch(db, batchId))!;
      assert.deepEqual([before.queued, before.running, before.completed, before.spent_usd, before.cache_hits], [1, 1, 1, 1.5, 2]);
      assert.deepEqual(await usageOn(db, 'old-user', new Date('2026-11-30T12:00:00Z')), { jobsStarted: 4, spentUsd: 1.5 });
      const queuedJob = await db.selectFrom('jobs').select('id').where('batch_id', '=', batchId).where('status', '=', 'queued').executeTakeFirstOrThrow();
      await transitionJob(db, queuedJob.id, 'running', {}, { countAttempt: true });
      const after = (await getBatch(db, batchId))!;
      assert.deepEqual([after.queued, after.running, after.started_attempts], [0, 2, 1]);

      assert.equal((await migrator.migrateTo(BEFORE_SHARDS)).error, undefined);
      const folded = await db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirstOrThrow();
      assert.deepEqual([folded.queued, folded.running, folded.completed, folded.started_attempts], [0, 2, 1, 1]);
    } finally {
      await db.destroy();
      await sql`${sql.raw(`drop database if exists ${name}`)}`.execute(stack.db);
    }
  });
});

/** A batch of three jobs (queued, running, completed) and a day's usage, written as the schema before shards had them. */
async function newBatchBeforeShards(db: Kysely<Database>): Promise<string> {
  const batchId = await newBatch(db, 'old-user', 3);
  await sql`update jobs set status = (case seq when 0 then 'queued' when 1 then 'running' else 'completed' end) where batch_id = ${batchId}`.execute(db);
  await sql`update batches set queued = 1, running = 1, completed = 1, spent_usd = 1.5, cache_hits = 2 where id = ${batchId}`.execute(db);
  await sql`insert into user_daily_usage (user_id, day, jobs_started, spent_usd) values ('old-user', '2026-11-30', 4, 1.5)`.execute(db);
  return batchId;
}
