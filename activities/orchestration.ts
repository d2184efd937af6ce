// Activities the batch workflow uses to steer itself: paging jobs, pause state, retry-failed, cancel.
import { Context, heartbeat } from '@temporalio/activity';
import type { Kysely, Transaction } from 'kysely';
import { attemptsAllowed, budgetMessage } from '../domain/budget';
import { shippedCatalog, type PriceTable } from '../domain/catalog';
import { estimateBatch } from '../domain/estimates';
import { setBatchStatus, writeMissingJobs } from '../db/batches';
import { pageJobs, transitionAll, transitionJob } from '../db/jobs';
import type { Batch, Database } from '../db/schema';
import { forgetFailedScriptChecks } from '../db/script-checks';
import { Stage } from '../domain/errors';
import { FINAL_JOB_STATUSES } from '../domain/statuses';
import { countGrant, getUserLimits, liveWork, lockUser, usageOn } from '../db/user-limits';
import { userAllowance } from '../domain/user-limits';
import type { WaitingFor } from '../db/schema';
import { mustGetBatch } from './deps';
import { withStage } from './failures';

/** Most attempts granted at once, so a limit an admin sets while a batch runs applies within this many starts. */
const MAX_GRANT = 100;

/** The batch workflow's answer from {@link OrchestrationActivities.jobAllowance}. */
export interface JobAllowance {
  /** Attempts the batch may start now. */
  jobs: number;
  /** The batch's own budget cap is reached: it ends as `budget_exhausted`. */
  budgetExhausted: boolean;
  /** With `jobs: 0` for a user limit: ask again after this long, or sooner when one of the batch's jobs ends. */
  recheckMs: number;
}

/** A job the batch workflow may start: ids and the few facts its workflow id and search attributes need. */
export interface JobRef {
  jobId: string;
  seq: number;
  usesMasterDirectly: boolean;
  language: string;
  /** Attempts already made; a retry gets a new workflow id so earlier runs stay visible. */
  attempts: number;
  /** For the memo that makes rows readable in the Temporal Web UI. */
  title: string;
  variation: number;
}

export interface OrchestrationDeps {
  db: Kysely<Database>;
  /** Gemini model, for the estimate behind the budget cap. @default 'gemini-2.5-flash' */
  geminiModel?: string;
  /** Prices for the budget cap. @default the shipped price file */
  prices?: PriceTable;
}

/** What the budget maths needs: the database, the model the estimate prices and the price table (read once, when first needed). */
interface BudgetContext {
  db: Kysely<Database>;
  geminiModel: string;
  prices: () => PriceTable;
}

/** Estimated cost of one job of a batch: the batch estimate's total over its jobs. */
async function perJobCost({ db, geminiModel, prices }: BudgetContext, batchId: string): Promise<{ capUsd?: number; perJobUsd: number }> {
  const batch = await mustGetBatch(db, batchId);
  const capUsd = batch.options.budgetUsd;
  if (capUsd === undefined) return { perJobUsd: 0 };
  const estimate = estimateBatch(
    {
      mode: batch.mode as 'matrix',
      titles: batch.titles,
      languages: batch.languages,
      variations: batch.variations,
      masterLanguage: batch.master_language,
      agent: batch.options.agent,
      model: geminiModel,
    },
    prices(),
  );
  return { capUsd, perJobUsd: estimate.cost.totalUsd / Math.max(1, estimate.counts.jobs) };
}

const runningJobs = async (db: Kysely<Database>, batchId: string) =>
  Number((await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batchId).where('status', '=', 'running').executeTakeFirst())?.n ?? 0);
const attemptsSoFar = async (db: Kysely<Database>, batchId: string) =>
  Number((await db.selectFrom('jobs').select((eb) => eb.fn.sum<number>('attempts').as('n')).where('batch_id', '=', batchId).executeTakeFirst())?.n ?? 0);

async function setWaiting(trx: Transaction<Database>, batchId: string, waiting: WaitingFor | null): Promise<void> {
  let q = trx.updateTable('batches').set({ waiting_for: waiting ? JSON.stringify(waiting) : null }).where('id', '=', batchId);
  if (!waiting) q = q.where('waiting_for', 'is not', null);
  await q.execute();
}

