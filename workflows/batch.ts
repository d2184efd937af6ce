// A batch: starts its jobs as child workflows through a bounded window, paging job ids from Postgres,
// and continues as new every few hundred jobs so no run's history grows large. Operators and the API
// steer it with signals (pause, resume, retry-failed), an update (set-concurrency), cancellation,
// and a progress query (their handlers and the window are in batch-run.ts).
import { CancellationScope, ParentClosePolicy, condition, continueAsNew, isCancellation, patched, startChild, workflowInfo } from '@temporalio/workflow';
import { BatchRun, bookkeeping, masters, orchestration } from './batch-run';
import type { BatchOutcome, BatchWorkflowInput } from './definitions';
import { batchWebhookWorkflow, webhooks, webhookWorkflowId } from './webhook';

/**
 * Sends the completion webhook (if the batch has one); a failed delivery is logged, never fails the batch.
 * `webhook` is whether the batch had one when it finished; runs before that patch started a delivery workflow for
 * every batch, which found nothing to send.
 */
async function notify(batchId: string, webhook: boolean | undefined): Promise<void> {
  if (!patched('completion-webhook')) return;
  if (patched('webhook-only-when-set') && webhook === false) return;
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

/** Marks the batch finished (with `status`, else by its row) and sends its webhook; returns its final counters. */
async function finish(batchId: string, status?: 'cancelled' | 'budget_exhausted'): Promise<BatchOutcome> {
  const { webhook, ...outcome } = await bookkeeping.finishBatch(status ? { batchId, status } : { batchId });
  await notify(batchId, webhook);
  return outcome;
}

/**
 * Closes the books of a cancelled batch: wait for its children first. Children this run started got the
 * cancel request with it; abandoned ones (this run's and earlier runs') are asked here. Its master script
 * workflows are cancelled too, before the drain (no further Gemini call) and after it (one started by a job
 * that was still ending), and waited for: the cancelled batch leaves none running.
 */
function closeCancelled(batch: BatchRun): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    const cancelMasters = patched('cancel-masters');
    if (batch.running.handover) {
      await batch.settleStarts();
      await batch.running.cancelAll();
    }
    if (cancelMasters) await masters.cancelMasters({ batchId: batch.batchId });
    await batch.drained();
    if (cancelMasters) await masters.cancelMasters({ batchId: batch.batchId, wait: true });
    await orchestration.cancelQueued({ batchId: batch.batchId });
    await finish(batch.batchId, 'cancelled');
  });
}

export async function batchWorkflow(input: BatchWorkflowInput): Promise<BatchOutcome> {
  const { batchId } = input;
  const batch = new BatchRun(input);
  let exhausted = false;
  try {
    // A big batch is accepted before its job rows exist: the first run writes them (a no-op otherwise).
    // Not cancellable: a cancel waits for every row, so the cancelled batch's books close over all of them.
    if (batch.run === 0 && patched('deferred-job-rows')) await CancellationScope.nonCancellable(() => orchestration.writeJobs({ batchId }));
    await batch.syncState();
    for (;;) {
      if (batch.retryRequested) {
        batch.retryRequested = false;
        if ((await orchestration.requeueFailed({ batchId })) > 0) batch.cursor = -1;
      }
      await batch.syncState();
      if (batch.runIsFull()) break;
      const page = await batch.nextPage();
      if (page.length === 0) {
        // Nothing left to start: wait for the running jobs, unless a retry or a pause change comes first.
        await condition(() => batch.running.size === 0 || batch.retryRequested || !batch.stateSynced);
        if (batch.running.size === 0 && !batch.retryRequested) {
          exhausted = true;
          break;
        }
        continue;
      }
      await batch.fillWindow(page);
      if (batch.overBudget) break;
    }
    // Running children are handed over to the next run (earlier batches drained here): the window stays full.
    // A batch that ends over budget waits for them, so its books close over every job.
    if (!batch.running.handover || batch.overBudget) await batch.drained();
    if (batch.overBudget) {
      await orchestration.closeOverBudget({ batchId });
      return await finish(batchId, 'budget_exhausted');
    }
    // No activity left open: nothing may reach this history while it continues as new.
    if (!exhausted) await batch.running.quiet();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await closeCancelled(batch);
    throw err;
  }
  if (!exhausted) await continueAsNew<typeof batchWorkflow>(batch.handOver());
  return finish(batchId);
}
