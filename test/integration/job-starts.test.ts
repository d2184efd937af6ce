// The activity that starts a batch's jobs also moves their rows to running and asks for their masters, so a job's
// workflow makes no call of its own before its adaptation: a master found written starts the job `ready`, one not
// yet written registers the job with the master's workflow (`asked`). A retried start starts and counts nothing twice.
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createJobStartActivities, type JobStarts } from '../../activities/job-starts';
import { getBatch } from '../../db/batches';
import { pageJobs } from '../../db/jobs';
import { jobAttemptWorkflowId, type JobWorkflowInput } from '../../workflows/definitions';
import { countRows, createTestBatch, withGeminiLatency } from '../support/batches';
import { eventually, testStack, type TestStack } from '../support/stack';

/** Each job workflow's input, and the kinds of its events that a job started by `startJobs` should not have. */
async function jobHistories(stack: TestStack, batchId: string): Promise<Array<{ input: JobWorkflowInput; activities: string[]; markers: number }>> {
  const out: Array<{ input: JobWorkflowInput; activities: string[]; markers: number }> = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "job-${batchId}"` })) {
    const events = (await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    out.push({
      input: defaultPayloadConverter.fromPayload<JobWorkflowInput>(payload!),
      activities: events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [])),
      markers: events.filter((e) => e.markerRecordedEventAttributes).length,
    });
  }
  return out.sort((a, b) => a.input.seq - b.input.seq);
}

describe('job starts', function () {
  this.timeout(300_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('start each job with its row running and its master asked for or found, and start and count nothing twice when retried', async () => {
    await withGeminiLatency(stack, 300, async () => {
      // Two titles in three languages (the first one's jobs use the master as it is).
      const { batch, userId } = await createTestBatch(stack, { titles: 2, label: 'Job starts' });
      const refs = (await pageJobs(stack.db, batch.id, ['queued'], -1, 100)).map((r) => ({
        jobId: r.id,
        seq: r.seq,
        usesMasterDirectly: r.uses_master_directly,
        language: r.language,
        attempts: r.attempts,
        title: r.title,
        variation: r.variation,
        workflowId: jobAttemptWorkflowId(batch.id, r),
      }));
      assert.equal(refs.length, 6);
      const page = (titleIndex: number): JobStarts => ({
        batchId: batch.id,
        userId,
        mode: 'matrix',
        priorityKey: 3,
        taskQueue: stack.taskQueue,
        jobs: refs.filter((r) => r.title === refs[titleIndex * 3]!.title),
      });
      const { startJobs } = createJobStartActivities({ db: stack.db });
      // Each attempt in a context of its own, as the worker gives it.
      const attempt = (input: JobStarts) => new MockActivityEnvironment({}, { client: stack.client }).run(startJobs, input);
      assert.equal(await attempt(page(0)), 3);
      // A retry (the worker died before the activity's result was recorded) starts nothing and counts nothing again.
      assert.equal(await attempt(page(0)), 0);
      // The first page also started the next title's master, ahead of its jobs: once written, they start `ready`.
      await eventually(async () => (await stack.db.selectFrom('scripts').select('id').where('batch_id', '=', batch.id).where('language', '=', 'en-US').execute()).length === 2, 'both masters written', 60_000, 100);
      assert.equal(await attempt(page(1)), 3);
      await eventually(async () => (await countRows(stack, batch.id)).completed === 6, 'every job to complete', 120_000, 200);

      const jobs = await jobHistories(stack, batch.id);
      assert.deepEqual(jobs.map((j) => j.input.master), ['asked', 'asked', 'asked', 'ready', 'ready', 'ready']);
      for (const job of jobs) {
        // No ask of its own and no version marker: its first task is its adaptation, or its speech for the master's language.
        assert.deepEqual(job.activities, job.input.usesMasterDirectly ? ['synthesizeSpeech'] : ['adaptScript', 'synthesizeSpeech'], `job ${job.input.seq}`);
        assert.equal(job.markers, 0, `job ${job.input.seq}`);
      }
      const after = (await getBatch(stack.db, batch.id))!;
      assert.deepEqual({ running: after.running, completed: after.completed, started: after.started_attempts }, { running: 0, completed: 6, started: 6 });
      const attempts = await stack.db.selectFrom('jobs').select('attempts').where('batch_id', '=', batch.id).execute();
      assert.ok(attempts.every((r) => r.attempts === 1));
      // One master workflow run per title wrote its script: the registered jobs were told, not re-asked.
      let masterRuns = 0;
      for await (const _ of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "master-${batch.id}"` })) masterRuns++;
      assert.equal(masterRuns, 2);
    });
  });
});
