// The `quota` scenario: a matrix batch against simulators that enforce per-project and per-key RPM (sliding 60 s
// windows, as Google counts) with realistic latency divided by `--latency-scale`; the key pool is told the same
// limits. It reports the quota-bound ideal (quota-ideal.ts: from the quotas and the calls the batch needs, not
// from the run), the achieved time, their ratio, and 429s per 1,000 calls. `headline` runs it at 100 × 20.
// Options: --titles 40 --languages 10 --gemini-projects 3 --gemini-rpm 60 --tts-keys 2 --tts-rpm 300
//          --latency-scale 10 --window 200 --gemini-slots 64 --tts-slots 32 --out bench-results
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { getBatch } from '../../db/batches';
import { addKey, listKeys, setKeyStatus, setProjectLimits } from '../../db/keys';
import { loadConfig, type Config } from '../../domain/config';
import type { LatencyDistribution } from '../../simulators/http';
import { startStack, type Stack, type StackOptions } from '../../stack/stack';
import { DEFAULT_CONCURRENCY } from '../../workers/worker';
import { BENCH_LANGUAGES, startBenchBatch } from './batch';
import { quotaBoundIdeal, type ServiceQuota } from './quota-ideal';
import { machine, parseOptions, writeReport } from './report';

const count = (max: number) => z.coerce.number().int().min(1).max(max);
const Args = z.object({
  titles: count(10_000),
  languages: count(BENCH_LANGUAGES.length),
  'gemini-projects': count(50),
  'gemini-rpm': count(100_000),
  'tts-keys': count(50),
  'tts-rpm': count(100_000),
  'latency-scale': z.coerce.number().min(1).max(1000),
  window: count(1000),
  'gemini-slots': count(500),
  'tts-slots': count(500),
  out: z.string().min(1),
});
type QuotaArgs = z.infer<typeof Args>;

/**
 * Latency of real calls, before scaling: a Gemini script of a short narration (a few hundred tokens out) and one
 * TTS synthesize request of a few sentences. Log-normal, as `sampleLatency` draws them.
 */
export const REAL_LATENCY = { gemini: { medianMs: 6000, sigma: 0.4 }, tts: { medianMs: 1500, sigma: 0.3 } } as const;

const scaled = (d: LatencyDistribution, by: number): LatencyDistribution => ({ medianMs: d.medianMs / by, sigma: d.sigma, maxMs: (d.medianMs * 4) / by });

/** The key set-up: one Gemini key per project (per-project RPM), and per-key TTS RPM, as the simulators count. */
function keySetup(a: QuotaArgs) {
  const gemini = Array.from({ length: a['gemini-projects'] }, (_, i) => ({ key: `bench-gemini-key-${i + 1}`, project: `bench-project-${i + 1}` }));
  const tts = Array.from({ length: a['tts-keys'] }, (_, i) => ({ key: `bench-tts-key-${i + 1}` }));
  const simulators: StackOptions['simulators'] = {
    gemini: { latency: scaled(REAL_LATENCY.gemini, a['latency-scale']), quota: { perProjectPerMinute: a['gemini-rpm'] }, projects: Object.fromEntries(gemini.map((g) => [g.key, g.project])) },
    tts: { speech: 'tone', latency: scaled(REAL_LATENCY.tts, a['latency-scale']), quota: { perKeyPerMinute: a['tts-rpm'] } },
  };
  const quotas: { gemini: ServiceQuota; tts: ServiceQuota } = {
    gemini: { keys: gemini.map((g) => ({ project: g.project, rpm: a['gemini-rpm'] })), projectRpm: Object.fromEntries(gemini.map((g) => [g.project, a['gemini-rpm']])) },
    tts: { keys: tts.map(() => ({ project: null, rpm: a['tts-rpm'] })) },
  };
  return { gemini, tts, simulators, quotas };
}

