// The `status` micro-benchmark: what `GET /api/batches/:id` costs on one big batch, straight against PostgreSQL
// (no Temporal). It writes one batch of N jobs (timing the creation), spreads them over states as a batch half
// way through would have them, then times the route's reads (the caller's batch, per-language counts, script
// check counts, quota waits, the view) over --calls calls, idle and again while --lanes lanes move jobs
// queued → running → completed through transitionJob. The reads are timed both ways, alternately: "before"
// (a GROUP BY over the batch's jobs per language, and script check counts over every job) and "after"
// (language counter shards, and only the checks that changed a script); both must give the same answers.
// `--baseline` migrates only up to the schema before either (no triggers or new indexes on jobs) and times
// "before" alone: the before of creation and transitions.
// Options: --jobs 100000 --calls 200 --lanes 8 --baseline --out bench-results
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Migrator, sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { callerBatch } from '../../api/batch-access';
import { batchDetailView } from '../../api/batch-views';
import { languageCounts } from '../../db/batch-queries';
import { transitionJob } from '../../db/jobs';
import { migrations, migrateToLatest } from '../../db/migrator';
import { batchQuotaWait } from '../../db/quota-waits';
import type { Database, JobStatus } from '../../db/schema';
import { batchCheckCounts } from '../../db/script-checks';
import { BENCH_LANGUAGES, createMatrixBatch } from './batch';
import { machine, parseOptions, writeReport } from './report';
import { withScratchDb } from './scratch-stack';

const Args = z.object({
  jobs: z.coerce.number().int().min(100).max(200_000),
  calls: z.coerce.number().int().min(10).max(10_000),
  lanes: z.coerce.number().int().min(1).max(64),
  baseline: z.boolean(),
  out: z.string().min(1),
});

type Counts = Array<{ language: string; status: JobStatus | string; n: number }>;
type Reader = (db: Kysely<Database>, batchId: string) => Promise<Counts>;

