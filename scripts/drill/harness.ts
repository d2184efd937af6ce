// What every drill shares: its options, a stack of its own (Temporal, PostgreSQL, versitygw S3, simulators),
// a benchmark batch, the breaking done while it runs (each step printed with its time), and the verdict:
// a markdown table and a JSON report. Exit code 1 when a job was lost or not completed, an output was stored
// twice, more paid calls were repeated than were in flight at the breaks, or nothing was broken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { getBatch } from '../../db/batches';
import { loadConfig } from '../../domain/config';
import { freePort } from '../../stack/processes';
import { startS3Server, type S3Server } from '../../stack/s3-server';
import { startStack, type Stack, type StackOptions } from '../../stack/stack';
import { BENCH_LANGUAGES, startBenchBatch } from '../bench/batch';
import { machine, parseOptions, writeReport } from '../bench/report';
import { paidCalls, paidInFlight, verdict, type Verdict } from './verdict';

const Args = z.object({
  titles: z.coerce.number().int().min(1).max(10_000),
  languages: z.coerce.number().int().min(2).max(BENCH_LANGUAGES.length),
  window: z.coerce.number().int().min(1).max(1000),
  timeout: z.coerce.number().positive().max(600),
  down: z.coerce.number().min(0).max(300),
  out: z.string().min(1),
});
export type DrillArgs = z.infer<typeof Args>;

export interface DrillContext {
  stack: Stack;
  args: DrillArgs;
  batchId: string;
  jobs: number;
  /** Prints a step with the seconds since the batch started, and keeps it for the report. */
  note(what: string): void;
  /** Resolves once `n` jobs have ended (completed or failed); throws when the batch ended first. */
  untilDone(n: number): Promise<void>;
  /** Counts the paid calls in flight now (call it just before a break) and adds them to the allowance. */
  countInFlight(): Promise<number>;
  /** Whether the batch's workflow is still running. */
  running(): boolean;
  /** Runs at the end, whatever happened (stops processes the drill started). */
  onCleanUp(fn: () => Promise<void>): void;
}

