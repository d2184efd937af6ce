// The `scale` scenario: one big matrix batch created through the REST API (a process of its own), run by a
// worker in its own process, through zero-latency simulators (in the bench's process); a client process polls
// the status and follows the progress stream (scale-client.ts). While it runs: the status endpoint's and the
// progress stream's latency, and the API and worker processes' memory; at the end the largest workflow history,
// lost jobs and the total time. The default is the issue's 100,000 jobs (1,000 titles × 50 languages × 2
// variations); `--jobs` picks a smaller matrix of the same shape (titles × up to 50 languages).
// `--for <minutes>` bounds the run: after that long the batch is cancelled and the figures are those of a
// partial run (what was done, the cancel's time, what was left running), never a completion.
// `--audio`: the product's default audio (mp3: loudness to -16 LUFS and MP3 per narration) or its cheapest (wav:
// LINEAR16, loudness off, each narration still measured), as in `overhead`; the orchestration is the same.
// Options: --jobs 100000 --for 10 --persisted (dev server on a SQLite file) --audio mp3 --out bench-results
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MAX_TITLES } from '../../api/schemas';
import { freePort } from '../../stack/processes';
import type { Stack } from '../../stack/stack';
import { machine, parseOptions, writeReport } from './report';
import { withScratchStack } from './scratch-stack';
import { startClient } from './scale-client';
import { historyFigures, sampleMemory, summarise, WARM_UP_S } from './scale-probes';
import { loopbackGuardArgs } from '../../test/support/loopback-guard';
import { BENCH_AUDIO, type BenchAudio } from './batch';

const Args = z.object({
  jobs: z.coerce.number().int().min(1).max(1000 * 100 * 5),
  for: z.coerce.number().positive().optional(),
  persisted: z.boolean(),
  audio: z.enum(BENCH_AUDIO),
  out: z.string().min(1),
});

const ADMIN = { email: 'scale-bench@bolt.local', password: 'scale benchmark password' };
const ROOT = path.join(__dirname, '..', '..');

/** The batch's matrix: up to 50 languages (English first), 2 variations from 50,000 jobs up, and enough titles. */
export function matrixFor(jobs: number, languageCodes: readonly string[]): { titles: number; languages: number; variations: number } {
  const languages = Math.min(50, languageCodes.length, jobs);
  const variations = jobs >= 50_000 ? 2 : 1;
  const titles = Math.min(MAX_TITLES, Math.ceil(jobs / (languages * variations)));
  return { titles, languages, variations };
}

/** The environment of the bench's worker and API processes: the stack's services, plus `extra`. */
function processEnv(stack: Stack, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    DATABASE_URL: stack.postgres.url,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    BOLT_DATA_DIR: stack.config.dataDir,
    BOLT_SIMULATOR_URL: stack.simulators!.url,
    BOLT_METRICS_PORT: '0',
    S3_ENDPOINT: '',
    ...extra,
  };
}

/**
 * Starts `workers/main.ts` or `api/main.ts` against the stack's services; resolves once it polls (a worker) or
 * listens (the API, with its URL).
 */
async function startProcess(stack: Stack, kind: 'worker' | 'api', extra: Record<string, string> = {}): Promise<{ child: ChildProcess; tail: () => string; url?: string }> {
  const entry = kind === 'worker' ? path.join(ROOT, 'workers', 'main.ts') : path.join(ROOT, 'api', 'main.ts');
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), ...loopbackGuardArgs(), entry], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: processEnv(stack, extra) });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const ready = kind === 'worker' ? /polling/ : /listening on :(\d+)/;
  const deadline = Date.now() + 180_000;
  let m: RegExpExecArray | null;
  while (!(m = ready.exec(out))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the ${kind} did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, tail: () => out, ...(kind === 'api' ? { url: `http://127.0.0.1:${m[1]}` } : {}) };
}