/** The per-language read the route made before the language counters: a GROUP BY over all the batch's jobs. */
const groupBy: Reader = async (db, batchId) => {
  const rows = await db
    .selectFrom('jobs')
    .select(['language', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('batch_id', '=', batchId)
    .groupBy(['language', 'status'])
    .execute();
  return rows.map((r) => ({ language: r.language, status: r.status, n: Number(r.n) }));
};

type Checks = (db: Kysely<Database>, batchId: string) => Promise<{ cleaned: number; regenerated: number; failed: number }>;

/** The script check counts as the route read them before: every job of the batch joined to its checks. */
const checksOverJobs: Checks = async (db, batchId) => {
  const r = await sql<{ cleaned: string; regenerated: string; failed: string }>`
    with per_job as (
      select j.id, j.error_stage, bool_or(c.outcome = 'regenerated') as regenerated, bool_or(c.outcome = 'cleaned') as cleaned
      from jobs j
      join batches b on b.id = j.batch_id
      left join script_checks c on c.batch_id = j.batch_id and c.title_index = j.title_index and c.variation = j.variation
        and (c.language = j.language or (c.kind = 'master' and c.language = b.master_language))
      where j.batch_id = ${batchId}
      group by j.id, j.error_stage
    )
    select
      count(*) filter (where cleaned and not coalesce(regenerated, false) and error_stage is distinct from 'qa') as cleaned,
      count(*) filter (where regenerated and error_stage is distinct from 'qa') as regenerated,
      count(*) filter (where error_stage = 'qa') as failed
    from per_job`.execute(db);
  const row = r.rows[0]!;
  return { cleaned: Number(row.cleaned), regenerated: Number(row.regenerated), failed: Number(row.failed) };
};

/** Before: GROUP BY over the jobs and checks over every job; after: language counter shards and the changed checks alone. */
const WAYS: Record<string, { languages: Reader; checks: Checks }> = {
  before: { languages: groupBy, checks: checksOverJobs },
  after: { languages: languageCounts, checks: batchCheckCounts },
};

const USER: Parameters<typeof callerBatch>[2] = { id: 'bench', email: 'bench@example.test', role: 'member', tokenId: 'bench' };

/** The route's reads with one way of counting per language; returns the milliseconds of each part. */
async function statusOnce(db: Kysely<Database>, batchId: string, way: { languages: Reader; checks: Checks }) {
  const t0 = performance.now();
  const batch = await callerBatch(db, batchId, USER);
  const t1 = performance.now();
  const counts = await way.languages(db, batchId);
  const t2 = performance.now();
  const scriptCheck = await way.checks(db, batchId);
  const t3 = performance.now();
  const quotaWait = await batchQuotaWait(db, batchId);
  batchDetailView(batch, { languageCounts: counts, scriptCheck, quotaWait });
  const t4 = performance.now();
  return { total: t4 - t0, batch: t1 - t0, languages: t2 - t1, checks: t3 - t2, rest: t4 - t3 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/** `calls` rounds; each round calls every reader once, in alternating order. */
async function timeReads(db: Kysely<Database>, batchId: string, readers: string[], calls: number) {
  const times = new Map(readers.map((r) => [r, [] as Array<Awaited<ReturnType<typeof statusOnce>>>]));
  for (let i = 0; i < calls; i++) {
    const order = i % 2 ? [...readers].reverse() : readers;
    for (const r of order) times.get(r)!.push(await statusOnce(db, batchId, WAYS[r]!));
  }
  return Object.fromEntries(
    [...times].map(([r, ts]) => [
      r,
      {
        p50: pct(ts.map((t) => t.total), 50),
        p95: pct(ts.map((t) => t.total), 95),
        max: Math.max(...ts.map((t) => t.total)),
        partsP50: { batch: pct(ts.map((t) => t.batch), 50), languages: pct(ts.map((t) => t.languages), 50), checks: pct(ts.map((t) => t.checks), 50), rest: pct(ts.map((t) => t.rest), 50) },
      },
    ]),
  );
}

/** Lanes moving queued jobs through running to completed until stopped; how many transitions per second. */
function moveJobs(db: Kysely<Database>, ids: string[], lanes: number): { stop(): Promise<{ transitions: number; perSecond: number }> } {
  let next = 0;
  let stopped = false;
  let transitions = 0;
  const t0 = Date.now();
  const lane = async () => {
    while (!stopped && next < ids.length) {
      const id = ids[next++]!;
      await transitionJob(db, id, 'running', { started_at: new Date() }, { countAttempt: true });
      await transitionJob(db, id, 'completed', { finished_at: new Date() });
      transitions += 2;
    }
  };
  const all = Promise.all(Array.from({ length: lanes }, lane));
  return {
    async stop() {
      stopped = true;
      await all;
      return { transitions, perSecond: transitions / ((Date.now() - t0) / 1000) };
    },
  };
}

/** Spreads the batch's jobs as half way through: 45% completed, 4% failed, 1% cancelled, 2% running, the rest queued. */
async function spreadStates(db: Kysely<Database>, batchId: string): Promise<void> {
  await sql`
    update jobs set status = case
      when seq % 100 < 45 then 'completed' when seq % 100 < 49 then 'failed' when seq % 100 < 50 then 'cancelled'
      when seq % 100 < 52 then 'running' else 'queued' end
    where batch_id = ${batchId}`.execute(db);
  await sql`
    update batches b set queued = c.queued, running = c.running, completed = c.completed, failed = c.failed, cancelled = c.cancelled
    from (select count(*) filter (where status = 'queued')::int as queued, count(*) filter (where status = 'running')::int as running,
            count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'cancelled')::int as cancelled
          from jobs where batch_id = ${batchId}) c
    where b.id = ${batchId}`.execute(db);
  // Script checks as the quality check leaves them: 5% of scripts cleaned, 2% regenerated, 1 in 4 failed jobs at qa.
  await sql`
    insert into script_checks (batch_id, title_index, variation, language, kind, outcome, attempts)
    select j.batch_id, j.title_index, j.variation, j.language, case when j.language = b.master_language then 'master' else 'adaptation' end,
      case when j.seq % 100 in (3, 17, 29, 61, 88) then 'cleaned' when j.seq % 100 in (11, 73) then 'regenerated' else 'passed' end, '[]'::jsonb
    from jobs j join batches b on b.id = j.batch_id where j.batch_id = ${batchId}`.execute(db);
  await sql`update jobs set error_stage = 'qa' where batch_id = ${batchId} and status = 'failed' and seq % 4 = 0`.execute(db);
  await sql`analyze`.execute(db);
}

const sorted = (c: Counts) => [...c].sort((a, b) => `${a.language}/${a.status}`.localeCompare(`${b.language}/${b.status}`));

async function measure(args: z.infer<typeof Args>) {
  return withScratchDb('bolt-bench-status-', args.lanes + 4, async (db) => {
    if (args.baseline) {
      const { error } = await new Migrator({ db: db as Kysely<unknown>, provider: { getMigrations: async () => migrations } }).migrateTo('2026_12_02_0800_counter_shards');
      if (error) throw error;
    } else {
      await migrateToLatest(db as Kysely<unknown>);
    }
    const readers = args.baseline ? ['before'] : ['before', 'after'];
    const languages = BENCH_LANGUAGES.slice(0, 10).map((language, i) => ({ language, voice: `v${i}` }));
    const titles = Array.from({ length: Math.ceil(args.jobs / languages.length) }, (_, i) => `Status title ${i + 1}`);
    const c0 = performance.now();
    const { batch, jobs } = await createMatrixBatch(db, { userId: 'bench', agentName: 'bench', titles, languages });
    const createSeconds = (performance.now() - c0) / 1000;
    const s0 = performance.now();
    await spreadStates(db, batch.id);
    const spreadSeconds = (performance.now() - s0) / 1000;

    const loadIdle = os.loadavg()[0]!;
    const idle = await timeReads(db, batch.id, readers, args.calls);
    const queued = (await db.selectFrom('jobs').select('id').where('batch_id', '=', batch.id).where('status', '=', 'queued').orderBy('seq').execute()).map((r) => r.id);
    const mover = moveJobs(db, queued, args.lanes);
    const loadBusy = os.loadavg()[0]!;
    const busy = await timeReads(db, batch.id, readers, args.calls);
    const moved = await mover.stop();
    let same: boolean | null = null;
    if (!args.baseline) {
      const [a, b] = [await groupBy(db, batch.id), await languageCounts(db, batch.id)];
      const [c, d] = [await checksOverJobs(db, batch.id), await batchCheckCounts(db, batch.id)];
      same = JSON.stringify(sorted(a)) === JSON.stringify(sorted(b)) && JSON.stringify(c) === JSON.stringify(d);
      if (!same) console.error(`group by: ${JSON.stringify(sorted(a))}\ncounters: ${JSON.stringify(sorted(b))}\nchecks before: ${JSON.stringify(c)}, after: ${JSON.stringify(d)}`);
    }
    const counterRows = args.baseline ? null : Number((await sql<{ n: number }>`select count(*)::int as n from batch_language_counts where batch_id = ${batch.id}`.execute(db)).rows[0]!.n);
    return { jobs, baseline: args.baseline, createSeconds, spreadSeconds, idle, busy, moved, loadIdle, loadBusy, same, counterRows };
  });
}

/** Runs the micro-benchmark; exit code 1 when the counters and the GROUP BY disagree. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string', default: '100000' },
      calls: { type: 'string', default: '200' },
      lanes: { type: 'string', default: '8' },
      baseline: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const args = parseOptions(Args, values);
  const r = await measure(args);
  const ms = (n: number) => n.toFixed(1);
  console.log('');
  console.log(`${r.jobs} jobs; create ${r.createSeconds.toFixed(2)} s, spread states ${r.spreadSeconds.toFixed(2)} s${r.counterRows === null ? '' : `; ${r.counterRows} language counter rows`}`);
  console.log(`transitions while timing: ${r.moved.transitions} (${r.moved.perSecond.toFixed(0)}/s over ${args.lanes} lanes)`);
  console.log('');
  console.log('| reads | jobs moving | status p50 | p95 | max | p50 parts: batch / languages / checks / rest | load (1 min) |');
  console.log('|---|---|---:|---:|---:|---|---:|');
  for (const [phase, t, load] of [['no', r.idle, r.loadIdle], ['yes', r.busy, r.loadBusy]] as const) {
    for (const [reader, f] of Object.entries(t)) {
      const p = f.partsP50;
      console.log(`| ${reader} | ${phase} | ${ms(f.p50)} ms | ${ms(f.p95)} ms | ${ms(f.max)} ms | ${ms(p.batch)} / ${ms(p.languages)} / ${ms(p.checks)} / ${ms(p.rest)} | ${load.toFixed(2)} |`);
    }
  }
  writeReport(args.out, 'status', { machine: machine(), options: args, result: r });
  if (r.same === false) {
    console.error('bench: the new reads and the old ones disagree');
    process.exitCode = 1;
  }
}
