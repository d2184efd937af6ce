// Job rows and the batch counters that mirror them: every status change moves exactly one count, once, in
// the counter shard of the job's seq (db/batch-counters.ts), so jobs moving at once do not queue on one row.
import { sql, type Kysely } from 'kysely';
import { FINAL_JOB_STATUSES, JOB_TRANSITIONS } from '../domain/statuses';
import { bumpCounters, counterTotal, countPerShard, moveCount, shardOfSeq } from './batch-counters';
import { addSpend, setBatchStatus } from './batches';
import { countOwnerJobStart } from './user-limits';
import type { Database, Job, JobStatus, JobUpdate } from './schema';

/**
 * Moves a job to `to` (with extra column changes) and shifts the batch counters in the same
 * transaction. Returns false, changing nothing, when the job is already there or the move is
 * not allowed, so activity retries and replays never count twice.
 */
export async function transitionJob(
  db: Kysely<Database>,
  jobId: string,
  to: JobStatus,
  patch: JobUpdate = {},
  opts: { countAttempt?: boolean } = {},
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Lock order everywhere: job rows, then counter shards (ascending), then the owner's usage shard; the
    // job's row lock alone makes its move count once (transitionAll moves only rows it locked too).
    const job = await trx.selectFrom('jobs').select(['status', 'batch_id', 'seq']).where('id', '=', jobId).forUpdate().executeTakeFirst();
    if (!job) throw new Error(`job ${jobId} does not exist`);
    if (!JOB_TRANSITIONS[job.status].includes(to)) return false;
    const updated = await trx
      .updateTable('jobs')
      .set({ ...patch, status: to, updated_at: new Date(), ...(opts.countAttempt ? { attempts: sql<number>`attempts + 1` } : {}) })
      .where('id', '=', jobId)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (FINAL_JOB_STATUSES.includes(to) && job.status === 'running') {
      // The attempt's record outlives a retry, which clears the job's own error columns.
      await trx
        .insertInto('job_attempts')
        .values({
          job_id: jobId,
          attempt: updated.attempts,
          status: to,
          error_stage: updated.error_stage,
          error_code: updated.error_code,
          error_message: updated.error_message,
          started_at: updated.started_at,
        })
        .onConflict((oc) => oc.columns(['job_id', 'attempt']).doNothing())
        .execute();
    }
    const shard = shardOfSeq(job.seq);
    // Each attempt counts once against the batch's grants (with the move, in one statement) and its owner's jobs per day.
    const start = opts.countAttempt === true && to === 'running';
    await bumpCounters(trx, job.batch_id, shard, { [job.status]: -1, [to]: 1, ...(start ? { started_attempts: 1 } : {}) });
    if (start) await countOwnerJobStart(trx, job.batch_id, shard);
    return true;
  });
}

/**
 * Moves the batch's jobs `jobIds` that are still queued to running, each as one more attempt, and counts them in
 * one transaction: what {@link transitionJob} does for one job, for a page of jobs about to start. Rows in another
 * status are left alone (a retry of the start moves nothing twice). Returns the ids moved.
 */
export async function startJobRows(db: Kysely<Database>, batchId: string, jobIds: readonly string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const now = new Date();
    // The update locks each row it moves; the counts then move by exactly those rows, shard by shard (ascending).
    const moved = await trx
      .updateTable('jobs')
      .set({ status: 'running', started_at: now, updated_at: now, error_code: null, error_message: null, error_stage: null, attempts: sql<number>`attempts + 1` })
      .where('batch_id', '=', batchId)
      .where('id', 'in', [...jobIds])
      .where('status', '=', 'queued')
      .returning(['id', 'seq'])
      .execute();
    const shards = countPerShard(moved);
    for (const [shard, n] of shards) await bumpCounters(trx, batchId, shard, { queued: -n, running: n, started_attempts: n });
    for (const [shard, n] of shards) await countOwnerJobStart(trx, batchId, shard, now, n);
    return moved.map((r) => r.id);
  });
}

/** Jobs moved per transaction by {@link transitionAll}: a 100,000-job cancel is 20 short statements. */
const TRANSITION_CHUNK = 5000;

/**
 * Moves every job of a batch in status `from` to `to` (retry-failed, cancel what never started) and
 * shifts the counters by the number actually moved. A transaction per range of 5,000 seqs, each moving
 * its rows and their counts together, with `onChunk` after each (an activity's heartbeat); a run stopped
 * half-way is finished by running it again. Returns how many moved.
 */
export async function transitionAll(db: Kysely<Database>, batchId: string, from: JobStatus, to: JobStatus, patch: JobUpdate = {}, onChunk: () => void = () => undefined): Promise<number> {
  if (!JOB_TRANSITIONS[from].includes(to)) throw new Error(`jobs cannot move from ${from} to ${to}`);
  const range = await db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi')])
    .where('batch_id', '=', batchId)
    .where('status', '=', from)
    .executeTakeFirstOrThrow();
  if (range.lo === null || range.hi === null) return 0;
  let total = 0;
  for (let lo = Number(range.lo); lo <= Number(range.hi); lo += TRANSITION_CHUNK) {
    total += await transitionRange(db, batchId, from, to, patch, lo, lo + TRANSITION_CHUNK);
    onChunk();
  }
  return total;
}