async function api<T>(apiUrl: string, method: string, route: string, token?: string, body?: unknown): Promise<{ status: number; json: T; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(`${apiUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T, headers: res.headers };
}

/** POSTs the batch; the create time runs until the API has accepted it (201). */
async function createBatch(stack: Stack, apiUrl: string, token: string, jobs: number, audio: BenchAudio) {
  const langs = [...new Set(stack.simulators!.tts.voices.flatMap((v) => v.languageCodes))].sort((a, b) => (a === 'en-US' ? -1 : b === 'en-US' ? 1 : a.localeCompare(b)));
  const m = matrixFor(jobs, langs);
  const languages = langs.slice(0, m.languages).map((language) => ({ language, voice: stack.simulators!.tts.voices.find((v) => v.languageCodes.includes(language))!.name }));
  const titles = Array.from({ length: m.titles }, (_, i) => `Scale benchmark title ${i + 1}`);
  const body = { mode: 'matrix', titles, languages, variations: m.variations, masterLanguage: 'en-US', agent: { targetMinutes: 0.1, tone: 'plain' }, audio: audio === 'wav' ? { encoding: 'LINEAR16', loudness: 'off' } : { encoding: 'MP3' } };
  const t0 = performance.now();
  const res = await api<{ batch: { id: string; workflowId: string; counts: { total: number } } }>(apiUrl, 'POST', '/api/batches', token, body);
  const createMs = performance.now() - t0;
  if (res.status !== 201) throw new Error(`POST /api/batches answered ${res.status}: ${JSON.stringify(res.json)}`);
  return { ...res.json.batch, matrix: m, createMs, serverTiming: res.headers.get('server-timing') };
}

interface Outcome {
  status: string;
  counts: Record<string, number>;
}

const FINAL = ['completed', 'failed', 'cancelled', 'budget_exhausted'];

/** The batch workflow's current run's history length (the largest so far is kept by the caller). */
async function currentRunEvents(stack: Stack, workflowId: string): Promise<number | undefined> {
  const d = await stack.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  return d?.historyLength;
}

/**
 * Cancels the batch through the API and waits until it is closed: the request's time, the time until the
 * batch reads `cancelled`, and what is still running afterwards (workflows in Temporal, jobs not final).
 */
async function cancelAndCheck(stack: Stack, apiUrl: string, token: string, batch: { id: string; workflowId: string }, worker: ChildProcess) {
  const t0 = performance.now();
  const res = await api<unknown>(apiUrl, 'POST', `/api/batches/${batch.id}/cancel`, token, {});
  const requestMs = performance.now() - t0;
  if (res.status !== 202) throw new Error(`cancel answered ${res.status}: ${JSON.stringify(res.json)}`);
  let outcome: Outcome | undefined;
  const deadline = Date.now() + 10 * 60_000;
  while (!outcome) {
    const b = (await api<{ batch: Outcome }>(apiUrl, 'GET', `/api/batches/${batch.id}`, token)).json.batch;
    if (FINAL.includes(b.status)) outcome = b;
    else if (Date.now() > deadline) throw new Error(`the batch did not close within 10 minutes of the cancel: ${JSON.stringify(b)}`);
    else if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker exited (${worker.exitCode ?? worker.signalCode}) before the batch closed`);
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const closedMs = performance.now() - t0;
  let runningWorkflows = 0;
  for await (const w of stack.client.workflow.list({ query: `ExecutionStatus = "Running"` })) if (w.workflowId.includes(batch.id)) runningWorkflows++;
  return { requestMs, closedMs, outcome, runningWorkflows };
}