/** Puts the bench keys in the pool with their limits, and disables the built-in (unlimited) simulator keys. */
async function seedPool(stack: Stack, a: QuotaArgs): Promise<void> {
  const setup = keySetup(a);
  const master = stack.masterKeys[0]!;
  for (const k of await listKeys(stack.db, { status: 'active' })) await setKeyStatus(stack.db, k.id, { status: 'disabled', reason: 'quota benchmark: bench keys only' });
  for (const g of setup.gemini) {
    await addKey(stack.db, master, { service: 'gemini', key: g.key, accountEmail: 'bench@localhost', project: g.project, target: 'simulator', label: 'bench' });
    await setProjectLimits(stack.db, 'gemini', g.project, { rpm: a['gemini-rpm'] });
  }
  for (const t of setup.tts) await addKey(stack.db, master, { service: 'tts', key: t.key, accountEmail: 'bench@localhost', rpm: a['tts-rpm'], target: 'simulator', label: 'bench' });
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Runs the batch and counts the simulators' calls; the pool was seeded before this stack's workers started. */
async function runBatch(stack: Stack, a: QuotaArgs) {
  const sims = stack.simulators!;
  const t0 = Date.now();
  const { batch, handle, jobs } = await startBenchBatch(stack, { titles: a.titles, languages: a.languages, window: a.window, label: `Quota benchmark title ${t0.toString(36)}` });
  const timer = setInterval(() => {
    void getBatch(stack.db, batch.id).then((b) => b && console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${b.completed}/${b.total_jobs} done, ${b.running} running; load ${load()}`));
  }, 15_000);
  const outcome = await handle.result().finally(() => clearInterval(timer));
  const seconds = (Date.now() - t0) / 1000;
  const g = sims.gemini.counters.snapshot();
  const t = sims.tts.counters.snapshot();
  const ok = (s: typeof g, total: number) => total - Object.values(s.errors).reduce((n, e) => n + e, 0);
  const ttsCalls = t.byEndpoint.synthesize ?? 0;
  const calls = { gemini: g.total, tts: ttsCalls, geminiOk: ok(g, g.total), ttsOk: ok(t, ttsCalls) };
  const quota429 = (g.errors['429'] ?? 0) + (t.errors['429'] ?? 0);
  // Requests per minute of the run, per service: a quota-bound run spends each minute's quota (180 Gemini by
  // default); fewer means something else (CPU, slots, orchestration) held it back in that minute.
  const perMinute = (labels: string[], counters: typeof sims.gemini.counters) => {
    const minutes: number[] = [];
    for (const at of labels.flatMap((l) => counters.callTimes(`…${l.slice(-4)}`))) {
      const m = Math.max(0, Math.floor((at - t0) / 60_000));
      minutes[m] = (minutes[m] ?? 0) + 1;
    }
    return Array.from(minutes, (n) => n ?? 0);
  };
  const setup = keySetup(a);
  const requestsPerMinute = { gemini: perMinute(setup.gemini.map((k) => k.key), sims.gemini.counters), tts: perMinute(setup.tts.map((k) => k.key), sims.tts.counters) };
  // When each minute's allowance began to be spent: the seconds (from the batch's creation) of the first call,
  // of the first call past each full window (call 1 + k × quota), and of the last call.
  const perWindow = a['gemini-projects'] * a['gemini-rpm'];
  const times = (labels: string[], counters: typeof sims.gemini.counters) =>
    labels
      .flatMap((l) => counters.callTimes(`…${l.slice(-4)}`))
      .map((at) => Math.round((at - t0) / 100) / 10)
      .sort((x, y) => x - y);
  const geminiTimes = times(setup.gemini.map((k) => k.key), sims.gemini.counters);
  const ttsTimes = times(setup.tts.map((k) => k.key), sims.tts.counters);
  const timeline = {
    geminiWindowStarts: geminiTimes.filter((_, i) => i % perWindow === 0),
    geminiLast: geminiTimes.at(-1) ?? 0,
    ttsFirst: ttsTimes[0] ?? 0,
    ttsLast: ttsTimes.at(-1) ?? 0,
    /** Every Gemini call's second, for a closer look (written to the JSON only). */
    geminiCalls: geminiTimes,
  };
  return { jobs, outcome, seconds, calls, quota429, per1000: (quota429 / Math.max(1, calls.gemini + calls.tts)) * 1000, requestsPerMinute, timeline };
}

function configFor(dataDir: string, a: QuotaArgs): Config {
  return loadConfig({ BOLT_DATA_DIR: dataDir, PORT: '0', DATABASE_URL: process.env.DATABASE_URL, TEMPORAL_TASK_QUEUE: `bolt-quota-${process.pid}-${a.titles}` });
}

/** Runs the scenario as `name` (quota or headline) with its default batch size. */
export async function runQuota(name: string, argv: string[], defaults: { titles: number; languages: number }): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries({ ...defaults, 'gemini-projects': 3, 'gemini-rpm': 60, 'tts-keys': 2, 'tts-rpm': 300, 'latency-scale': 10, window: 200, 'gemini-slots': DEFAULT_CONCURRENCY.gemini, 'tts-slots': DEFAULT_CONCURRENCY.tts, out: 'bench-results' }).map(([k, v]) => [
        k,
        { type: 'string' as const, default: String(v) },
      ]),
    ),
  });
  const a = parseOptions(Args, values);
  const setup = keySetup(a);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-quota-'));
  fs.chmodSync(dataDir, 0o755);
  const stackOptions: Omit<StackOptions, 'config'> = { api: false, log: () => undefined, simulators: setup.simulators, concurrency: { gemini: a['gemini-slots'], tts: a['tts-slots'] } };
  try {
    // The pool is seeded on a first start without workers, so the workers of the second start see it from the first.
    const seeding = await startStack({ config: configFor(dataDir, a), ...stackOptions, worker: false });
    await seedPool(seeding, a).finally(() => seeding.stop());
    const stack = await startStack({ config: configFor(dataDir, a), ...stackOptions });
    try {
      const loadBefore = load();
      console.log(`[${name}] ${a.titles} titles × ${a.languages} languages; Gemini ${a['gemini-projects']} projects × ${a['gemini-rpm']} RPM, TTS ${a['tts-keys']} keys × ${a['tts-rpm']} RPM; latency ÷${a['latency-scale']}; load ${loadBefore}`);
      const r = await runBatch(stack, a);
      const ideal = quotaBoundIdeal({
        titles: a.titles,
        languages: a.languages,
        ttsRequestsPerJob: Math.max(1, Math.round(r.calls.ttsOk / r.jobs)),
        ...setup.quotas,
        geminiLatencyMs: REAL_LATENCY.gemini.medianMs / a['latency-scale'],
        ttsLatencyMs: REAL_LATENCY.tts.medianMs / a['latency-scale'],
      });
      report(name, a, { ...r, ideal, load: { before: loadBefore, after: load() } });
    } finally {
      await stack.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(name: string, a: QuotaArgs, r: Awaited<ReturnType<typeof runBatch>> & { ideal: ReturnType<typeof quotaBoundIdeal>; load: { before: string; after: string } }): void {
  const ratio = r.ideal.seconds / r.seconds;
  console.log('');
  console.log('| jobs | Gemini calls (needed/made) | TTS calls (needed/made) | ideal s (60 s window) | even-spread s | achieved s | ratio | 429s / 1,000 calls | load (1/5/15 min) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(
    `| ${r.jobs} | ${r.ideal.geminiCalls}/${r.calls.gemini} | ${r.ideal.ttsCalls}/${r.calls.tts} | ${r.ideal.seconds.toFixed(1)} | ${r.ideal.evenSpreadSeconds.toFixed(1)} | ${r.seconds.toFixed(1)} | ${ratio.toFixed(2)} | ${r.per1000.toFixed(1)} | ${r.load.after} |`,
  );
  console.log(`\nrequests per minute of the run (Gemini): ${r.requestsPerMinute.gemini.join(', ')}; (TTS): ${r.requestsPerMinute.tts.join(', ')}`);
  const tl = r.timeline;
  console.log(`Gemini call 1 + k × ${r.ideal.geminiPerWindow} at s: ${tl.geminiWindowStarts.join(', ')}; last Gemini call at ${tl.geminiLast} s; TTS calls from ${tl.ttsFirst} to ${tl.ttsLast} s`);
  writeReport(a.out, name, { machine: machine(), options: a, latency: REAL_LATENCY, ...r, ratio });
  if (r.outcome.completed !== r.jobs) {
    console.error(`bench: ${r.jobs - r.outcome.completed} of ${r.jobs} jobs did not complete`);
    process.exitCode = 1;
  }
}

export const run = (argv: string[]) => runQuota('quota', argv, { titles: 40, languages: 10 });
