// Bookkeeping activities of the main task queue: job states, the stored script text and the batch's close.
import { setBatchStatus } from '../db/batches';
import { batchActuals } from '../db/estimates';
import { pageJobs, transitionJob, updateJob } from '../db/jobs';
import type { Job, JobStatus } from '../db/schema';
import { findScript } from '../db/scripts';
import { Stage } from '../domain/errors';
import { mustGetBatch, mustGetJobAndBatch, type ActivityDeps, type JobBatch } from './deps';
import { withStage } from './failures';
import { jobPrefix } from './outputs';

/** Moves the job to running, counting an attempt (a retry finds it running and changes nothing). */
export async function startJobRow({ db }: Pick<ActivityDeps, 'db'>, jobId: string): Promise<void> {
  await withStage(Stage.bookkeeping, () =>
    transitionJob(db, jobId, 'running', { started_at: new Date(), error_code: null, error_message: null, error_stage: null }, { countAttempt: true }),
  );
}

/** A job's row, its batch's and its script (undefined until written): what storing and speaking it read. */
export interface JobRows {
  job: Job;
  batch: JobBatch;
  script: Awaited<ReturnType<typeof findScript>>;
}

/** Reads a job's {@link JobRows}. */
export async function readJobRows(db: ActivityDeps['db'], jobId: string): Promise<JobRows> {
  const { job, batch } = await mustGetJobAndBatch(db, jobId);
  const script = await findScript(db, { batchId: job.batch_id, titleIndex: job.title_index, variation: job.variation, language: job.language });
  return { job, batch, script };
}

/** Writes the job's script text to storage next to its audio (a retry writes the same file); `rows` when already read. */
export function storeJobScript({ db, storage }: Pick<ActivityDeps, 'db' | 'storage'>, jobId: string, rows?: JobRows): Promise<{ scriptKey: string }> {
  return withStage(Stage.storage, async () => {
    const { job, batch, script } = rows ?? (await readJobRows(db, jobId));
    if (!script) throw new Error(`no script for job ${job.id} in ${job.language}`);
    const key = `${jobPrefix({ batchId: batch.id, language: job.language, titleIndex: job.title_index, variation: job.variation, title: job.title })}script.txt`;
    await storage.put(key, `${script.title}\n\n${script.blocks.join('\n\n')}\n`, 'text/plain; charset=utf-8');
    await updateJob(db, job.id, { script_key: key });
    return { scriptKey: key };
  });
}

/** Moves the job to completed; counted when it moved, so a retried activity does not count it twice. */
export async function completeJobRow({ db, metrics }: Pick<ActivityDeps, 'db' | 'metrics'>, jobId: string): Promise<void> {
  const moved = await withStage(Stage.bookkeeping, () => transitionJob(db, jobId, 'completed', { finished_at: new Date(), stage: null }));
  if (moved) metrics?.jobsCompleted.inc();
}

/** Activities that touch only Postgres and storage; they run on the main task queue. */
export function createBookkeepingActivities({ db, storage, metrics }: Pick<ActivityDeps, 'db' | 'storage' | 'metrics'>) {
  return {
    /** Next jobs to start, by seq; only ids travel through history. */
    async nextJobs(input: { batchId: string; afterSeq: number; limit: number; statuses?: JobStatus[] }) {
      return withStage(Stage.bookkeeping, async () => {
        const rows = await pageJobs(db, input.batchId, input.statuses ?? ['queued'], input.afterSeq, input.limit);
        return rows.map((r) => ({ jobId: r.id, seq: r.seq, usesMasterDirectly: r.uses_master_directly, language: r.language }));
      });
    },

    startJob: (input: { jobId: string }) => startJobRow({ db }, input.jobId),

    /** Writes the job's script text to storage next to its audio. */
    storeScript: (input: { jobId: string }) => storeJobScript({ db, storage }, input.jobId),

    completeJob: (input: { jobId: string }) => completeJobRow({ db, metrics }, input.jobId),

    async failJob(input: { jobId: string; stage: string; code: string; message: string }): Promise<void> {
      const moved = await withStage(Stage.bookkeeping, () =>
        transitionJob(db, input.jobId, 'failed', {
          finished_at: new Date(),
          error_stage: input.stage,
          error_code: input.code,
          error_message: input.message.slice(0, 2000),
        }),
      );
      if (moved) metrics?.jobsFailed.inc({ code: input.code, stage: input.stage });
    },

    async cancelJob(input: { jobId: string }): Promise<void> {
      await withStage(Stage.bookkeeping, () => transitionJob(db, input.jobId, 'cancelled', { finished_at: new Date() }));
    },

    /** Marks the batch finished and returns its final counters. */
    async finishBatch(input: { batchId: string; status?: 'completed' | 'cancelled' | 'budget_exhausted' }) {
      return withStage(Stage.bookkeeping, async () => {
        const batch = await mustGetBatch(db, input.batchId);
        const status = input.status ?? (batch.status === 'cancelled' ? 'cancelled' : 'completed');
        // The real figures land with the final status, in one write; a retry rewrites the same figures.
        await setBatchStatus(db, input.batchId, status, await batchActuals(db, input.batchId, { endedAt: new Date() }));
        // `webhook`: whether there is a completion webhook to deliver (the workflow starts no delivery without one).
        return { status, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled, total: batch.total_jobs, webhook: Boolean(batch.options.webhook) };
      });
    },
  };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;
