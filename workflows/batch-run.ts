// One run of a batch workflow: its state (handed on at continue-as-new), the signals, update and query that
// steer it, and the window its jobs start through, within the budget cap and the owner's limits.
import {
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities, JobStart, JobStartActivities, MasterActivities } from '../activities';
import type { JobAllowance, JobRef, OrchestrationActivities } from '../activities/orchestration';
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
  type BatchProgress,
  type BatchWorkflowInput,
} from './definitions';
import { jobWorkflow } from './job';
import { RunningJobs } from './running-jobs';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 } as const;
export const bookkeeping = proxyActivities<BookkeepingActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });
export const orchestration = proxyActivities<OrchestrationActivities & JobStartActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry });
export const masters = proxyActivities<MasterActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '10 seconds', retry });

export class BatchRun {
  readonly batchId: string;
  readonly run: number;
  private readonly pageSize: number;
  private readonly jobsPerRun: number;
  private readonly priorityKey: number;
  private window: number;
  cursor: number;
  private paused: boolean;
  retryRequested: boolean;
  stateSynced = true;
  private startedThisRun = 0;
  /** Children running now, started by this run or (handed over) by earlier ones. */
  readonly running: RunningJobs;
  /** The budget cap stopped this run: the batch ends as `budget_exhausted`. */
  overBudget = false;
  private allowance = 0;
  private readonly starting: Array<Promise<void>> = [];
  /** Jobs counted in the window, to be started by the next {@link flushPending} (activity starts). */
  private readonly pending: JobStart[] = [];
  private readonly parallelStarts: boolean;
  private readonly activityStarts: boolean;
  private readonly budgeted: boolean;
  private readonly userLimited: boolean;

  constructor(private readonly input: BatchWorkflowInput) {
    this.batchId = input.batchId;
    this.pageSize = input.pageSize ?? 100;
    this.jobsPerRun = input.jobsPerRun ?? 300;
    this.priorityKey = PRIORITY_KEYS[input.priority ?? 'normal'];
    this.run = input.run ?? 0;
    this.window = input.window ?? 200;
    this.cursor = input.cursor ?? -1;
    this.paused = input.paused ?? false;
    this.retryRequested = input.retryRequested ?? false;
    this.listen();
    // Children start several per workflow task (one round trip for a whole page, not one per child);
    // batches recorded before this replay with one start per task, as they ran.
    this.parallelStarts = patched('parallel-child-starts');
    // Batches started before the budget cap existed replay without its activity calls.
    this.budgeted = patched('budget-cap');
    // Batches started before user limits existed replay with the budget-only allowance.
    this.userLimited = this.budgeted && patched('user-limits');
    // Children outlive a continue-as-new and report their end by signal; earlier batches drain each run.
    const handover = patched('child-handover');
    // Jobs start by activity and their ends are read from their rows: nothing from them can arrive while the run
    // continues as new (each arrival failed that task and replayed the whole run, a stall of tens of seconds).
    this.activityStarts = handover && patched('activity-starts');
    this.running = new RunningJobs(this.batchId, handover, input.running, this.activityStarts);
  }

  /** Pause, resume, retry-failed, set-concurrency and progress. */
  private listen(): void {
    setHandler(pauseSignal, () => {
      if (this.paused) return;
      this.paused = true;
      this.stateSynced = false;
    });
    setHandler(resumeSignal, () => {
      if (!this.paused) return;
      this.paused = false;
      this.stateSynced = false;
    });
    setHandler(retryFailedSignal, () => {
      this.retryRequested = true;
    });
    setHandler(
      setConcurrencyUpdate,
      (n: number) => {
        this.window = n;
        return { window: this.window };
      },
      {
        validator: (n: number) => {
          if (!Number.isInteger(n) || n < 1 || n > MAX_WINDOW) throw new Error(`concurrency must be an integer from 1 to ${MAX_WINDOW}`);
        },
      },
    );
    setHandler(progressQuery, () => this.progress());
  }

  progress(): BatchProgress {
    return { paused: this.paused, window: this.window, running: this.running.size, cursor: this.cursor, startedThisRun: this.startedThisRun, run: this.run };
  }

  /** The next run's input: this run's window, cursor, pause and pending retry carry over. */
  handOver(): BatchWorkflowInput {
    const next = { ...this.input, cursor: this.cursor, window: this.window, paused: this.paused, retryRequested: this.retryRequested, run: this.run + 1 };
    return this.running.handover ? { ...next, running: this.running.list() } : next;
  }

  /** This run has started its share of jobs, or its history is long enough: time to continue as new. */
  runIsFull(): boolean {
    return this.startedThisRun >= this.jobsPerRun || workflowInfo().continueAsNewSuggested;
  }

  /** The next queued jobs after the cursor, no more than this run may still start. */
  nextPage(): Promise<JobRef[]> {
    return orchestration.nextJobPage({ batchId: this.batchId, afterSeq: this.cursor, limit: Math.min(this.pageSize, this.jobsPerRun - this.startedThisRun) });
  }

  /** Resolves once every running child has ended. */
  drained(): Promise<void> {
    return this.running.drained();
  }

  /** Mirrors a pause or resume on the batch row, once. */
  async syncState(): Promise<void> {
    if (this.stateSynced) return;
    this.stateSynced = true;
    await orchestration.setRunState({ batchId: this.batchId, state: this.paused ? 'paused' : 'running' });
  }

