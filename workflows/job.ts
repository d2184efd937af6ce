// One job in two activities: its adaptation, then stored script, speech and completion (one TTS activity); the
// activity that started it moved its row to running and asked for its master. Jobs started before that began with
// a third, the master's ask. Failures are recorded, not thrown.
import { CancellationScope, getExternalWorkflowHandle, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { jobEndedSignal, type JobOutcome, type JobWorkflowInput } from './definitions';
import { activities, describeFailure } from './job-activities';
import { awaitMaster } from './master';

/** Tells the batch (its current run, by workflow id) that this job has ended; a batch already closed needs no word. */
async function reportEnd(input: JobWorkflowInput): Promise<void> {
  const parent = workflowInfo().parent;
  if (!input.reportEnd || !parent || !patched('report-end')) return;
  const { workflowId } = workflowInfo();
  await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(parent.workflowId).signal(jobEndedSignal, { seq: input.seq, workflowId }).catch(() => undefined));
}

export async function jobWorkflow(input: JobWorkflowInput): Promise<JobOutcome> {
  try {
    return await runJob(input);
  } finally {
    await reportEnd(input);
  }
}

async function runJob(input: JobWorkflowInput): Promise<JobOutcome> {
  const { bookkeeping, scripts, speech } = activities(input.priorityKey ?? 3);
  const { jobId } = input;
  let stage = 'bookkeeping';
  try {
    if (input.master) {
      // Started by `startJobs`, which moved its row to running and asked for its master: straight to its own calls.
      stage = 'master';
      if (input.master === 'asked') await awaitMaster(bookkeeping, { jobId, priorityKey: input.priorityKey ?? 3, asked: true });
      if (!input.usesMasterDirectly) {
        stage = 'adaptation';
        await scripts.adaptScript({ jobId });
      }
      stage = 'synthesis';
      await speech.synthesizeSpeech({ jobId, finish: true });
      return { status: 'completed' };
    }
    // The job's first ask for its master also starts it (one activity where there were two).
    const startedByMaster = patched('master-request-starts-job');
    if (!startedByMaster) await bookkeeping.startJob({ jobId });
    stage = 'master';
    // The master is written once, by its own workflow, which the jobs wait on: a job that finds it
    // written queues no Gemini task (earlier jobs each ran writeMasterScript on the Gemini queue).
    if (patched('master-workflow')) await awaitMaster(bookkeeping, { jobId, priorityKey: input.priorityKey ?? 3, ...(startedByMaster ? { startJob: true } : {}) });
    else await scripts.writeMasterScript({ jobId });
    if (!input.usesMasterDirectly) {
      stage = 'adaptation';
      await scripts.adaptScript({ jobId });
    }
    if (patched('narration-finishes-job')) {
      // One TTS activity stores the script, speaks it and completes the job (a failure names its own stage).
      stage = 'synthesis';
      await speech.synthesizeSpeech({ jobId, finish: true });
    } else {
      stage = 'storage';
      await bookkeeping.storeScript({ jobId });
      stage = 'synthesis';
      await speech.synthesizeSpeech({ jobId });
      stage = 'bookkeeping';
      await bookkeeping.completeJob({ jobId });
    }
    return { status: 'completed' };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => bookkeeping.cancelJob({ jobId }));
      throw err;
    }
    const failure = describeFailure(err, stage);
    await bookkeeping.failJob({ jobId, ...failure });
    return { status: 'failed', stage: failure.stage, code: failure.code };
  }
}
