// Main-queue activities for master scripts: is a job's master written, and if not, join (or start) the
// per-(batch, title, variation) master workflow that writes it once. No Gemini task is queued to find out.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Database, JobStatus } from '../db/schema';
import { Stage } from '../domain/errors';
import { aheadOfJobs } from '../domain/job-workflow';
import { MASTER_WAITER_SIGNAL, MASTER_WORKFLOW_TYPE, masterWorkflowId } from '../domain/master-script';
import { getUserLimits } from '../db/user-limits';
import { startJobRow } from './bookkeeping';
import { mustGetBatch, mustGetJobAndBatch } from './deps';
import { withStage } from './failures';

/** The job's master script identity, and whether it is written. */
async function masterOf(db: Kysely<Database>, jobId: string) {
  const { job, batch, master } = await mustGetJobAndBatch(db, jobId);
  return { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, written: master !== undefined };
}

/** True for a job row whose (batch, title, variation) has its master script, in the batch's master language. */
function masterWritten(eb: ExpressionBuilder<Database, 'jobs'>, masterLanguage: string) {
  return eb.exists(
    eb
      .selectFrom('scripts')
      .select('scripts.id')
      .whereRef('scripts.batch_id', '=', 'jobs.batch_id')
      .whereRef('scripts.title_index', '=', 'jobs.title_index')
      .whereRef('scripts.variation', '=', 'jobs.variation')
      .where('scripts.language', '=', masterLanguage),
  );
}

/** Jobs past a page whose masters {@link prefetchMasters} may start too, and how many such masters at most per call. */
export const MASTERS_AHEAD = { jobs: 1000, masters: 100 } as const;

/** Master starts in flight at once. */
const PARALLEL_MASTER_STARTS = 20;

/**
 * Masters this process started ahead lately, so each page does not ask again for the same running ones (a
 * 100,000-job batch would send tens of thousands of starts). Only a saving: a master that closes unwritten is
 * started again when its jobs start (`registerWaiters`) or ask again, and a restarted process simply asks again.
 */
const startedAhead = new LRUCache<string, true>({ max: 20_000, ttl: 10 * 60_000 });

/**
 * True when starting the masters of jobs beyond the page cannot spend what the batch may never use: no budget
 * cap (the batch may stop before those jobs) and no daily limit of its owner (they may wait for another day).
 */
async function mayLookAhead(db: Kysely<Database>, batch: { options: { budgetUsd?: number }; user_id: string }): Promise<boolean> {
  if (batch.options.budgetUsd !== undefined) return false;
  const limits = await getUserLimits(db, batch.user_id);
  return limits.jobsPerDay === null && limits.spendPerDayUsd === null;
}

/**
 * Starts the master script workflows of the jobs `seqs` (one per (title, variation) whose master is not yet
 * written), before the jobs themselves start: a master gates every job of its title, and the jobs would each
 * ask for it only after their own first steps. When nothing caps the batch's spend, the masters of the next
 * {@link MASTERS_AHEAD} jobs start too: a minute's Gemini quota can then go to masters at once, as the quota-bound
 * ideal spends it, instead of one page's masters at a time. One already running is left alone (its jobs join
 * it). Returns how many were started or found running.
 */
export async function prefetchMasters(
  db: Kysely<Database>,
  client: Client,
  input: { batchId: string; seqs: number[]; taskQueue: string; priorityKey: number },
): Promise<number> {
  if (input.seqs.length === 0) return 0;
  const batch = await mustGetBatch(db, input.batchId);
  const last = Math.max(...input.seqs);
  const ahead = (await mayLookAhead(db, batch)) ? MASTERS_AHEAD.jobs : 0;
  const firsts = await db
    .selectFrom('jobs')
    .select(['id', 'seq', 'title_index', 'variation'])
    .distinctOn(['title_index', 'variation'])
    .where('batch_id', '=', input.batchId)
    .where((eb) => eb.or([eb('seq', 'in', input.seqs), eb.and([eb('seq', '>', last), eb('seq', '<=', last + ahead)])]))
    // Only those whose master is not written yet.
    .where((eb) => eb.not(masterWritten(eb, batch.master_language)))
    .orderBy('title_index')
    .orderBy('variation')
    .orderBy('seq')
    .execute();
  // The page's masters all (a pair with a job in the page has its first seq there: the others come after), then
  // those ahead, up to the cap.
  const inPage = new Set(input.seqs);
  const idOf = (j: { title_index: number; variation: number }) => masterWorkflowId(batch.id, j.title_index, j.variation);
  const aheadOfPage = firsts.filter((j) => !inPage.has(j.seq) && !startedAhead.has(idOf(j))).slice(0, MASTERS_AHEAD.masters);
  const toStart = [...firsts.filter((j) => inPage.has(j.seq)), ...aheadOfPage];
  for (let i = 0; i < toStart.length; i += PARALLEL_MASTER_STARTS) {
    await Promise.all(
      toStart.slice(i, i + PARALLEL_MASTER_STARTS).map((job) =>
        client.workflow.start(MASTER_WORKFLOW_TYPE, {
          workflowId: idOf(job),
          taskQueue: input.taskQueue,
          // Found unwritten by the query above (a run already going keeps its own input).
          args: [{ jobId: job.id, priorityKey: input.priorityKey, unwritten: true }],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
          // A master gates every job of its title: its workflow tasks go ahead of the jobs' (its activities too).
          priority: { priorityKey: aheadOfJobs(input.priorityKey) },
        }),
      ),
    );
  }
  for (const job of aheadOfPage) startedAhead.set(idOf(job), true);
  return toStart.length;
}

