// Records workflow histories for the replay test: runs small batches on a throwaway local stack
// (pause/resume, a failing job, continue-as-new, retry-failed) and writes their histories to
// test/fixtures/histories/. Run it after a deliberate, compatible workflow change: `npm run record-histories`.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findTemporalCli } from '../stack/temporal';
import type { batchWorkflow } from '../workflows';
import { pauseSignal, resumeSignal, retryFailedSignal, type BatchWorkflowInput } from '../workflows/definitions';
import { createMatrixBatch } from './bench/batch';
import { withScratchStack } from './bench/scratch-stack';

// A new dated folder each time (an optional name after the date: `npm run record-histories -- handover`):
// older fixtures stay, and keep being replayed.
const FOLDER = [new Date().toISOString().slice(0, 10), process.argv[2]].filter(Boolean).join('-');
const OUT = path.join(__dirname, '..', 'test', 'fixtures', 'histories', FOLDER);

async function main(): Promise<void> {
  await withScratchStack({ prefix: 'bolt-record-', taskQueue: 'bolt-record' }, async (stack) => {
    const titles = ['Recorded title one', 'Recorded title two'];
    const languages = [
      { language: 'en-US', voice: 'en-US-Neural2-A' },
      { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
      { language: 'en-GB', voice: 'en-GB-Neural2-Z' }, // no such voice: these jobs fail
    ];
    const { batch } = await createMatrixBatch(stack.db, { userId: 'recorder', agentName: 'r', titles, languages });
    const input: BatchWorkflowInput = { batchId: batch.id, userId: 'recorder', mode: 'matrix', window: 2, pageSize: 2, jobsPerRun: 3 };
    const handle = await stack.client.workflow.start<typeof batchWorkflow>('batchWorkflow', { workflowId: batch.workflow_id, taskQueue: stack.taskQueue, args: [input] });
    await handle.signal(pauseSignal);
    await new Promise((r) => setTimeout(r, 500));
    await handle.signal(resumeSignal);
    await handle.result();
    // A second pass that retries the failed jobs, as the API's retry-failed does.
    const again = await stack.client.workflow.signalWithStart('batchWorkflow', { workflowId: batch.workflow_id, taskQueue: stack.taskQueue, args: [input], signal: retryFailedSignal, signalArgs: [] });
    await stack.client.workflow.getHandle(again.workflowId).result();

    const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, console.log);
    if (!cli) throw new Error('the temporal CLI is needed to export histories');
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    let n = 0;
    for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "batch-${batch.id}" OR WorkflowId STARTS_WITH "job-${batch.id}" OR WorkflowId STARTS_WITH "master-${batch.id}"` })) {
      // The CLI's JSON is what operators export too (`temporal workflow show -o json`).
      const json = execFileSync(cli, ['workflow', 'show', '--address', stack.temporal.address, '-w', w.workflowId, '-r', w.runId, '-o', 'json'], { maxBuffer: 64 << 20 });
      const name = `${w.type}-${n++}-${w.status.name.toLowerCase()}.json`;
      fs.writeFileSync(path.join(OUT, name), json);
    }
    console.log(`recorded ${n} histories in ${path.relative(process.cwd(), OUT)}`);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