export interface Drill {
  name: string;
  /** The dev server on a SQLite file (needed to restart it). */
  persistent?: boolean;
  /** Workers in the drill's own process. @default true */
  inProcessWorkers?: boolean;
  simulators?: StackOptions['simulators'];
  /** Runs on the started stack before the batch (keys, limits). */
  prepare?(stack: Stack): Promise<void>;
  /** Breaks something while the batch runs; returns how many breaks it made. */
  breakIt(ctx: DrillContext): Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the drill's options: --titles 100 --languages 5 (500 jobs) --window 100 --timeout 30 (minutes),
 * --down 5 (seconds a restarted server stays down) --out bench-results.
 */
export function drillArgs(argv: string[], name: string): DrillArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      titles: { type: 'string', default: '100' },
      languages: { type: 'string', default: '5' },
      window: { type: 'string', default: '100' },
      timeout: { type: 'string', default: '30' },
      down: { type: 'string', default: '5' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  return parseOptions(Args, values, `drill ${name}`);
}

/** Latency that keeps calls in flight when something breaks, and tone speech (no espeak-ng CPU). */
export const DRILL_SIMULATORS: NonNullable<StackOptions['simulators']> = { gemini: { latencyMs: 60 }, tts: { latencyMs: 40, speech: 'tone' } };

async function startDrillStack(drill: Drill, dataDir: string): Promise<{ stack: Stack; s3: S3Server }> {
  const quiet = () => undefined;
  const s3 = await startS3Server({ dir: path.join(dataDir, 's3'), log: quiet });
  try {
    const config = loadConfig({
      BOLT_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: process.env.DATABASE_URL,
      TEMPORAL_TASK_QUEUE: `bolt-drill-${process.pid}`,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    const stack = await startStack({
      config,
      api: false,
      log: quiet,
      persistent: drill.persistent ?? false,
      worker: drill.inProcessWorkers ?? true,
      simulators: drill.simulators ?? DRILL_SIMULATORS,
      s3: { bucket: 'bolt-drill', endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
    });
    return { stack, s3 };
  } catch (err) {
    await s3.stop();
    throw err;
  }
}

/** Waits for the batch's workflow to end, riding out a server that is away; false at the deadline. */
async function batchEnds(result: () => Promise<unknown>, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      await Promise.race([result(), sleep(deadline - Date.now()).then(() => Promise.reject(new Error('deadline')))]);
      return true;
    } catch {
      await sleep(1000);
    }
  }
  return false;
}

interface Run {
  verdict: Verdict;
  seconds: number;
  breaks: number;
  inFlight: number;
  events: Array<{ at: number; what: string }>;
  ended: boolean;
}

async function runBatch(drill: Drill, stack: Stack, args: DrillArgs, cleanUps: Array<() => Promise<void>>): Promise<Run> {
  await drill.prepare?.(stack);
  const paidBefore = paidCalls(stack);
  const t0 = Date.now();
  const events: Run['events'] = [];
  const note = (what: string) => {
    const at = (Date.now() - t0) / 1000;
    events.push({ at, what });
    console.log(`[drill ${drill.name}] t+${at.toFixed(1)} s: ${what}`);
  };
  const { batch, handle, jobs } = await startBenchBatch(stack, { titles: args.titles, languages: args.languages, window: args.window, label: `Drill ${drill.name} ${Date.now().toString(36)}` });
  note(`batch ${batch.id} started: ${args.titles} titles × ${args.languages} languages = ${jobs} jobs, window ${args.window}`);
  let ended = false;
  let inFlight = 0;
  const ctx: DrillContext = {
    stack,
    args,
    batchId: batch.id,
    jobs,
    note,
    onCleanUp: (fn) => cleanUps.push(fn),
    running: () => !ended,
    countInFlight: async () => {
      const n = await paidInFlight(stack, batch.id);
      inFlight += n;
      return n;
    },
    untilDone: async (n) => {
      for (;;) {
        if (ended) throw new Error(`the batch ended before ${n} jobs were done`);
        const b = await getBatch(stack.db, batch.id).catch(() => undefined);
        if (b && b.completed + b.failed >= n) return;
        await sleep(250);
      }
    },
  };
  const breaking = drill.breakIt(ctx).catch((err: unknown) => {
    note(`breaking stopped: ${err instanceof Error ? err.message : String(err)}`);
    return -1;
  });
  const done = await batchEnds(() => handle.result(), t0 + args.timeout * 60_000);
  ended = true;
  note(done ? 'the batch workflow ended' : `the batch did not end within ${args.timeout} min`);
  const breaks = await breaking;
  const seconds = (Date.now() - t0) / 1000;
  const v = await verdict(stack, { batchId: batch.id, titles: args.titles, languages: args.languages, paidBefore });
  return { verdict: v, seconds, breaks, inFlight, events, ended: done };
}

function printTable(name: string, r: Run): void {
  const v = r.verdict;
  console.log('');
  console.log('| drill | jobs expected | completed | failed | lost | duplicated outputs | repeated paid calls | paid calls in flight at the breaks | breaks | seconds |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${name} | ${v.expected} | ${v.completed} | ${v.failed} | ${v.lost} | ${v.duplicated} | ${v.repeated} | ${r.inFlight} | ${Math.max(0, r.breaks)} | ${r.seconds.toFixed(1)} |`);
  console.log('');
  console.log(`paid calls answered: ${v.paid.masters} masters, ${v.paid.adaptations} adaptations, ${v.paid.syntheses} syntheses (needed ${v.needed.masters}, ${v.needed.adaptations}, ${v.needed.syntheses})`);
  console.log(`provider errors by status: ${JSON.stringify(v.errors)}`);
  for (const r of v.repeats) console.log(`answered ${r.times} times: ${r.identity}`);
  // What ended the attempts before (numbers and ids left out), most frequent first; the first few in full.
  const causes = new Map<string, number>();
  for (const r of v.retried) {
    const cause = `${r.activity}: ${r.lastFailure.replace(/[0-9a-f-]{36}|\d+(\.\d+)?/g, '#').slice(0, 160)}`;
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  console.log(`paid activities retried: ${v.retried.length}`);
  for (const [cause, n] of [...causes].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${cause}`);
  if (v.repeats.length > 0) for (const r of v.retried.slice(0, 20)) console.log(`  ${r.workflowId} ${r.activity} attempt ${r.attempt}, after: ${r.lastFailure}`);
}

/** Why the drill failed, or undefined when it passed. */
function failure(r: Run): string | undefined {
  const v = r.verdict;
  if (r.breaks <= 0) return 'nothing was broken';
  if (v.lost > 0 || v.completed !== v.expected) return `${v.lost} jobs lost, ${v.completed} of ${v.expected} completed`;
  if (v.duplicated > 0) return `${v.duplicated} duplicated outputs`;
  if (v.repeated > r.inFlight) return `${v.repeated} repeated paid calls, but only ${r.inFlight} were in flight at the breaks`;
  return undefined;
}

/** Runs a drill with its command-line options on a stack of its own, prints the table and writes the report. */
export async function runDrill(drill: Drill, argv: string[]): Promise<void> {
  const args = drillArgs(argv, drill.name);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-drill-'));
  fs.chmodSync(dataDir, 0o755);
  const cleanUps: Array<() => Promise<void>> = [];
  console.log(`[drill ${drill.name}] starting a stack (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  const { stack, s3 } = await startDrillStack(drill, dataDir);
  let run: Run | undefined;
  try {
    run = await runBatch(drill, stack, args, cleanUps);
  } finally {
    for (const fn of cleanUps.reverse()) await fn().catch(() => undefined);
    await stack.stop();
    await s3.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(drill.name, run);
  const failed = failure(run);
  writeReport(args.out, `drill-${drill.name}`, { machine: machine(), options: args, ...run, passed: !failed, failure: failed });
  if (failed) {
    console.error(`drill ${drill.name}: FAILED: ${failed}`);
    process.exitCode = 1;
  }
}