/** Moves the batch's `from` jobs with `lo <= seq < hi` and their counts, in one transaction. */
function transitionRange(db: Kysely<Database>, batchId: string, from: JobStatus, to: JobStatus, patch: JobUpdate, lo: number, hi: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The update locks each row it moves (a job moved meanwhile by transitionJob is re-checked and left out),
    // so the counts move by exactly the rows moved, in each row's shard.
    const moved = await trx
      .updateTable('jobs')
      .set({
        ...patch,
        status: to,
        updated_at: new Date(),
        ...(to === 'queued' ? { error_stage: null, error_code: null, error_message: null, finished_at: null, stage: null } : { finished_at: new Date() }),
      })
      .where('batch_id', '=', batchId)
      .where('seq', '>=', lo)
      .where('seq', '<', hi)
      .where('status', '=', from)
      .returning('seq')
      .execute();
    for (const [shard, n] of countPerShard(moved)) await moveCount(trx, batchId, shard, from, to, n);
    return moved.length;
  });
}

/** Updates job columns that do not affect counters (keys, stage, durations). */
export async function updateJob(db: Kysely<Database>, jobId: string, patch: Omit<JobUpdate, 'status'>): Promise<void> {
  await db.updateTable('jobs').set({ ...patch, updated_at: new Date() }).where('id', '=', jobId).execute();
}

export async function getJob(db: Kysely<Database>, jobId: string): Promise<Job | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
}

/** The next page of a batch's jobs in a status, after `afterSeq`, by seq: what the batch workflow starts next. */
export async function pageJobs(
  db: Kysely<Database>,
  batchId: string,
  statuses: readonly JobStatus[],
  afterSeq: number,
  limit: number,
): Promise<Array<Pick<Job, 'id' | 'seq' | 'uses_master_directly' | 'language' | 'attempts' | 'title' | 'variation'>>> {
  return db
    .selectFrom('jobs')
    .select(['id', 'seq', 'uses_master_directly', 'language', 'attempts', 'title', 'variation'])
    .where('batch_id', '=', batchId)
    .where('status', 'in', statuses)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/**
 * Records what the job's synthesis cost and adds it to the batch's spend, once: a retry that finds the
 * figures already set changes nothing, so the spend counter never counts one narration twice.
 */
export async function recordTtsSpend(
  db: Kysely<Database>,
  r: { jobId: string; batchId: string; characters: number; usd: number; tokens?: { model: string; input: number; output: number } },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const tokens = r.tokens ? { tts_model: r.tokens.model, tts_input_tokens: r.tokens.input, tts_output_tokens: r.tokens.output } : {};
    const set = await trx
      .updateTable('jobs')
      .set({ tts_characters: r.characters, tts_cost_usd: r.usd, ...tokens })
      .where('id', '=', r.jobId)
      .where('tts_cost_usd', 'is', null)
      .returning('seq')
      .executeTakeFirst();
    if (set) await addSpend(trx, r.batchId, r.usd, shardOfSeq(set.seq));
  });
}

/**
 * Stores where the job's narration is (with its loudness and pronunciation notes when the job assembled it) and, for
 * a job that bought no chunk of it (a stored narration, found), its figures as zero: one statement. The chunks a job
 * bought are already in its figures (and the batch's spend), and a retry changes nothing, so no spend is added here
 * (what {@link recordTtsSpend} would do with zero).
 */
export async function recordNarrationStored(
  db: Kysely<Database>,
  jobId: string,
  audio: { audio_key: string; audio_bytes: number; audio_duration_ms: number; loudness?: string; pronunciation_notes?: string | null },
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ ...audio, tts_characters: sql<number>`coalesce(tts_characters, 0)`, tts_cost_usd: sql<number>`coalesce(tts_cost_usd, 0)`, updated_at: new Date() })
    .where('id', '=', jobId)
    .execute();
}

/**
 * Cancels a batch whose workflow never started: its queued jobs (rows, or the counter alone when the
 * rows were deferred and never written) become cancelled, and the batch too.
 */
export async function cancelUnstarted(db: Kysely<Database>, id: string, reason?: { code: string; message: string }): Promise<void> {
  await transitionAll(db, id, 'queued', 'cancelled', reason ? { error_stage: 'orchestration', error_code: reason.code, error_message: reason.message } : {});
  // What is still queued now (column plus shards) are the rows never written: move that whole count.
  await db
    .updateTable('batches')
    .set({ cancelled: sql<number>`cancelled + ${counterTotal('queued')}`, queued: sql<number>`queued - ${counterTotal('queued')}` })
    .where('id', '=', id)
    .execute();
  await setBatchStatus(db, id, 'cancelled');
}
