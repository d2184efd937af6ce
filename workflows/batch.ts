// A batch: starts its jobs as child workflows through a bounded window, paging job ids from Postgres,
// and continues as new every few hundred jobs so no run's history grows large. Operators and the API
// steer it with signals (pause, resume, retry-failed), an update (set-concurrency), cancellation,
// and a progress query.
import {
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities } from '../activities';
import type { JobAllowance, JobRef, OrchestrationActivities } from '../activities/orchestration';
import type { WebhookActivities } from '../activities/webhooks';
import {
  MAX_WINDOW,
  jobAttemptWorkflowId,
  PRIORITY_KEYS,
  SearchAttr,
  pauseSignal,
  progressQuery,
  resumeSignal,
  retryFailedSignal,
  setConcurrencyUpdate,
  type BatchOutcome,
  type BatchWorkflowInput,
} from './definitions';
import { jobWorkflow } from './job';
import { batchWebhookWorkflow, webhookWorkflowId } from './webhook';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 } as const;
const bookkeeping = proxyActivities<BookkeepingActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });
const orchestration = proxyActivities<OrchestrationActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });
// A receiver that is down gets retries with backoff for up to a day; one that refuses (4xx) gets none.
const webhooks = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2, nonRetryableErrorTypes: ['WebhookRejected'] },
});

