// The `overhead` scenario: a Bolt matrix batch through zero-latency simulators, and the raw-engine baseline
// of the same shape (raw-workflows.ts) on the same dev server, in memory and persisted; every figure of a
// ratio comes from the same run and the same server.
// Options: --titles 200 --languages 10 (2,000 jobs) --window 200 --modes memory,persisted --audio mp3,wav
// --out bench-results. Each run also reports the CPU a job cost each process of the stack (this one, the dev server,
// PostgreSQL), as Linux counts it. `--audio`: the product's default audio (mp3: loudness and MP3 per narration), its cheapest
// (wav: LINEAR16, loudness off, each narration still measured), or each in turn; the raw baseline is run beside each.
// The dev server's own metrics say what each run asked of it, per job: requests by service and operation, and
// persistence operations (server-metrics.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { loadConfig } from '../../domain/config';
import { freePort } from '../../stack/processes';
import { startStack, type Stack } from '../../stack/stack';
import { BENCH_AUDIO, BENCH_LANGUAGES, startBenchBatch, type BenchAudio } from './batch';
import { cpuBetween, snapshotTreeCpu, type ProcessGroup } from './process-cpu';
import { countsBetween, readServerCounts, type ServerCountsPerJob } from './server-metrics';
import { machine, parseOptions, writeReport } from './report';
import type { rawBatch } from './raw-workflows';


/** A comma-separated list of `allowed` values, each named in the error when it is not one of them. */
function listOf<T extends string>(allowed: readonly T[], what: string) {
  return z.string().transform((s, ctx) => {
    const list = s.split(',').map((m) => m.trim());
    const bad = list.filter((m) => !(allowed as readonly string[]).includes(m));
    if (bad.length > 0 || list.length === 0) ctx.addIssue({ code: 'custom', message: `unknown ${what} ${bad.join(', ')}; use ${allowed.join(', ')} or both` });
    return list as T[];
  });
}

const Args = z.object({
  titles: z.coerce.number().int().min(1).max(10_000),
  languages: z.coerce.number().int().min(1).max(BENCH_LANGUAGES.length),
  window: z.coerce.number().int().min(1).max(1000),
  modes: listOf(['memory', 'persisted'] as const, 'mode'),
  audio: listOf(BENCH_AUDIO, 'audio'),
  out: z.string().min(1),
});

/** CPU ms a job cost each process of the stack (this one, the dev server, PostgreSQL), and all together; absent without /proc. */
type CpuByProcess = Record<ProcessGroup | 'total', number>;

interface ModeResult {
  mode: 'memory' | 'persisted';
  audio: BenchAudio;
  jobs: number;
  bolt: { seconds: number; jobsPerSecond: number; completed: number; failed: number; cpuMsPerJob: number; cpuByProcess?: CpuByProcess; engine?: ServerCountsPerJob };
  raw: { seconds: number; jobsPerSecond: number; completed: number; cpuMsPerJob: number; cpuByProcess?: CpuByProcess; engine?: ServerCountsPerJob };
  ratio: number;
}

/** What `run` cost, per job: the CPU of every process of the tree, and what it asked of the dev server. */
async function withCosts<T extends object>(stack: Stack, jobs: number, run: () => Promise<T>): Promise<T & { cpuByProcess?: CpuByProcess; engine?: ServerCountsPerJob }> {
  const url = stack.temporal.metricsUrl;
  const countsBefore = url ? await readServerCounts(url) : undefined;
  const before = snapshotTreeCpu();
  const result: T = await run();
  const after = snapshotTreeCpu();
  const engine = url && countsBefore ? countsBetween(countsBefore, await readServerCounts(url), jobs) : undefined;
  const withEngine = engine ? { ...result, engine } : result;
  if (!before || !after) return withEngine;
  const spent = cpuBetween(before, after);
  return { ...withEngine, cpuByProcess: Object.fromEntries(Object.entries(spent).map(([k, ms]) => [k, ms / jobs])) as CpuByProcess };
}

