// The child jobs a batch has running, across its runs: children are started abandoned (a continue-as-new
// neither cancels nor waits for them), report their end by signal to the batch's workflow id, and are
// handed to the next run in its input. A child whose end never comes (terminated, timed out) is found
// by a periodic reconciliation against the job rows and the visibility store, and its end recorded.
import { CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BookkeepingActivities } from '../activities';
import type { OrchestrationActivities } from '../activities/orchestration';
import { jobEndedSignal, type RunningJob } from './definitions';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 } as const;
const acts = proxyActivities<OrchestrationActivities & BookkeepingActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });

/** How often a run looks for children whose end signal has not come. */
export const RECONCILE_EVERY_MS = 30_000;

export class RunningJobs {
  private readonly jobs = new Map<number, RunningJob>();

  /** `handover`: children report their end by signal and are handed over (else the starting run awaits them). */
  constructor(
    private readonly batchId: string,
    readonly handover: boolean,
    handedOver: RunningJob[] = [],
  ) {
    for (const job of handedOver) this.jobs.set(job.seq, job);
    if (!handover) return;
    setHandler(jobEndedSignal, ({ seq, workflowId }) => {
      if (this.jobs.get(seq)?.workflowId === workflowId) this.jobs.delete(seq);
    });
    // Runs for the life of this run; a cancellation of the batch ends it (closing drains with its own checks).
    void this.watch().catch(() => undefined);
  }

  get size(): number {
    return this.jobs.size;
  }

  add(job: RunningJob): void {
    this.jobs.set(job.seq, job);
  }

  delete(seq: number): void {
    this.jobs.delete(seq);
  }

  /** The running children, for the next run's input. */
  list(): RunningJob[] {
    return [...this.jobs.values()];
  }

  /** Resolves once every running child has ended (looking for lost ends while it waits). */
  async drained(): Promise<void> {
    if (!this.handover) return condition(() => this.jobs.size === 0);
    while (this.jobs.size > 0) if (!(await condition(() => this.jobs.size === 0, RECONCILE_EVERY_MS))) await this.reconcile();
  }

  /** Asks every running child to cancel (they record their own cancel, then signal their end). */
  async cancelAll(): Promise<void> {
    await Promise.all(
      this.list().map((job) =>
        getExternalWorkflowHandle(job.workflowId)
          .cancel()
          .catch(() => undefined), // ended meanwhile: its signal (or the reconciliation) removes it
      ),
    );
  }

  private async watch(): Promise<void> {
    for (;;) {
      await sleep(RECONCILE_EVERY_MS);
      if (this.jobs.size > 0) await this.reconcile();
    }
  }

  /** Drops children whose row is finished, and records the end of children that ended without a word. */
  private async reconcile(): Promise<void> {
    const snapshot = this.list();
    const { ended, lost } = await acts.endedJobs({ batchId: this.batchId, jobs: snapshot });
    const gone = new Set(ended);
    for (const job of lost) {
      await CancellationScope.nonCancellable(() =>
        acts.failJob({ jobId: job.jobId, stage: 'orchestration', code: 'job_workflow_ended', message: `job workflow ${job.workflowId} ${job.status}` }),
      );
      gone.add(job.seq);
    }
    // Only the attempts looked at: one restarted meanwhile (retry-failed) stays.
    for (const job of snapshot) if (gone.has(job.seq) && this.jobs.get(job.seq)?.workflowId === job.workflowId) this.jobs.delete(job.seq);
  }
}