/** Sends the completion webhook (if the batch has one); a failed delivery is logged, never fails the batch. */
async function notify(batchId: string): Promise<void> {
  if (!patched('completion-webhook')) return;
  if (patched('webhook-workflow')) {
    // Its own workflow, abandoned on close: retries to a silent receiver do not keep this batch open.
    await startChild(batchWebhookWorkflow, {
      workflowId: webhookWorkflowId(batchId, workflowInfo().runId),
      args: [{ batchId }],
      // Named by its id only (`webhook-<batchId>-…`): filters on BatchId keep meaning the batch and its jobs.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return;
  }
  try {
    await webhooks.deliverBatchWebhook({ batchId });
  } catch {
    // Every attempt and its answer is in the webhook delivery log.
  }
}

export async function batchWorkflow(input: BatchWorkflowInput): Promise<BatchOutcome> {
  const { batchId } = input;
  const pageSize = input.pageSize ?? 100;
  const jobsPerRun = input.jobsPerRun ?? 300;
  const priorityKey = PRIORITY_KEYS[input.priority ?? 'normal'];
  const run = input.run ?? 0;
  let window = input.window ?? 200;
  let cursor = input.cursor ?? -1;
  let paused = input.paused ?? false;
  let retryRequested = input.retryRequested ?? false;
  let stateSynced = true;
  let startedThisRun = 0;
  const running = new Set<number>();

  setHandler(pauseSignal, () => {
    if (paused) return;
    paused = true;
    stateSynced = false;
  });
  setHandler(resumeSignal, () => {
    if (!paused) return;
    paused = false;
    stateSynced = false;
  });
  setHandler(retryFailedSignal, () => {
    retryRequested = true;
  });
  setHandler(
    setConcurrencyUpdate,
    (n: number) => {
      window = n;
      return { window };
    },
    {
      validator: (n: number) => {
        if (!Number.isInteger(n) || n < 1 || n > MAX_WINDOW) throw new Error(`concurrency must be an integer from 1 to ${MAX_WINDOW}`);
      },
    },
  );
  setHandler(progressQuery, () => ({ paused, window, running: running.size, cursor, startedThisRun, run }));

  const syncState = async () => {
    if (stateSynced) return;
    stateSynced = true;
    await orchestration.setRunState({ batchId, state: paused ? 'paused' : 'running' });
  };

  const startJob = async (job: JobRef) => {
    running.add(job.seq);
    const child = await startChild(jobWorkflow, {
      workflowId: jobAttemptWorkflowId(batchId, job),
      args: [{ batchId, jobId: job.jobId, seq: job.seq, usesMasterDirectly: job.usesMasterDirectly, priorityKey }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      priority: { priorityKey },
      memo: { title: job.title, language: job.language, variation: job.variation, seq: job.seq },
      typedSearchAttributes: [
        { key: SearchAttr.BatchId, value: batchId },
        { key: SearchAttr.UserId, value: input.userId },
        { key: SearchAttr.Mode, value: input.mode },
        { key: SearchAttr.Language, value: job.language },
      ],
    });
    child
      .result()
      .catch((err: unknown) =>
        // A child that was terminated or timed out cannot record its own end: record it here.
        // (A cancelled child records its own; the transition rules make this a no-op then.)
        err instanceof ChildWorkflowFailure && !isCancellation(err.cause)
          ? CancellationScope.nonCancellable(() =>
              bookkeeping.failJob({ jobId: job.jobId, stage: 'orchestration', code: 'job_workflow_ended', message: err.message }),
            )
          : undefined,
      )
      .finally(() => running.delete(job.seq));
  };

  // Children start several per workflow task (one round trip for a whole page, not one per child);
  // batches recorded before this replay with one start per task, as they ran.
  const parallelStarts = patched('parallel-child-starts');
  const starting: Array<Promise<void>> = [];
  const launch = async (job: JobRef) => {
    if (!parallelStarts) return startJob(job);
    const started = startJob(job);
    started.catch(() => undefined); // awaited (and rethrown) by flushStarts
    starting.push(started);
  };
  const flushStarts = async () => {
    if (starting.length) await Promise.all(starting.splice(0));
  };

  let exhausted = false;
  let overBudget = false;
  // Batches started before the budget cap existed replay without its activity calls.
  const budgeted = patched('budget-cap');
  let allowance = 0;
  /** True when the budget lets one more job start (asks the database only when the allowance runs out). */
  const budgetAllows = async (): Promise<boolean> => {
    if (!budgeted) return true;
    if (allowance <= 0) allowance = await orchestration.budgetAllowance({ batchId });
    if (allowance <= 0) return false;
    allowance--;
    return true;
  };
  // Batches started before user limits existed replay with the budget-only allowance above.
  const userLimited = budgeted && patched('user-limits');
  /**
   * 'go' when the budget cap and the owner's limits let one more job start now; 'over' when the cap is
   * reached; 'wait' after waiting for a user limit (until one of this batch's jobs ends, a pause or
   * resume, or the recheck time), after which the caller asks again.
   */
  const limitsAllow = async (want: number): Promise<'go' | 'over' | 'wait'> => {
    if (allowance > 0) {
      allowance--;
      return 'go';
    }
    const a: JobAllowance = await orchestration.jobAllowance({ batchId, running: running.size, want: Math.max(1, want) });
    if (a.jobs > 0) {
      allowance = a.jobs - 1;
      return 'go';
    }
    if (a.budgetExhausted) return 'over';
    const before = running.size;
    await condition(() => running.size < before || !stateSynced, a.recheckMs);
    return 'wait';
  };
  /** Waits for a free slot in the window while not paused, mirroring pause changes on the way. */
  const slotFree = async () => {
    for (;;) {
      await condition(() => (!paused && running.size < window) || !stateSynced);
      if (stateSynced) return;
      await syncState();
    }
  };
  try {
    // A big batch is accepted before its job rows exist: the first run writes them (a no-op otherwise).
    // Not cancellable: a cancel waits for every row, so the cancelled batch's books close over all of them.
    if (run === 0 && patched('deferred-job-rows')) await CancellationScope.nonCancellable(() => orchestration.writeJobs({ batchId }));
    await syncState();
    for (;;) {
      if (retryRequested) {
        retryRequested = false;
        if ((await orchestration.requeueFailed({ batchId })) > 0) cursor = -1;
      }
      await syncState();
      if (startedThisRun >= jobsPerRun || workflowInfo().continueAsNewSuggested) break;
      const page = await orchestration.nextJobPage({ batchId, afterSeq: cursor, limit: Math.min(pageSize, jobsPerRun - startedThisRun) });
      if (page.length === 0) {
        // Nothing left to start: wait for the running jobs, unless a retry or a pause change comes first.
        await condition(() => running.size === 0 || retryRequested || !stateSynced);
        if (running.size === 0 && !retryRequested) {
          exhausted = true;
          break;
        }
        continue;
      }
      for (const [i, job] of page.entries()) {
        await slotFree();
        if (userLimited) {
          let verdict = await limitsAllow(page.length - i);
          while (verdict === 'wait' && !workflowInfo().continueAsNewSuggested) {
            await slotFree();
            verdict = await limitsAllow(page.length - i);
          }
          // A long wait grows the history: hand over to a new run, which pages on from the cursor.
          if (verdict === 'wait') break;
          if (verdict === 'over') {
            overBudget = true;
            break;
          }
        } else if (!(await budgetAllows())) {
          overBudget = true;
          break;
        }
        await launch(job);
        cursor = job.seq;
        startedThisRun++;
      }
      await flushStarts();
      if (overBudget) break;
    }
    // Drain before handing over, so every child's end is seen by the run that started it.
    await condition(() => running.size === 0);
    if (overBudget) {
      await orchestration.closeOverBudget({ batchId });
      const outcome = await bookkeeping.finishBatch({ batchId, status: 'budget_exhausted' });
      await notify(batchId);
      return outcome;
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: children got the cancel request with us; wait for them, then close the books.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => running.size === 0);
      await orchestration.cancelQueued({ batchId });
      await bookkeeping.finishBatch({ batchId, status: 'cancelled' });
      await notify(batchId);
    });
    throw err;
  }
  if (!exhausted) {
    await continueAsNew<typeof batchWorkflow>({ ...input, cursor, window, paused, retryRequested, run: run + 1 });
  }
  const outcome = await bookkeeping.finishBatch({ batchId });
  await notify(batchId);
  return outcome;
}