/** CPU time of this process (every thread: workers, audio pool, in-process simulators) since `from`, in ms. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

async function boltRun(stack: Stack, titles: number, languages: number, window: number, audio: BenchAudio): Promise<ModeResult['bolt']> {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const { handle } = await startBenchBatch(stack, { titles, languages, window, audio, label: `Overhead benchmark title ${Date.now().toString(36)}` });
  const outcome = await handle.result();
  const seconds = (Date.now() - t0) / 1000;
  return { seconds, jobsPerSecond: outcome.completed / seconds, completed: outcome.completed, failed: outcome.failed, cpuMsPerJob: cpuMs(cpu0) / titles / languages };
}

async function rawRun(stack: Stack, jobs: number, window: number): Promise<ModeResult['raw']> {
  const taskQueue = `bench-raw-${process.pid}`;
  const worker = await Worker.create({
    connection: stack.connection,
    namespace: stack.config.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./raw-workflows'),
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  try {
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const completed = await stack.client.workflow.execute<typeof rawBatch>('rawBatch', { workflowId: `raw-${Date.now()}`, taskQueue, args: [jobs, window] });
    const seconds = (Date.now() - t0) / 1000;
    return { seconds, jobsPerSecond: completed / seconds, completed, cpuMsPerJob: cpuMs(cpu0) / jobs };
  } finally {
    worker.shutdown();
    await running;
  }
}

async function overhead(args: z.infer<typeof Args>): Promise<ModeResult[]> {
  const results: ModeResult[] = [];
  for (const mode of args.modes) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-bench-'));
    fs.chmodSync(dataDir, 0o755);
    const config = loadConfig({
      BOLT_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: process.env.DATABASE_URL,
      TEMPORAL_TASK_QUEUE: `bolt-bench-${process.pid}`,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_DEV_METRICS_PORT: String(await freePort()),
    });
    console.log(`[${mode}] starting a stack (dev server ${mode === 'persisted' ? 'on a SQLite file' : 'in memory'})`);
    const stack = await startStack({ config, api: false, persistent: mode === 'persisted', log: () => undefined, simulators: { tts: { speech: 'tone' }, frontDoor: false } });
    try {
      const jobs = args.titles * args.languages;
      for (const audio of args.audio) {
        console.log(`[${mode}] Bolt batch: ${args.titles} titles × ${args.languages} languages = ${jobs} jobs, window ${args.window}, audio ${audio}`);
        const bolt = await withCosts(stack, jobs, () => boltRun(stack, args.titles, args.languages, args.window, audio));
        console.log(`[${mode}] raw-engine baseline: ${jobs} children × 6 no-op activities, window ${args.window}`);
        const raw = await withCosts(stack, jobs, () => rawRun(stack, jobs, args.window));
        const ratio = bolt.jobsPerSecond / raw.jobsPerSecond;
        results.push({ mode, audio, jobs, bolt, raw, ratio });
        console.log(`[${mode}, ${audio}] Bolt ${bolt.jobsPerSecond.toFixed(2)} jobs/s (${bolt.seconds.toFixed(1)} s, ${bolt.cpuMsPerJob.toFixed(0)} ms CPU/job), raw ${raw.jobsPerSecond.toFixed(2)} jobs/s (${raw.seconds.toFixed(1)} s, ${raw.cpuMsPerJob.toFixed(0)} ms CPU/job), ratio ${ratio.toFixed(2)}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      }
    } finally {
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}

/** A table with a row for each run (Bolt, then raw) of each result that has the figures `cells` reads; none when no run has them. */
function printPerRun(results: ModeResult[], title: string, columns: string[], cells: (run: ModeResult['bolt'] | ModeResult['raw']) => string[] | undefined): void {
  const rows = results.flatMap((r) =>
    ([['Bolt', r.bolt], ['raw', r.raw]] as const).flatMap(([name, run]) => {
      const c = cells(run);
      return c ? [`| ${r.mode} | ${r.audio} | ${name} | ${c.join(' | ')} |`] : [];
    }),
  );
  if (rows.length === 0) return;
  console.log('');
  console.log(title);
  console.log(`| mode | audio | run | ${columns.join(' | ')} |`);
  console.log(`|---|---|---|${columns.map(() => '---:|').join('')}`);
  for (const row of rows) console.log(row);
}

/** Runs the scenario with its command-line options; exit code 1 when a job of either run did not complete. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      titles: { type: 'string', default: '200' },
      languages: { type: 'string', default: '10' },
      window: { type: 'string', default: '200' },
      modes: { type: 'string', default: 'memory,persisted' },
      audio: { type: 'string', default: 'mp3' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const args = parseOptions(Args, values);
  const results = await overhead(args);
  console.log('');
  console.log('| mode | audio | jobs | Bolt s | Bolt jobs/s | raw s | raw jobs/s | ratio |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.mode} | ${r.audio} | ${r.jobs} | ${r.bolt.seconds.toFixed(1)} | ${r.bolt.jobsPerSecond.toFixed(2)} | ${r.raw.seconds.toFixed(1)} | ${r.raw.jobsPerSecond.toFixed(2)} | ${r.ratio.toFixed(2)} |`);
  }
  // Where every core is busy, jobs/s × total CPU per job ≈ the cores: the rate is bound by all processes' CPU.
  // This stack stores files locally (no S3 server): anything else the tree ran is under "other".
  const ms = (v: number) => v.toFixed(1);
  printPerRun(results, 'CPU ms per job, by process (this one holds the workers, the audio threads and the simulators):', ['this process', 'Temporal server', 'PostgreSQL', 'other', 'total', 'cores busy'], (run) => {
    const c = run.cpuByProcess;
    return c && [ms(c.bench), ms(c.temporal), ms(c.postgres), ms(c.other), ms(c.total), ((run.jobsPerSecond * c.total) / 1000).toFixed(2)];
  });
  // The engine's work, counted by the dev server: requests its services served and persistence operations, per job.
  printPerRun(results, 'What each run asked of the dev server, per job (its own metrics; the largest requests by service:operation):', ['requests', 'persistence ops', 'largest requests'], (run) => {
    const e = run.engine;
    return e && [e.requestsPerJob.toFixed(1), e.persistencePerJob.toFixed(1), e.requests.slice(0, 6).map((t) => `${t.operation} ${t.perJob.toFixed(1)}`).join(', ')];
  });
  writeReport(args.out, 'overhead', { machine: machine(), options: args, results });
  const failed = results.filter((r) => r.bolt.completed !== r.jobs || r.raw.completed !== r.jobs);
  if (failed.length > 0) {
    console.error(`bench: not every job completed in ${failed.map((r) => `${r.mode} (${r.audio})`).join(', ')}`);
    process.exitCode = 1;
  }
}