/** The owner's limits on a grant the budget allows: granted and counted, or none with the reason written on the batch. */
async function grantUnderUserLimits(
  trx: Transaction<Database>,
  batch: Batch,
  ask: { running: number; want: number; perJobUsd: number },
): Promise<JobAllowance> {
  await lockUser(trx, batch.user_id);
  const limits = await getUserLimits(trx, batch.user_id);
  const now = new Date();
  const [usage, others] = await Promise.all([usageOn(trx, batch.user_id, now), liveWork(trx, batch.user_id, batch.id)]);
  const estimatedPerJob = batch.estimate ? batch.estimate.cost.totalUsd / Math.max(1, batch.estimate.counts.jobs) : ask.perJobUsd;
  const verdict = userAllowance(limits, usage, { running: others.running + ask.running, perJobUsd: estimatedPerJob, want: ask.want }, now);
  if (verdict.jobs > 0) {
    await countGrant(trx, batch.id, verdict.jobs);
    await setWaiting(trx, batch.id, null);
    return { jobs: verdict.jobs, budgetExhausted: false, recheckMs: 0 };
  }
  if (!('reason' in verdict)) return { jobs: 0, budgetExhausted: false, recheckMs: 10_000 };
  const since = batch.waiting_for?.reason === verdict.reason ? batch.waiting_for.since : now.toISOString();
  await setWaiting(trx, batch.id, { reason: verdict.reason, limit: verdict.limit, used: verdict.used, until: verdict.until?.toISOString() ?? null, since });
  // Daily limits: look again every half minute (an admin may raise them); running jobs: sooner.
  const recheckMs = verdict.until ? Math.max(1000, Math.min(30_000, verdict.until.getTime() - now.getTime())) : 10_000;
  return { jobs: 0, budgetExhausted: false, recheckMs };
}

/**
 * How many job attempts the batch may start now, under its budget cap and its owner's limits
 * (running jobs, jobs and spend per UTC day). `running` is how many of the batch's jobs its workflow
 * has running or starting; `want` how many it would start. When a user limit allows none, the reason
 * is written on the batch (`waiting_for`) and the workflow waits and asks again: jobs wait, never fail.
 */
async function jobAllowance(ctx: BudgetContext, input: { batchId: string; running: number; want: number }): Promise<JobAllowance> {
  const { db } = ctx;
  const batch = await mustGetBatch(db, input.batchId);
  const { capUsd, perJobUsd } = await perJobCost(ctx, input.batchId);
  const recorded = capUsd === undefined ? 0 : await attemptsSoFar(db, input.batchId);
  if (attemptsAllowed(capUsd, perJobUsd, recorded) <= 0) return { jobs: 0, budgetExhausted: true, recheckMs: 0 };
  // Children the workflow started whose first activity has not yet counted their attempt: without
  // them a grant asked for right after a start would let one attempt more than the cap through.
  const unrecorded = capUsd === undefined ? 0 : Math.max(0, input.running - (await runningJobs(db, input.batchId)));
  const budget = attemptsAllowed(capUsd, perJobUsd, recorded + unrecorded);
  // Room only once those starts are counted (or turn out to be children that just ended): ask again soon.
  if (budget <= 0) return { jobs: 0, budgetExhausted: false, recheckMs: 1000 };
  const want = Math.max(1, Math.min(input.want, budget, MAX_GRANT));
  return db.transaction().execute((trx) => grantUnderUserLimits(trx, batch, { running: input.running, want, perJobUsd }));
}

/** A running child job as the batch workflow tracks it. */
export interface TrackedJob {
  seq: number;
  jobId: string;
  workflowId: string;
}

/**
 * Of a batch's running children, those whose end signal may have been missed: `ended`, whose rows are
 * finished; `lost`, whose workflows closed without recording their end (terminated, timed out, failed).
 */
async function endedJobs(db: Kysely<Database>, batchId: string, jobs: TrackedJob[]): Promise<{ ended: number[]; lost: Array<TrackedJob & { status: string }> }> {
  if (jobs.length === 0) return { ended: [], lost: [] };
  const rows = await db.selectFrom('jobs').select(['seq', 'status']).where('batch_id', '=', batchId).where('seq', 'in', jobs.map((j) => j.seq)).execute();
  const ended = rows.filter((r) => FINAL_JOB_STATUSES.includes(r.status)).map((r) => r.seq);
  const finished = new Set(ended);
  const open = new Map(jobs.filter((j) => !finished.has(j.seq)).map((j) => [j.workflowId, j]));
  const lost: Array<TrackedJob & { status: string }> = [];
  if (open.size === 0) return { ended, lost };
  // Usually no match at all: one visibility query, not a describe per child.
  const query = `BatchId = "${batchId}" AND (ExecutionStatus = "Terminated" OR ExecutionStatus = "TimedOut" OR ExecutionStatus = "Failed")`;
  for await (const w of Context.current().client.workflow.list({ query })) {
    const job = open.get(w.workflowId);
    if (job) lost.push({ ...job, status: w.status.name.toLowerCase() });
  }
  // Ended before its first step: it never ran, so it is cancelled (the caller fails those that ran).
  const queued = new Set(rows.filter((r) => r.status === 'queued').map((r) => r.seq));
  for (const job of lost.filter((j) => queued.has(j.seq))) {
    const message = `job workflow ${job.workflowId} ${job.status} before it started`;
    await transitionJob(db, job.jobId, 'cancelled', { finished_at: new Date(), error_stage: 'orchestration', error_code: 'job_workflow_ended', error_message: message });
  }
  return { ended, lost };
}

