// The master script of one (batch, title, variation), written once by its own workflow: the first job to
// need it starts it (signal-with-start through an activity, so later jobs join the same run), and every
// job waiting on it is told by signal when it is written. A job that finds it already written queues no
// Gemini task at all; the Gemini queue's rate limit counts only calls that may be paid.
import { ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MasterActivities } from '../activities';
import { aheadOfJobs } from '../domain/job-workflow';
import { masterDoneSignal, masterWaiterSignal, type MasterOutcome, type MasterWorkflowInput } from './definitions';
import { activities, describeFailure } from './job-activities';

/** A waiting job asks again this often, in case the master workflow's word was lost (it was terminated). */
const RECHECK = '1 minute';

/**
 * Waits until the job's master script is written; throws the master's failure (non-retryable) when it failed.
 * With `startJob`, the first ask also moves the job to running; with `asked`, the first ask was made for the job
 * before it started, and it waits for the master's word at once.
 */
export async function awaitMaster(acts: Pick<MasterActivities, 'requestMaster'>, input: { jobId: string; priorityKey: number; startJob?: boolean; asked?: boolean }): Promise<void> {
  const heard: { outcome?: MasterOutcome } = {};
  setHandler(masterDoneSignal, (outcome) => {
    heard.outcome = outcome;
  });
  let { startJob, asked } = input;
  for (;;) {
    // `asked`: the job's starter registered it with the master's workflow already; its word may have come.
    if (!asked) {
      heard.outcome = undefined;
      const { ready } = await acts.requestMaster({ jobId: input.jobId, priorityKey: input.priorityKey, waiter: workflowInfo().workflowId, ...(startJob ? { startJob } : {}) });
      startJob = undefined;
      if (ready) return;
    }
    asked = undefined;
    if (!(await condition(() => heard.outcome !== undefined, RECHECK))) continue;
    const outcome = heard.outcome as MasterOutcome | undefined;
    if (!outcome || outcome.ok) return;
    if (outcome.retry) continue; // the master workflow was cancelled: ask again (a new one starts)
    throw ApplicationFailure.create({ message: outcome.message, type: outcome.code, nonRetryable: true, details: [{ stage: outcome.stage }] });
  }
}

/** Writes the master script (unless it exists), then tells every job that waits on it how it went. */
export async function masterScriptWorkflow(input: MasterWorkflowInput): Promise<MasterOutcome> {
  const waiters: string[] = [];
  const known = new Set<string>();
  setHandler(masterWaiterSignal, (joining) => {
    // Anything but an id or a list of ids (an operator's hand-made signal, say) is ignored, not a failed task.
    const ids: unknown[] = typeof joining === 'string' ? [joining] : Array.isArray(joining) ? joining : [];
    for (const waiter of ids) {
      if (typeof waiter !== 'string' || known.has(waiter)) continue;
      known.add(waiter);
      waiters.push(waiter);
    }
  });
  // A master gates every job of its title: its activities go ahead of the jobs' own at the batch's priority.
  const priorityKey = input.priorityKey ?? 3;
  const { bookkeeping, scripts } = activities(patched('master-ahead') ? aheadOfJobs(priorityKey) : priorityKey);
  let outcome: MasterOutcome;
  try {
    // Skipping the look saves a task round trip before the batch's first paid calls; in the rare race where it was
    // written meanwhile, writeMasterScript finds it and buys nothing.
    const look = !(input.unwritten && patched('master-unwritten'));
    if (!look || !(await bookkeeping.masterScriptReady({ jobId: input.jobId }))) await scripts.writeMasterScript({ jobId: input.jobId });
    outcome = { ok: true };
  } catch (err) {
    outcome = isCancellation(err) ? { ok: false, retry: true } : { ok: false, ...describeFailure(err, 'master') };
  }
  await CancellationScope.nonCancellable(async () => {
    // Waiters that join while these signals go out are told in the next round.
    while (waiters.length > 0) {
      await Promise.all(waiters.splice(0).map((w) => getExternalWorkflowHandle(w).signal(masterDoneSignal, outcome).catch(() => undefined)));
    }
  });
  return outcome;
}
