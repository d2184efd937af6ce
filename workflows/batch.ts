// A batch: starts its jobs as child workflows through a bounded window, paging job ids from Postgres,
// and continues as new every few hundred jobs so no run's history grows large.
import {
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities } from '../activities';
import { SearchAttr, type BatchOutcome, type BatchWorkflowInput } from './definitions';
import { jobWorkflow } from './job';

const bookkeeping = proxyActivities<BookkeepingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

export async function batchWorkflow(input: BatchWorkflowInput): Promise<BatchOutcome> {
  const window = input.window ?? 200;
  const pageSize = input.pageSize ?? 100;
  const jobsPerRun = input.jobsPerRun ?? 500;
  let cursor = input.cursor ?? -1;
  let startedThisRun = 0;
  let exhausted = false;
  const running = new Set<number>();

  while (startedThisRun < jobsPerRun && !workflowInfo().continueAsNewSuggested) {
    const page = await bookkeeping.nextJobs({ batchId: input.batchId, afterSeq: cursor, limit: Math.min(pageSize, jobsPerRun - startedThisRun) });
    if (page.length === 0) {
      exhausted = true;
      break;
    }
    for (const job of page) {
      await condition(() => running.size < window);
      running.add(job.seq);
      const child = await startChild(jobWorkflow, {
        workflowId: `job-${input.batchId}-${job.seq}`,
        args: [{ batchId: input.batchId, jobId: job.jobId, seq: job.seq, usesMasterDirectly: job.usesMasterDirectly }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: SearchAttr.BatchId, value: input.batchId },
          { key: SearchAttr.UserId, value: input.userId },
          { key: SearchAttr.Mode, value: input.mode },
          { key: SearchAttr.Language, value: job.language },
        ],
      });
      child
        .result()
        .catch(async (err: unknown) => {
          // Terminated or timed-out children cannot record their own end: do it for them.
          if (err instanceof ChildWorkflowFailure) {
            await bookkeeping.failJob({ jobId: job.jobId, stage: 'orchestration', code: 'job_workflow_ended', message: err.message });
          }
        })
        .finally(() => running.delete(job.seq));
      cursor = job.seq;
      startedThisRun++;
    }
  }
  // Drain before handing over, so every child's end is seen by the run that started it.
  await condition(() => running.size === 0);
  if (!exhausted) {
    await continueAsNew<typeof batchWorkflow>({ ...input, cursor });
  }
  return bookkeeping.finishBatch({ batchId: input.batchId });
}
