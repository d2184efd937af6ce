// Benchmark: one big batch (10,000 jobs by default) through zero-latency simulators on the local
// stack. Prints wall time, jobs/s, batch runs and the largest workflow history.
//   npm run bench:batch -- [--titles 1000] [--languages 10] [--window 200] [--speech tone|auto] [--gemini-slots 64] [--tts-slots 32]
// It measures orchestration (Temporal, PostgreSQL, the workers), so by default the simulated voice is a
// generated tone; `--speech auto` uses espeak-ng speech, whose CPU cost per call would be measured instead.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { getBatch } from '../db/batches';
import { DEFAULT_CONCURRENCY } from '../workers/worker';
import { jobAttemptWorkflowId } from '../workflows/definitions';
import { BENCH_LANGUAGES, startBenchBatch } from './bench/batch';
import { withScratchStack } from './bench/scratch-stack';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      titles: { type: 'string', default: '1000' },
      languages: { type: 'string', default: '10' },
      window: { type: 'string', default: '200' },
      speech: { type: 'string', default: 'tone' },
      'gemini-slots': { type: 'string', default: String(DEFAULT_CONCURRENCY.gemini) },
      'tts-slots': { type: 'string', default: String(DEFAULT_CONCURRENCY.tts) },
    },
  });
  const parsed = z
    .object({
      titles: z.coerce.number().int().min(1).max(100_000),
      languages: z.coerce.number().int().min(1).max(BENCH_LANGUAGES.length),
      window: z.coerce.number().int().min(1).max(1000),
      speech: z.enum(['tone', 'auto']),
      'gemini-slots': z.coerce.number().int().min(1).max(1000),
      'tts-slots': z.coerce.number().int().min(1).max(1000),
    })
    .safeParse(values);
  if (!parsed.success) {
    console.error(`bench:batch: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
    process.exit(2);
  }
  const args = parsed.data;
  const concurrency = { gemini: args['gemini-slots'], tts: args['tts-slots'] };
  const stackOptions = { simulators: { tts: { speech: args.speech } }, concurrency };
  await withScratchStack({ prefix: 'bolt-bench-', taskQueue: 'bolt-bench', stack: stackOptions }, async (stack, cleanUp) => {
    // Ctrl-C ends the benchmark without leaving its servers behind.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.log(`${signal}: stopping the stack`);
        void cleanUp().finally(() => process.exit(130));
      });
    }
    const t0 = Date.now();
    const { batch, handle, jobs } = await startBenchBatch(stack, { titles: args.titles, languages: args.languages, window: args.window, label: 'Benchmark title number' });
    const timer = setInterval(() => {
      void getBatch(stack.db, batch.id).then((b) => b && console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${b.completed}/${b.total_jobs} done, ${b.running} running, ${b.failed} failed`));
    }, 15_000);
    const outcome = await handle.result();
    clearInterval(timer);
    const seconds = (Date.now() - t0) / 1000;
    const sizes: number[] = [];
    for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${batch.workflow_id}"` })) {
      sizes.push((await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events?.length ?? 0);
    }
    let largestJob = 0;
    for (const seq of [0, Math.floor(jobs / 2), jobs - 1]) {
      largestJob = Math.max(largestJob, (await stack.client.workflow.getHandle(jobAttemptWorkflowId(batch.id, { seq, attempts: 0 })).fetchHistory()).events?.length ?? 0);
    }
    console.log(`jobs: ${outcome.total} (${outcome.completed} completed, ${outcome.failed} failed)`);
    console.log(`wall time: ${seconds.toFixed(1)} s, throughput: ${(outcome.completed / seconds).toFixed(1)} jobs/s, window ${args.window}, speech ${args.speech}, slots gemini ${concurrency.gemini} tts ${concurrency.tts}`);
    console.log(`batch workflow runs: ${sizes.length}, largest batch history: ${Math.max(...sizes)} events, largest sampled job history: ${largestJob} events`);
    console.log(`peak RSS of this process (API-less stack, workers in-process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