/** The main task queue's activities that steer a batch: its grants, job pages, pause state, retries and cancel. */
export function createOrchestrationActivities({ db, geminiModel = 'gemini-2.5-flash', prices }: OrchestrationDeps) {
  let priceTable = prices;
  const ctx: BudgetContext = { db, geminiModel, prices: () => (priceTable ??= shippedCatalog().prices) };
  return {
    /** How many job attempts the batch may start now (see {@link jobAllowance}). */
    async jobAllowance(input: { batchId: string; running: number; want: number }): Promise<JobAllowance> {
      return withStage(Stage.bookkeeping, () => jobAllowance(ctx, input));
    },

    /** How many more job attempts the batch's budget cap allows now (a huge number without a cap). */
    async budgetAllowance(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, async () => {
        const { capUsd, perJobUsd } = await perJobCost(ctx, input.batchId);
        return attemptsAllowed(capUsd, perJobUsd, capUsd === undefined ? 0 : await attemptsSoFar(db, input.batchId));
      });
    },

    /** Ends a batch stopped by its cap: jobs that never started are cancelled with the reason. */
    async closeOverBudget(input: { batchId: string }): Promise<void> {
      await withStage(Stage.bookkeeping, async () => {
        const { capUsd, perJobUsd } = await perJobCost(ctx, input.batchId);
        const message = budgetMessage(capUsd ?? 0, perJobUsd, await attemptsSoFar(db, input.batchId));
        await transitionAll(db, input.batchId, 'queued', 'cancelled', { error_stage: 'orchestration', error_code: 'budget_exhausted', error_message: message }, () => heartbeat());
        await setBatchStatus(db, input.batchId, 'budget_exhausted');
        await db.updateTable('batches').set({ status_message: message }).where('id', '=', input.batchId).execute();
      });
    },

    /** Writes the job rows of a batch accepted without them (a big batch); idempotent. Returns how many it wrote. */
    async writeJobs(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, () => writeMissingJobs(db, input.batchId, () => heartbeat()));
    },

    /** The next queued jobs after `afterSeq`, by seq. */
    async nextJobPage(input: { batchId: string; afterSeq: number; limit: number }): Promise<JobRef[]> {
      return withStage(Stage.bookkeeping, async () => {
        const rows = await pageJobs(db, input.batchId, ['queued'], input.afterSeq, input.limit);
        return rows.map((r) => ({ jobId: r.id, seq: r.seq, usesMasterDirectly: r.uses_master_directly, language: r.language, attempts: r.attempts, title: r.title, variation: r.variation }));
      });
    },

    /** Mirrors pause and resume on the batch row, so the API shows them. */
    async setRunState(input: { batchId: string; state: 'paused' | 'running' }): Promise<void> {
      await withStage(Stage.bookkeeping, () => setBatchStatus(db, input.batchId, input.state));
    },

    /** Puts every failed job back in the queue; returns how many. */
    async requeueFailed(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, async () => {
        // A retry is a new try: scripts that failed their check are written (and checked) again.
        await forgetFailedScriptChecks(db, input.batchId);
        const n = await transitionAll(db, input.batchId, 'failed', 'queued', {}, () => heartbeat());
        await setBatchStatus(db, input.batchId, 'running');
        return n;
      });
    },

    /** Running children whose end signal may have been missed (see {@link endedJobs}). */
    async endedJobs(input: { batchId: string; jobs: TrackedJob[] }) {
      return withStage(Stage.bookkeeping, () => endedJobs(db, input.batchId, input.jobs));
    },

    /** Cancels every job that never started (the batch was cancelled); returns how many. */
    async cancelQueued(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, () => transitionAll(db, input.batchId, 'queued', 'cancelled', {}, () => heartbeat()));
    },
  };
}

export type OrchestrationActivities = ReturnType<typeof createOrchestrationActivities>;
