// Children outlive continue-as-new (handed over, not drained), and a master script is asked for by one
// Gemini task per (title, variation): the jobs that find it written queue none.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { getBatch } from '../../db/batches';
import type { BatchWorkflowInput } from '../../workflows/definitions';
import { countRows, launchBatch, waitForBatch, withGeminiLatency } from '../support/batches';
import { eventually, testStack, type TestStack } from '../support/stack';


/** The input of every run of the batch workflow, oldest first. */
async function runInputs(stack: TestStack, batchId: string): Promise<BatchWorkflowInput[]> {
  const inputs: BatchWorkflowInput[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = "batch-${batchId}"` })) {
    const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    inputs.push(defaultPayloadConverter.fromPayload<BatchWorkflowInput>(payload!));
  }
  return inputs.sort((a, b) => (a.run ?? 0) - (b.run ?? 0));
}

/** Counts, over every run of the batch: job child starts, child ends, signals, and startJobs activities. */
async function batchEventKinds(stack: TestStack, batchId: string): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = "batch-${batchId}"` })) {
    const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const kind =
        e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === 'jobWorkflow'
        ? 'childStarts'
        : e.childWorkflowExecutionCompletedEventAttributes?.workflowType?.name === 'jobWorkflow'
          ? 'childEnds'
          : e.workflowExecutionSignaledEventAttributes
            ? 'signals'
            : e.activityTaskScheduledEventAttributes?.activityType?.name === 'startJobs'
              ? 'startJobs'
              : undefined;
      if (kind) kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return kinds;
}

/** Gemini-queue activity tasks scheduled by the batch's job and master workflows, by activity type. */
async function geminiTasks(stack: TestStack, batchId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const query = `WorkflowId STARTS_WITH "job-${batchId}" OR WorkflowId STARTS_WITH "master-${batchId}"`;
  for await (const w of stack.client.workflow.list({ query })) {
    const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a?.taskQueue?.name === `${stack.taskQueue}-gemini`) counts[a.activityType!.name!] = (counts[a.activityType!.name!] ?? 0) + 1;
    }
  }
  return counts;
}

describe('handover of running children at continue-as-new', function () {
  this.timeout(300_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('hands running children to the next run, completes every job once, and asks Gemini once per master and adaptation', async () => {
    await withGeminiLatency(stack, 100, async () => {
      const { batchId, handle } = await launchBatch(stack, { titles: 12, window: 8, pageSize: 4, jobsPerRun: 6, label: 'Handover' });
      const outcome = await handle.result();
      assert.equal(outcome.completed, 36);
      const batch = (await getBatch(stack.db, batchId))!;
      assert.equal(batch.status, 'completed');
      assert.deepEqual({ running: batch.running, completed: batch.completed, failed: batch.failed }, { running: 0, completed: 36, failed: 0 });
      assert.deepEqual(await countRows(stack, batchId), { completed: 36 });
      const inputs = await runInputs(stack, batchId);
      assert.ok(inputs.length >= 5, `expected at least 5 runs, got ${inputs.length}`);
      const handed = inputs.map((i) => i.running?.length ?? 0);
      console.log(`      runs: ${inputs.length}, children handed over at each: ${handed.join(', ')}`);
      assert.ok(
        handed.some((n) => n > 0),
        'some run received children still running from the one before',
      );
      // Jobs start by activity and their ends are read from their rows: nothing from them reaches the batch's
      // history, so nothing can arrive while a run continues as new.
      const kinds = await batchEventKinds(stack, batchId);
      assert.ok((kinds.startJobs ?? 0) >= 6, `jobs started by activity: ${JSON.stringify(kinds)}`);
      assert.deepEqual({ childStarts: kinds.childStarts ?? 0, childEnds: kinds.childEnds ?? 0, signals: kinds.signals ?? 0 }, { childStarts: 0, childEnds: 0, signals: 0 });
      // 12 masters (one per title) and 24 adaptations (two of three languages): nothing else on the Gemini queue.
      assert.deepEqual(await geminiTasks(stack, batchId), { writeMasterScript: 12, adaptScript: 24 });
    });
  });

  it('records the end of a handed-over child that an operator terminated', async () => {
    await withGeminiLatency(stack, 1500, async () => {
      const { batchId, handle } = await launchBatch(stack, { titles: 4, window: 4, pageSize: 2, jobsPerRun: 2, label: 'Terminated' });
      const victim = `job-${batchId}-0`;
      const running = async () => (await stack.db.selectFrom('jobs').select('status').where('batch_id', '=', batchId).where('seq', '=', 0).executeTakeFirst())?.status === 'running';
      await eventually(running, 'the first job to run');
      await stack.client.workflow.getHandle(victim).terminate('operator test');
      const outcome = await handle.result();
      assert.equal(outcome.completed + outcome.failed, 12);
      const row = await stack.db.selectFrom('jobs').select(['status', 'error_code']).where('batch_id', '=', batchId).where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'failed', error_code: 'job_workflow_ended' });
      assert.equal((await getBatch(stack.db, batchId))!.running, 0);
    });
  });

  it('a cancelled batch cancels children started by earlier runs and closes its books', async () => {
    await withGeminiLatency(stack, 300, async () => {
      const { batchId, handle } = await launchBatch(stack, { titles: 10, window: 6, pageSize: 3, jobsPerRun: 3, label: 'Cancel handover' });
      await eventually(async () => ((await runInputs(stack, batchId)).at(-1)?.running?.length ?? 0) > 0, 'a run holding handed-over children', 120_000, 1000);
      await handle.cancel();
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError);
      const batch = await waitForBatch(stack, batchId, ['cancelled'], 60_000);
      assert.equal(batch.queued + batch.running, 0);
      assert.equal(batch.completed + batch.cancelled, 30);
      assert.ok(batch.cancelled > 0);
      let stillRunning = 0;
      for await (const _ of stack.client.workflow.list({ query: `BatchId = "${batchId}" AND ExecutionStatus = "Running"` })) stillRunning++;
      assert.equal(stillRunning, 0, 'no child left running');
    });
  });
});
