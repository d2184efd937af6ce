// Job rows and the batch counters that mirror them: every status change moves exactly one count, once.
import { sql, type Kysely } from 'kysely';
import type { Database, Job, JobStatus, JobUpdate } from './schema';

/** Workflow id of a job: `job-<batchId>-<seq>`. */
export const jobWorkflowId = (batchId: string, seq: number): string => `job-${batchId}-${seq}`;

/** Transitions a job may make; anything else is ignored, which makes repeated calls harmless. */
const ALLOWED: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['running', 'cancelled'],
  running: ['completed', 'failed', 'cancelled', 'queued'],
  failed: ['queued'],
  cancelled: ['queued'],
  completed: [],
};

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
    const job = await trx.selectFrom('jobs').select(['status', 'batch_id']).where('id', '=', jobId).forUpdate().executeTakeFirst();
    if (!job) throw new Error(`job ${jobId} does not exist`);
    if (!ALLOWED[job.status].includes(to)) return false;
    await trx
      .updateTable('jobs')
      .set({ ...patch, status: to, updated_at: new Date(), ...(opts.countAttempt ? { attempts: sql<number>`attempts + 1` } : {}) })
      .where('id', '=', jobId)
      .execute();
    await trx
      .updateTable('batches')
      .set({
        [job.status]: sql`${sql.ref(job.status)} - 1`,
        [to]: sql`${sql.ref(to)} + 1`,
        updated_at: new Date(),
      })
      .where('id', '=', job.batch_id)
      .execute();
    return true;
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
): Promise<Array<Pick<Job, 'id' | 'seq' | 'uses_master_directly' | 'language'>>> {
  return db
    .selectFrom('jobs')
    .select(['id', 'seq', 'uses_master_directly', 'language'])
    .where('batch_id', '=', batchId)
    .where('status', 'in', statuses)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}