/** Runs the batch to its end with the probes on; returns what they saw. */
async function runBatch(stack: Stack, apiUrl: string, apiProcess: ChildProcess, worker: ChildProcess, args: z.infer<typeof Args>) {
  const token = (await api<{ token: string }>(apiUrl, 'POST', '/api/auth/login', undefined, ADMIN)).json.token;
  const memory = sampleMemory({ api: apiProcess.pid!, worker: worker.pid! });
  const t0 = Date.now();
  const batch = await createBatch(stack, apiUrl, token, args.jobs, args.audio);
  console.log(`batch ${batch.id}: ${batch.counts.total} jobs (${batch.matrix.titles} titles × ${batch.matrix.languages} languages × ${batch.matrix.variations}), accepted in ${batch.createMs.toFixed(0)} ms`);
  const client = await startClient(`${apiUrl}/api/batches/${batch.id}`, token);
  let outcome: Outcome | undefined;
  let lastLog = 0;
  let largestRunSoFar = 0;
  let atStop: Outcome | undefined;
  const stopAt = args.for === undefined ? Infinity : t0 + args.for * 60_000;
  while (!outcome && !atStop) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = (await api<{ batch: Outcome }>(apiUrl, 'GET', `/api/batches/${batch.id}`, token)).json.batch;
    if (FINAL.includes(b.status)) outcome = b;
    else if (Date.now() >= stopAt) atStop = b;
    else if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      largestRunSoFar = Math.max(largestRunSoFar, (await currentRunEvents(stack, batch.workflowId)) ?? 0);
      console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${JSON.stringify(b.counts)}; batch run history so far ≤ ${largestRunSoFar} events; load ${os.loadavg()[0]!.toFixed(1)}`);
    }
    // A process killed by a signal has no exit code, only a signal code.
    if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker exited (${worker.exitCode ?? worker.signalCode})`);
    if (apiProcess.exitCode !== null || apiProcess.signalCode !== null) throw new Error(`the API exited (${apiProcess.exitCode ?? apiProcess.signalCode})`);
  }
  const totalS = (Date.now() - t0) / 1000;
  // Bounded run: cancel with the probes still on (the cancel's load shows in them), then stop them.
  let cancel: Awaited<ReturnType<typeof cancelAndCheck>> | undefined;
  if (atStop) {
    console.log(`  ${totalS.toFixed(0)} s: --for ${args.for} min reached at ${JSON.stringify(atStop.counts)}; cancelling the batch`);
    cancel = await cancelAndCheck(stack, apiUrl, token, batch, worker);
    outcome = cancel.outcome;
    console.log(`  cancel: request ${cancel.requestMs.toFixed(0)} ms, batch closed after ${(cancel.closedMs / 1000).toFixed(1)} s; workflows of the batch still running: ${cancel.runningWorkflows}`);
  }
  const { statusMs, sse } = await client.stop();
  const mem = memory.stop();
  const rows = await stack.db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.count<number>('id').filterWhere('status', 'in', ['completed', 'failed', 'cancelled']).as('final')])
    .where('batch_id', '=', batch.id)
    .executeTakeFirstOrThrow();
  const lost = batch.counts.total - Number(rows.final);
  const history = await historyFigures(stack.client, batch.id, batch.workflowId);
  const partial = atStop ? { forMinutes: args.for!, countsAtStop: atStop.counts, cancel: { requestMs: cancel!.requestMs, closedMs: cancel!.closedMs, runningWorkflowsAfter: cancel!.runningWorkflows } } : undefined;
  return { batch: { id: batch.id, jobs: batch.counts.total, matrix: batch.matrix }, createMs: batch.createMs, serverTiming: batch.serverTiming, totalS, outcome: outcome!, partial, rows: Number(rows.rows), lost, status: summarise(statusMs), sse: { firstEventMs: sse.firstEventMs, events: sse.events, lag: summarise(sse.lagsMs) }, memory: mem, history };
}

async function scale(args: z.infer<typeof Args>): Promise<Awaited<ReturnType<typeof runBatch>>> {
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    BOLT_ADMIN_EMAIL: ADMIN.email,
    BOLT_ADMIN_PASSWORD: ADMIN.password,
    BOLT_MAX_JOBS_PER_BATCH: String(Math.max(20_000, args.jobs * 2)),
  };
  console.log(`starting a stack (simulators in this process, dev server ${args.persisted ? 'on a SQLite file' : 'in memory'}), an API process and a worker process; audio ${args.audio}`);
  const stackOptions = { api: false, worker: false, persistent: args.persisted, simulators: { tts: { speech: 'tone' as const } } };
  let result: Awaited<ReturnType<typeof runBatch>> | undefined;
  await withScratchStack({ prefix: 'bolt-bench-scale-', taskQueue: `bolt-scale-${process.pid}`, env, stack: stackOptions }, async (stack) => {
    // The API in a process of its own, as deployed: the probes and the simulators (the Google APIs' stand-ins)
    // stay in this one, so the status latency is the API's, not that of a process also serving the providers.
    const started: Array<Awaited<ReturnType<typeof startProcess>>> = [];
    try {
      const apiProcess = await startProcess(stack, 'api', { PORT: '0', BOLT_ADMIN_EMAIL: ADMIN.email, BOLT_ADMIN_PASSWORD: ADMIN.password, BOLT_MAX_JOBS_PER_BATCH: env.BOLT_MAX_JOBS_PER_BATCH });
      started.push(apiProcess);
      const worker = await startProcess(stack, 'worker');
      started.push(worker);
      result = await runBatch(stack, apiProcess.url!, apiProcess.child, worker.child, args);
    } catch (err) {
      for (const p of started) console.error(`${p.url ? 'API' : 'worker'} output (tail):\n${p.tail().slice(-4000)}`);
      throw err;
    } finally {
      await Promise.all(
        started.map(async (p) => {
          const exited = new Promise((resolve) => (p.child.exitCode === null && p.child.signalCode === null ? p.child.once('exit', resolve) : resolve(undefined)));
          p.child.kill('SIGTERM');
          await exited;
        }),
      );
    }
  });
  return result!;
}