/** A job about to start: its status, its master's identity and whether that master is written. */
export interface JobMaster {
  status: JobStatus;
  titleIndex: number;
  variation: number;
  written: boolean;
}

/** For the batch's jobs `jobIds`: their status, their master's (title, variation) and whether it is written (one query). */
export async function mastersOfJobs(db: Kysely<Database>, batchId: string, jobIds: readonly string[]): Promise<Map<string, JobMaster>> {
  if (jobIds.length === 0) return new Map();
  const batch = await mustGetBatch(db, batchId);
  const rows = await db
    .selectFrom('jobs')
    .select(['jobs.id', 'jobs.status', 'jobs.title_index', 'jobs.variation'])
    .select((eb) => masterWritten(eb, batch.master_language).as('written'))
    .where('jobs.batch_id', '=', batchId)
    .where('jobs.id', 'in', [...jobIds])
    .execute();
  return new Map(rows.map((r) => [r.id, { status: r.status, titleIndex: r.title_index, variation: r.variation, written: Boolean(r.written) }]));
}

/**
 * Registers waiting jobs (their workflow ids, which must exist already, so the master's word cannot come first) with
 * the workflow of each one's master, starting it if none runs: one signal per master, not one per job. A master
 * closed meanwhile (it has just written its script) is started again, finds the script and tells them.
 */
export async function registerWaiters(
  client: Client,
  input: {
    batchId: string;
    taskQueue: string;
    priorityKey: number;
    waiters: Array<{ jobId: string; workflowId: string; titleIndex: number; variation: number }>;
    /** Found unwritten just now: a run started here writes it without looking first. */
    unwritten?: boolean;
  },
): Promise<void> {
  const byMaster = new Map<string, { jobId: string; workflowIds: string[] }>();
  for (const w of input.waiters) {
    const id = masterWorkflowId(input.batchId, w.titleIndex, w.variation);
    const entry = byMaster.get(id) ?? { jobId: w.jobId, workflowIds: [] };
    entry.workflowIds.push(w.workflowId);
    byMaster.set(id, entry);
  }
  const masters = [...byMaster];
  for (let i = 0; i < masters.length; i += PARALLEL_MASTER_STARTS) {
    await Promise.all(
      masters.slice(i, i + PARALLEL_MASTER_STARTS).map(([workflowId, { jobId, workflowIds }]) =>
        client.workflow.signalWithStart(MASTER_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: input.taskQueue,
          // Without `unwritten` (a page of jobs: a run started here most likely follows one that has just written
          // it), the run looks first.
          args: [{ jobId, priorityKey: input.priorityKey, ...(input.unwritten ? { unwritten: true } : {}) }],
          signal: MASTER_WAITER_SIGNAL,
          // One waiter as a plain id, as every master understands (several: a list).
          signalArgs: [workflowIds.length === 1 ? workflowIds[0]! : workflowIds],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          priority: { priorityKey: aheadOfJobs(input.priorityKey) },
        }),
      ),
    );
  }
}

export function createMasterActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** True when the job's master script is written. */
    async masterScriptReady(input: { jobId: string }): Promise<boolean> {
      return withStage(Stage.bookkeeping, async () => (await masterOf(db, input.jobId)).written);
    },

    /**
     * `ready` when the job's master script is written; otherwise registers `waiter` with the master workflow
     * (starting it if none runs), which signals the waiter when the master is written. With `startJob` (the job's
     * first ask, since the `master-request-starts-job` patch) it first moves the job to running, which was an
     * activity of its own.
     */
    async requestMaster(input: { jobId: string; waiter: string; priorityKey: number; startJob?: boolean }): Promise<{ ready: boolean }> {
      if (input.startJob) await startJobRow({ db }, input.jobId);
      return withStage(Stage.bookkeeping, async () => {
        const m = await masterOf(db, input.jobId);
        if (m.written) return { ready: true };
        const { client, info } = Context.current();
        // A closed run (failed, cancelled) may be followed by a new one, which writes the master found unwritten above.
        const waiter = { jobId: input.jobId, workflowId: input.waiter, titleIndex: m.titleIndex, variation: m.variation };
        await registerWaiters(client, { batchId: m.batchId, taskQueue: info.taskQueue, priorityKey: input.priorityKey, waiters: [waiter], unwritten: true });
        return { ready: false };
      });
    },

    /**
     * Cancels the batch's master workflows still running (one per (title, variation) of its jobs, by id, so
     * none is missed for a visibility store that lags), and with `wait` waits until they have closed.
     * Returns how many were running. A cancelled master makes no further Gemini call.
     */
    async cancelMasters(input: { batchId: string; wait?: boolean }): Promise<number> {
      return withStage(Stage.bookkeeping, async () => {
        const pairs = await db.selectFrom('jobs').select(['title_index', 'variation']).distinct().where('batch_id', '=', input.batchId).execute();
        const { client } = Context.current();
        let running = 0;
        // A few requests at a time: a big batch has thousands of (title, variation) pairs.
        for (let i = 0; i < pairs.length; i += 20) {
          await Promise.all(
            pairs.slice(i, i + 20).map(async (p) => {
              const handle = client.workflow.getHandle(masterWorkflowId(input.batchId, p.title_index, p.variation));
              try {
                await handle.cancel();
              } catch (err) {
                if (err instanceof WorkflowNotFoundError) return; // never started, or already closed
                throw err;
              }
              running++;
              if (input.wait) await handle.result().catch(() => undefined);
            }),
          );
        }
        return running;
      });
    },
  };
}

export type MasterActivities = ReturnType<typeof createMasterActivities>;
