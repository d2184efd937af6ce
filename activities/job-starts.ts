// The activities that start a batch's job workflows (main queue) and tell the batch which have ended (follow
// queue). The batch starts its jobs through these, not as child workflows, and reads their ends from the job
// rows: no event from a job reaches the batch's history, so none can arrive while the batch continues as new.
import { Context, heartbeat } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { startJobRows } from '../db/jobs';
import type { Database } from '../db/schema';
import { Stage } from '../domain/errors';
import { JOB_WORKFLOW_TYPE, SEARCH_ATTRIBUTES } from '../domain/job-workflow';
import { FINAL_JOB_STATUSES } from '../domain/statuses';
import { withStage } from './failures';
import { mastersOfJobs, prefetchMasters, registerWaiters } from './masters';
import type { JobRef } from './orchestration';

/** A job attempt to start: its row and the workflow id the batch chose for it. */
export interface JobStart extends JobRef {
  workflowId: string;
}

/** The batch-wide facts every job workflow the batch starts carries. */
export interface JobStarts {
  batchId: string;
  userId: string;
  mode: string;
  priorityKey: number;
  /** The batch workflow's task queue, which runs the job workflows too. */
  taskQueue: string;
  jobs: JobStart[];
}

/** Job starts in flight at once within one {@link startJobs} call. */
const PARALLEL_STARTS = 25;

/** How often {@link awaitJobEnds} looks at the job rows, and how long it gathers after a first end. */
const END_POLL_MS = 100;

/** Longest single wait of {@link awaitJobEnds} (the batch asks again). */
const MAX_END_WAIT_MS = 30_000;

const keyword = (name: keyof typeof SEARCH_ATTRIBUTES) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);
const searchAttributeKeys = { BatchId: keyword('BatchId'), UserId: keyword('UserId'), Mode: keyword('Mode'), Language: keyword('Language') };

/**
 * Starts the job workflows, a few at a time. A workflow id that already exists counts as started: a retry of
 * this activity (after a worker crash, say) starts nothing twice, and each attempt has its own id.
 */
async function startJobs(db: Kysely<Database>, input: JobStarts): Promise<number> {
  const { client } = Context.current();
  const { batchId, userId, mode, priorityKey, taskQueue } = input;
  await prefetchMasters(db, client, { batchId, seqs: input.jobs.map((j) => j.seq), taskQueue, priorityKey });
  heartbeat();
  // Each job starts with its row running and its master asked for, so its workflow goes straight to its own calls
  // (this was its first activity). Rows first: a job's first call may end before the rest of the page has started.
  const jobIds = input.jobs.map((j) => j.jobId);
  const masters = await mastersOfJobs(db, batchId, jobIds);
  const moved = new Set(await startJobRows(db, batchId, jobIds));
  // Moved now, or by an earlier attempt of this activity; a row cancelled meanwhile is not started (its end is final).
  const jobs = input.jobs.filter((job) => moved.has(job.jobId) || masters.get(job.jobId)?.status === 'running');
  let started = 0;
  const earlier = new Set<string>();
  for (let i = 0; i < jobs.length; i += PARALLEL_STARTS) {
    await Promise.all(
      jobs.slice(i, i + PARALLEL_STARTS).map(async (job) => {
        try {
          await client.workflow.start(JOB_WORKFLOW_TYPE, {
            workflowId: job.workflowId,
            taskQueue,
            args: [{ batchId, jobId: job.jobId, seq: job.seq, usesMasterDirectly: job.usesMasterDirectly, priorityKey, master: masters.get(job.jobId)?.written ? 'ready' : 'asked' }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            priority: { priorityKey },
            memo: { title: job.title, language: job.language, variation: job.variation, seq: job.seq },
            typedSearchAttributes: [
              { key: searchAttributeKeys.BatchId, value: batchId },
              { key: searchAttributeKeys.UserId, value: userId },
              { key: searchAttributeKeys.Mode, value: mode },
              { key: searchAttributeKeys.Language, value: job.language },
            ],
          });
          started++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          earlier.add(job.jobId);
        }
      }),
    );
    heartbeat();
  }
  // The jobs started `asked`, and those an earlier attempt of this activity started (perhaps `asked`, with a master
  // written since): each is registered, and its master tells it once (a written one at once).
  const waiters = jobs.flatMap((job) => {
    const m = masters.get(job.jobId);
    return m && (!m.written || earlier.has(job.jobId)) ? [{ jobId: job.jobId, workflowId: job.workflowId, titleIndex: m.titleIndex, variation: m.variation }] : [];
  });
  await registerWaiters(client, { batchId, taskQueue, priorityKey, waiters });
  return started;
}

/** The seqs among `seqs` whose job row has reached a final status. */
async function finishedSeqs(db: Kysely<Database>, batchId: string, seqs: number[]): Promise<number[]> {
  if (seqs.length === 0) return [];
  const rows = await db.selectFrom('jobs').select('seq').where('batch_id', '=', batchId).where('seq', 'in', seqs).where('status', 'in', FINAL_JOB_STATUSES).execute();
  return rows.map((r) => r.seq);
}

/**
 * Waits (up to `waitMs`) until at least one of the jobs `seqs` has a final row, then gathers the others that
 * end within one more look, and returns their seqs; returns none when the wait runs out.
 */
async function awaitJobEnds(db: Kysely<Database>, input: { batchId: string; seqs: number[]; waitMs: number }): Promise<number[]> {
  const ctx = Context.current();
  const deadline = Date.now() + Math.min(Math.max(input.waitMs, 0), MAX_END_WAIT_MS);
  for (;;) {
    const ended = await finishedSeqs(db, input.batchId, input.seqs);
    if (ended.length === input.seqs.length || (ended.length === 0 && Date.now() >= deadline)) return ended;
    heartbeat();
    await ctx.sleep(END_POLL_MS);
    if (ended.length > 0) return finishedSeqs(db, input.batchId, input.seqs);
  }
}

/** The activity that starts a batch's jobs (main task queue). */
export function createJobStartActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** Starts the master script workflows the jobs need, then the job workflows (see {@link startJobs}); returns how many jobs were new. */
    async startJobs(input: JobStarts): Promise<number> {
      return withStage(Stage.bookkeeping, () => startJobs(db, input));
    },
  };
}

/**
 * The activity that follows a batch's running jobs, on its own task queue: it waits most of its time, so it
 * would otherwise hold one of the main queue's slots per running batch, away from the jobs' bookkeeping.
 */
export function createJobFollowActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** The running jobs that have ended, once one has (see {@link awaitJobEnds}). */
    async awaitJobEnds(input: { batchId: string; seqs: number[]; waitMs: number }): Promise<number[]> {
      return withStage(Stage.bookkeeping, () => awaitJobEnds(db, input));
    },
  };
}

export type JobStartActivities = ReturnType<typeof createJobStartActivities>;
export type JobFollowActivities = ReturnType<typeof createJobFollowActivities>;