const ms = (v: number | null) => (v === null ? '–' : v.toFixed(0));

/** Runs the scenario; exit code 1 when a job was lost or the batch did not complete. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { jobs: { type: 'string', default: '100000' }, for: { type: 'string' }, persisted: { type: 'boolean', default: false }, audio: { type: 'string', default: 'mp3' }, out: { type: 'string', default: 'bench-results' } } });
  const args = parseOptions(Args, values);
  const load = os.loadavg();
  const r = await scale(args);
  const mem = r.memory.summary;
  console.log('');
  if (r.partial) console.log(`PARTIAL RUN (--for ${r.partial.forMinutes} min, then cancelled; not a completion): at the stop ${JSON.stringify(r.partial.countsAtStop)}`);
  console.log(`create: ${r.createMs.toFixed(0)} ms (Server-Timing: ${r.serverTiming ?? '–'})`);
  if (r.partial) console.log(`cancel: request ${r.partial.cancel.requestMs.toFixed(0)} ms, batch closed after ${(r.partial.cancel.closedMs / 1000).toFixed(1)} s, workflows of the batch running afterwards: ${r.partial.cancel.runningWorkflowsAfter}`);
  console.log('| jobs | create ms | total s | completed | failed | lost | status p50/p95 ms | SSE lag p50/p95 ms | API RSS first→max MB | worker RSS first→max MB | largest history (events) |');
  console.log('|---:|---:|---:|---:|---:|---:|---|---|---|---|---|');
  console.log(
    `| ${r.batch.jobs} | ${r.createMs.toFixed(0)} | ${r.totalS.toFixed(0)} | ${r.outcome.counts.completed} | ${r.outcome.counts.failed} | ${r.lost} | ${ms(r.status.p50Ms)} / ${ms(r.status.p95Ms)} | ${ms(r.sse.lag.p50Ms)} / ${ms(r.sse.lag.p95Ms)} | ${mem.api?.firstMb.toFixed(0)} → ${mem.api?.maxMb.toFixed(0)} | ${mem.worker?.firstMb.toFixed(0)} → ${mem.worker?.maxMb.toFixed(0)} | ${r.history.largest?.events ?? '–'} (${r.history.largest?.workflowId ?? ''}) |`,
  );
  const afterWarmUp = Object.entries(mem).filter(([, m]) => m.warmMb !== undefined).map(([name, m]) => `${name} ${m.warmMb!.toFixed(0)} MB, +${m.growthAfterWarmUpMb!.toFixed(0)} MB`);
  if (afterWarmUp.length > 0) console.log(`RSS at ${WARM_UP_S} s and growth after it (a leak keeps growing; warm-up does not): ${afterWarmUp.join('; ')}`);
  console.log(`batch runs (continue-as-new): ${r.history.batchRuns.length}, events per run: ${r.history.batchRuns.map((b) => b.events).join(', ')}; job workflows listed: ${r.history.jobWorkflows}; load average at start ${load.map((l) => l.toFixed(1)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  writeReport(args.out, 'scale', { machine: machine(), options: args, loadAtStart: load, result: r });
  const expected = r.partial ? 'cancelled' : 'completed';
  if (r.lost !== 0 || r.outcome.status !== expected || (r.partial && r.partial.cancel.runningWorkflowsAfter > 0)) {
    console.error(`bench: ${r.lost} job(s) lost; batch ${r.outcome.status}${r.partial ? `; ${r.partial.cancel.runningWorkflowsAfter} workflow(s) still running after the cancel` : ''}`);
    process.exitCode = 1;
  }
}