  /**
   * Starts the page's jobs as the window frees slots, each allowed by the budget cap and the owner's limits;
   * stops early at the cap (`overBudget`) or when a long wait for a limit calls for a new run.
   */
  async fillWindow(page: JobRef[]): Promise<void> {
    for (const [i, job] of page.entries()) {
      await this.slotFree();
      if (this.userLimited) {
        let verdict = await this.limitsAllow(page.length - i);
        while (verdict === 'wait' && !workflowInfo().continueAsNewSuggested) {
          await this.slotFree();
          verdict = await this.limitsAllow(page.length - i);
        }
        // A long wait grows the history: hand over to a new run, which pages on from the cursor.
        if (verdict === 'wait') break;
        if (verdict === 'over') {
          this.overBudget = true;
          break;
        }
      } else if (!(await this.budgetAllows())) {
        this.overBudget = true;
        break;
      }
      await this.launch(job);
      this.cursor = job.seq;
      this.startedThisRun++;
    }
    await this.flushStarts();
  }

  private async startJob(job: JobRef): Promise<void> {
    const { batchId, priorityKey } = this;
    const { handover } = this.running;
    const workflowId = jobAttemptWorkflowId(batchId, job);
    this.running.add({ seq: job.seq, jobId: job.jobId, workflowId });
    const start = () => startChild(jobWorkflow, {
      workflowId,
      args: [{ batchId, jobId: job.jobId, seq: job.seq, usesMasterDirectly: job.usesMasterDirectly, priorityKey, ...(handover ? { reportEnd: true } : {}) }],
      // Abandoned: a continue-as-new must not cancel it (a cancelled batch cancels its children itself).
      parentClosePolicy: handover ? ParentClosePolicy.ABANDON : ParentClosePolicy.REQUEST_CANCEL,
      priority: { priorityKey },
      memo: { title: job.title, language: job.language, variation: job.variation, seq: job.seq },
      typedSearchAttributes: [
        { key: SearchAttr.BatchId, value: batchId },
        { key: SearchAttr.UserId, value: this.input.userId },
        { key: SearchAttr.Mode, value: this.input.mode },
        { key: SearchAttr.Language, value: job.language },
      ],
    });
    // Abandoned children start even when the batch is cancelled meanwhile: once started they are tracked,
    // so the cancelled batch cancels them (a start cut short could leave one running, unknown).
    const child = handover
      ? await CancellationScope.nonCancellable(start).catch((err: unknown) => {
          this.running.delete(job.seq); // never started: nothing will report its end
          throw err;
        })
      : await start();
    // Its end comes by signal, to whichever run is current then (or is found by the reconciliation).
    if (handover) return;
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
      .finally(() => this.running.delete(job.seq));
  }

  private async launch(job: JobRef): Promise<void> {
    if (this.activityStarts) {
      const workflowId = jobAttemptWorkflowId(this.batchId, job);
      this.running.add({ seq: job.seq, jobId: job.jobId, workflowId });
      this.pending.push({ ...job, workflowId });
      return;
    }
    if (!this.parallelStarts) return this.startJob(job);
    const started = this.startJob(job);
    started.catch(() => undefined); // awaited (and rethrown) by flushStarts
    this.starting.push(started);
  }

  /** Waits for the children being started (their starts are not cancellable), whatever their outcome; forgets those not asked for. */
  async settleStarts(): Promise<void> {
    await Promise.allSettled(this.starting.splice(0));
    for (const job of this.pending.splice(0)) this.running.delete(job.seq); // never started: their rows stay queued
  }

  private async flushStarts(): Promise<void> {
    await this.flushPending();
    if (this.starting.length) await Promise.all(this.starting.splice(0));
  }

  /** Starts the pending jobs in one activity, not cancellable: a cancelled batch knows each job it must cancel. */
  private async flushPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const jobs = this.pending.splice(0);
    const { batchId, priorityKey, input } = this;
    const started = CancellationScope.nonCancellable(() => orchestration.startJobs({ batchId, userId: input.userId, mode: input.mode, priorityKey, taskQueue: workflowInfo().taskQueue, jobs }));
    this.starting.push(started.then(() => undefined));
    await started;
  }

  /** True when the budget lets one more job start (asks the database only when the allowance runs out). */
  private async budgetAllows(): Promise<boolean> {
    if (!this.budgeted) return true;
    if (this.allowance <= 0) this.allowance = await orchestration.budgetAllowance({ batchId: this.batchId });
    if (this.allowance <= 0) return false;
    this.allowance--;
    return true;
  }

  /**
   * 'go' when the budget cap and the owner's limits let one more job start now; 'over' when the cap is
   * reached; 'wait' after waiting for a user limit (until one of this batch's jobs ends, a pause or
   * resume, or the recheck time), after which the caller asks again.
   */
  private async limitsAllow(want: number): Promise<'go' | 'over' | 'wait'> {
    if (this.allowance > 0) {
      this.allowance--;
      return 'go';
    }
    const a: JobAllowance = await orchestration.jobAllowance({ batchId: this.batchId, running: this.running.size, want: Math.max(1, want) });
    if (a.jobs > 0) {
      this.allowance = a.jobs - 1;
      return 'go';
    }
    if (a.budgetExhausted) return 'over';
    await this.flushPending();
    const before = this.running.size;
    await condition(() => this.running.size < before || !this.stateSynced, a.recheckMs);
    return 'wait';
  }

  /** Waits for a free slot in the window while not paused, mirroring pause changes on the way. */
  private async slotFree(): Promise<void> {
    const ready = () => (!this.paused && this.running.size < this.window) || !this.stateSynced;
    for (;;) {
      // About to wait: start the jobs the window already counts.
      if (!ready()) await this.flushPending();
      await condition(ready);
      if (this.stateSynced) return;
      await this.syncState();
    }
  }
}
