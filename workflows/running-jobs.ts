// The jobs a batch has running, across its runs, handed to the next run in its input (a continue-as-new
// neither cancels nor waits for them). Today's batches start them by an activity and read their ends from
// the job rows, so no event from a job reaches the batch's history; earlier ones started them as abandoned
// children that report their end by signal. A job whose end never comes (its workflow was terminated or
// timed out) is found by a reconciliation against the job rows and the visibility store, and its end recorded.
import { CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { BookkeepingActivities, JobFollowActivities } from '../activities';
import type { OrchestrationActivities } from '../activities/orchestration';
import { jobEndedSignal, taskQueues, type RunningJob } from './definitions';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 } as const;
const acts = proxyActivities<OrchestrationActivities & BookkeepingActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });

/** How often a run looks for children whose end signal has not come. */
export const RECONCILE_EVERY_MS = 30_000;

/** Longest single look for ended jobs (a continue-as-new waits for the look in flight). */
export const END_WAIT_MS = 5_000;

export class RunningJobs {
  private readonly jobs = new Map<number, RunningJob>();

  /** Ends are being followed (`polled`) until {@link quiet}. */
  private following?: Promise<void>;
  private stopped = false;
  /** The looks for ended jobs, on their own task queue (set for `polled` runs). */
  private readonly ends?: JobFollowActivities;

  /**
   * `handover`: jobs are handed over (else the starting run awaits them); `polled`: their ends are read from
   * the job rows (else children report them by signal).
   */
  constructor(
    private readonly batchId: string,
    readonly handover: boolean,
    handedOver: RunningJob[] = [],
    readonly polled = false,
  ) {
    for (const job of handedOver) this.jobs.set(job.seq, job);
    if (!handover) return;
    // Children started by runs before the polled ones still signal their end.
    setHandler(jobEndedSignal, ({ seq, workflowId }) => {
      if (this.jobs.get(seq)?.workflowId === workflowId) this.jobs.delete(seq);
    });
    if (polled) {
      const taskQueue = taskQueues(workflowInfo().taskQueue).follow;
      this.ends = proxyActivities<JobFollowActivities>({ taskQueue, startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });
    }
    // Runs for the life of this run; a cancellation of the batch ends it (closing drains with its own checks).
    if (polled) this.following = this.follow().catch(() => undefined);
    else void this.watch().catch(() => undefined);
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

  /** Stops following ends, once the look in flight is back: the run may continue as new with no activity open. */
  async quiet(): Promise<void> {
    if (!this.following) return;
    this.stopped = true;
    let done = false;
    void this.following.then(() => {
      done = true;
    });
    // A cancellable wait: a cancel that comes meanwhile is thrown here, not lost to the continue-as-new.
    await condition(() => done);
    this.following = undefined;
  }

  /** Resolves once every running child has ended (looking for lost ends while it waits). */
  async drained(): Promise<void> {
    if (!this.handover) return condition(() => this.jobs.size === 0);
    if (this.polled) {
      // Followed here, in the caller's scope (a cancelled batch drains in a non-cancellable one).
      await this.quiet();
      let since = Date.now();
      while (this.jobs.size > 0) since = await this.look(since);
      return;
    }
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

  /** Removes the jobs whose rows have ended, as they end, until {@link quiet}. */
  private async follow(): Promise<void> {
    let since = Date.now();
    for (;;) {
      await condition(() => this.jobs.size > 0 || this.stopped);
      if (this.stopped) return;
      since = await this.look(since);
    }
  }

  /**
   * One look at the job rows (waiting up to {@link END_WAIT_MS} for an end); with no end for
   * {@link RECONCILE_EVERY_MS} since `since`, a reconciliation. Returns the time of the last progress.
   */
  private async look(since: number): Promise<number> {
    const snapshot = this.list();
    const ended = new Set(await this.ends!.awaitJobEnds({ batchId: this.batchId, seqs: snapshot.map((j) => j.seq), waitMs: END_WAIT_MS }));
    // Only the attempts looked at: one restarted meanwhile (retry-failed) stays.
    for (const job of snapshot) if (ended.has(job.seq) && this.jobs.get(job.seq)?.workflowId === job.workflowId) this.jobs.delete(job.seq);
    if (ended.size > 0) return Date.now();
    if (Date.now() - since < RECONCILE_EVERY_MS) return since;
    await this.reconcile();
    return Date.now();
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
