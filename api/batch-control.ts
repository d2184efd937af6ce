// Steers batch workflows through Temporal: start, pause, resume, cancel, retry of failed jobs, concurrency.
// No batch is left without a workflow: the API writes a batch as `pending_start`, starts `batch-<id>`, then
// marks it running; when Temporal is unreachable the batch stays pending and the reconciler starts it later.
// Starts are idempotent (one workflow id, duplicates of a closed run refused).
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { getBatch, markStarted, setBatchStatus } from '../db/batches';
import { cancelUnstarted } from '../db/jobs';
import type { Batch, Database } from '../db/schema';
import { aheadOfJobs } from '../domain/job-workflow';
import { isLive } from '../domain/progress';
import type { batchWorkflow } from '../workflows';
import { PRIORITY_KEYS, pauseSignal, resumeSignal, retryFailedSignal, SearchAttr, setConcurrencyUpdate, type BatchWorkflowInput } from '../workflows/definitions';

export interface BatchControlDeps {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  log: (line: string) => void;
}

/** What the batch workflow starts with, from the batch row (also when a closed batch is started again). */
export const workflowInput = (b: Batch): BatchWorkflowInput => ({ batchId: b.id, userId: b.user_id, mode: b.mode, priority: b.options.priority });

/** The batch workflow's own priority: ahead of its jobs' (see {@link aheadOfJobs}); its job workflows carry the batch's. */
export const batchWorkflowPriority = (b: Pick<Batch, 'options'>) => ({ priorityKey: aheadOfJobs(PRIORITY_KEYS[b.options.priority ?? 'normal']) });

/** Search attributes of a batch workflow, for filters in the Web UI and `temporal workflow cancel --query`. */
export const batchSearchAttributes = (b: Batch) => [
  { key: SearchAttr.BatchId, value: b.id },
  { key: SearchAttr.UserId, value: b.user_id },
  { key: SearchAttr.Mode, value: b.mode },
];

/** How long one start may take before the batch is left to the reconciler (a gRPC deadline, so no retry outlives it). */
const START_TIMEOUT_MS = 5000;

/**
 * How old a pending batch must be before the reconciler starts it: longer than one start may take, so the
 * reconciler never races the API that is still starting it (that API may serve another task queue).
 */
export const RECONCILE_MIN_AGE_MS = 3 * START_TIMEOUT_MS;

/**
 * Starts the batch's workflow (or finds it started) and marks the batch running. Returns false, and
 * leaves the batch `pending_start`, when Temporal cannot be reached; the reconciler tries again.
 */
export async function startBatchWorkflow(deps: BatchControlDeps, batch: Batch): Promise<boolean> {
  try {
    // A deadline rather than a race: the SDK's own retries of an unreachable server end with it, so no call
    // lingers (and none fires on a connection closed meanwhile).
    await deps.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
      deps.temporal.workflow.start<typeof batchWorkflow>('batchWorkflow', {
        workflowId: batch.workflow_id,
        taskQueue: deps.taskQueue,
        args: [workflowInput(batch)],
        // A run that already closed is never started again by this path (retry-failed restarts on purpose).
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: batchSearchAttributes(batch),
        priority: batchWorkflowPriority(batch),
        memo: { titles: batch.titles.length, languages: batch.languages.map((l) => l.language).join(','), jobs: batch.total_jobs },
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      deps.log(`batch ${batch.id}: its workflow could not be started now (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); it stays pending_start and starts later`);
      return false;
    }
  }
  if (!(await markStarted(deps.db, batch.id))) {
    // Cancelled while pending (or already running or finished): a cancelled batch must not run.
    const now = await getBatch(deps.db, batch.id);
    if (now?.status === 'cancelled') await deps.temporal.workflow.getHandle(batch.workflow_id).cancel().catch(() => undefined);
  }
  return true;
}

/** Starts the workflows of batches left `pending_start` for at least `minAgeMs`; returns how many started. */
export async function startPendingBatches(deps: BatchControlDeps, minAgeMs = RECONCILE_MIN_AGE_MS): Promise<number> {
  const pending = await deps.db
    .selectFrom('batches')
    .selectAll()
    .where('status', '=', 'pending_start')
    .where('created_at', '<', new Date(Date.now() - minAgeMs))
    .orderBy('created_at')
    .limit(100)
    .execute();
  let started = 0;
  for (const b of pending) {
    if (!(await startBatchWorkflow(deps, b))) break; // Temporal is still down: try again next round.
    started++;
  }
  if (started) deps.log(`reconciler: started the workflows of ${started} pending batch(es)`);
  return started;
}

/** Runs {@link startPendingBatches} every `everyMs` until stopped. */
export function startReconciler(deps: BatchControlDeps, everyMs = 5000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => startPendingBatches(deps)).catch((err: unknown) => deps.log(`reconciler: ${err instanceof Error ? err.message : String(err)}`));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

const handle = (deps: BatchControlDeps, b: Batch) => deps.temporal.workflow.getHandle(b.workflow_id);

/** Pause: the workflow starts no new jobs; running ones finish. */
export async function pauseBatch(deps: BatchControlDeps, b: Batch): Promise<void> {
  await handle(deps, b).signal(pauseSignal);
}

/** Resume a paused batch. */
export async function resumeBatch(deps: BatchControlDeps, b: Batch): Promise<void> {
  await handle(deps, b).signal(resumeSignal);
}

/** Cancel through Temporal workflow cancellation: running jobs are cancelled, queued ones never start. */
export async function cancelBatch(deps: BatchControlDeps, b: Batch): Promise<void> {
  if (b.status === 'pending_start') {
    // No workflow yet: close the books here; the starter cancels a workflow that starts meanwhile.
    await cancelUnstarted(deps.db, b.id);
    await handle(deps, b).cancel().catch(() => undefined);
    return;
  }
  await handle(deps, b).cancel();
}

/** Runs every failed job again: a signal to a live batch; a finished batch's workflow starts again for them. */
export async function retryFailedJobs(deps: BatchControlDeps, b: Batch): Promise<void> {
  if (isLive(b.status)) {
    await handle(deps, b).signal(retryFailedSignal);
    return;
  }
  // A finished batch: its workflow has closed, or is closing right after writing the final status. Let it
  // close first (a signal to a run that is returning would be lost), then start it again with the retry asked for.
  const closing = handle(deps, b).result().catch(() => undefined);
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  await setBatchStatus(deps.db, b.id, 'running');
  await deps.temporal.workflow.signalWithStart<(input: BatchWorkflowInput) => Promise<unknown>, []>('batchWorkflow', {
    workflowId: b.workflow_id,
    taskQueue: deps.taskQueue,
    args: [workflowInput(b)],
    signal: retryFailedSignal,
    signalArgs: [],
    typedSearchAttributes: batchSearchAttributes(b),
    priority: batchWorkflowPriority(b),
  });
}

/** Sets how many of the batch's jobs run at once; returns the window the workflow took. */
export async function setBatchConcurrency(deps: BatchControlDeps, b: Batch, window: number): Promise<number> {
  const result = await handle(deps, b).executeUpdate(setConcurrencyUpdate, { args: [window] });
  return result.window;
}
