// What one job costs the stores, counted on a small matrix batch through zero-latency simulators: the SQL
// statements the workers send (by statement, a job's share) and the Temporal history events of each workflow
// type. The evidence behind the per-job query and event figures in BENCHMARKS.md; it measures no speed.
// Usage: npx tsx scripts/bench/job-costs.ts [--titles 20] [--languages 10] [--audio wav] [--top 40]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { BENCH_AUDIO, BENCH_LANGUAGES, startBenchBatch } from './batch';
import { parseOptions } from './report';
import { withScratchStack } from './scratch-stack';

const Args = z.object({
  titles: z.coerce.number().int().min(1).max(500),
  languages: z.coerce.number().int().min(1).max(BENCH_LANGUAGES.length),
  audio: z.enum(BENCH_AUDIO),
  top: z.coerce.number().int().min(1).max(500),
});

/** Every statement sent through node-postgres in this process (the workers and the bench alike), by its text. */
function countStatements(): Map<string, number> {
  const counts = new Map<string, number>();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string } | undefined;
    const text = (typeof q === 'string' ? q : (q?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 110);
    counts.set(text, (counts.get(text) ?? 0) + 1);
    return original.apply(this, args);
  };
  return counts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { titles: { type: 'string', default: '20' }, languages: { type: 'string', default: '10' }, audio: { type: 'string', default: 'wav' }, top: { type: 'string', default: '40' } } });
  const args = parseOptions(Args, values, 'job-costs');
  const counts = countStatements();
  await withScratchStack({ prefix: 'bolt-job-costs-', taskQueue: `bolt-job-costs-${process.pid}` }, async (stack, cleanUp) => {
    try {
      counts.clear(); // the stack's own start-up (migrations, catalog) is not a job's
      const { handle, jobs } = await startBenchBatch(stack, { titles: args.titles, languages: args.languages, window: 200, audio: args.audio, label: `Job costs title ${Date.now().toString(36)}` });
      const outcome = await handle.result();
      const statements = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      const total = statements.reduce((sum, [, n]) => sum + n, 0);
      console.log(`${jobs} jobs (${outcome.completed} completed, ${outcome.failed} failed), audio ${args.audio}`);
      console.log(`\nSQL statements: ${total}, ${(total / jobs).toFixed(2)} a job\n\n| a job | statement |\n|---:|---|`);
      for (const [text, n] of statements.slice(0, args.top)) console.log(`| ${(n / jobs).toFixed(2)} | \`${text.replace(/\|/g, '\\|')}\` |`);
      const byType = new Map<string, { runs: number; events: number; kinds: Map<string, number> }>();
      for await (const w of stack.client.workflow.list()) {
        const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        const t = byType.get(w.type) ?? { runs: 0, events: 0, kinds: new Map<string, number>() };
        t.runs++;
        for (const e of history.events ?? []) {
          t.events++;
          // The event's kind, from the name of the attributes it carries (activityTaskScheduledEventAttributes → activityTaskScheduled).
          const attrs = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
          const kind = attrs ? attrs.replace(/EventAttributes$/, '') : String(e.eventType ?? '?');
          t.kinds.set(kind, (t.kinds.get(kind) ?? 0) + 1);
        }
        byType.set(w.type, t);
      }
      console.log(`\n| workflow type | runs | events a run | events a job | events a run, by kind |\n|---|---:|---:|---:|---|`);
      for (const [type, t] of byType) {
        const kinds = [...t.kinds.entries()].map(([k, n]) => `${k}: ${(n / t.runs).toFixed(2)}`).join(', ');
        console.log(`| ${type} | ${t.runs} | ${(t.events / t.runs).toFixed(1)} | ${(t.events / jobs).toFixed(2)} | ${kinds} |`);
      }
      if (outcome.completed !== jobs) process.exitCode = 1;
    } finally {
      await cleanUp();
    }
  });
}

void main();
