// The `counters` micro-benchmark: N concurrent job lifecycles on ONE batch, straight against PostgreSQL
// (no Temporal): each job moves queued → running (counting its attempt), records a TTS spend, and moves to
// completed, through the same db/ functions the activities call. It reports transitions per second and the
// sessions seen waiting on a lock (pg_stat_activity, sampled every 20 ms), and checks the counters add up.
// Options: --jobs 2000 --concurrency 16 --out bench-results
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { getBatch } from '../../db/batches';
import { recordTtsSpend, transitionJob } from '../../db/jobs';
import { migrateToLatest } from '../../db/migrator';
import type { Database } from '../../db/schema';
import { createMatrixBatch } from './batch';
import { machine, parseOptions, writeReport } from './report';
import { withScratchDb } from './scratch-stack';

const Args = z.object({
  jobs: z.coerce.number().int().min(10).max(200_000),
  concurrency: z.coerce.number().int().min(1).max(150),
  out: z.string().min(1),
});

/** Sessions waiting on a lock, sampled until stopped: the mean and the most seen at once. */
function sampleLockWaits(db: Kysely<Database>, everyMs = 20): { stop(): Promise<{ samples: number; meanWaiting: number; maxWaiting: number }> } {
  const seen: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(db);
      seen.push(r.rows[0]?.n ?? 0);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const mean = seen.reduce((a, b) => a + b, 0) / Math.max(1, seen.length);
      return { samples: seen.length, meanWaiting: mean, maxWaiting: Math.max(0, ...seen) };
    },
  };
}

async function lifecycles(db: Kysely<Database>, batchId: string, concurrency: number): Promise<number> {
  const jobs = await db.selectFrom('jobs').select('id').where('batch_id', '=', batchId).orderBy('seq').execute();
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const jobId = jobs[i]!.id;
      await transitionJob(db, jobId, 'running', { started_at: new Date() }, { countAttempt: true });
      await recordTtsSpend(db, { jobId, batchId, characters: 100, usd: 0.001 });
      await transitionJob(db, jobId, 'completed', { finished_at: new Date() });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return jobs.length * 3;
}

async function measure(args: z.infer<typeof Args>) {
  return withScratchDb('bolt-bench-counters-', args.concurrency + 2, async (db) => {
    await migrateToLatest(db as Kysely<unknown>);
    const titles = Array.from({ length: Math.ceil(args.jobs / 10) }, (_, i) => `Counter title ${i + 1}`);
    const languages = Array.from({ length: 10 }, (_, i) => ({ language: i === 0 ? 'en-US' : `xx-${i}`, voice: `v${i}` }));
    const { batch } = await createMatrixBatch(db, { userId: 'bench', agentName: 'bench', titles, languages });
    const load = os.loadavg()[0]!;
    const locks = sampleLockWaits(db);
    const t0 = Date.now();
    const transitions = await lifecycles(db, batch.id, args.concurrency);
    const seconds = (Date.now() - t0) / 1000;
    const waits = await locks.stop();
    const after = (await getBatch(db, batch.id))!;
    const jobs = after.total_jobs;
    const correct = after.completed === jobs && after.queued === 0 && after.running === 0 && Math.abs(after.spent_usd - jobs * 0.001) < 1e-6;
    return { jobs, concurrency: args.concurrency, transitions, seconds, perSecond: transitions / seconds, lockWaits: waits, load1: load, correct, counters: { completed: after.completed, queued: after.queued, running: after.running, spentUsd: after.spent_usd } };
  });
}

/** Runs the micro-benchmark; exit code 1 when the counters do not add up. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { jobs: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' }, out: { type: 'string', default: 'bench-results' } },
  });
  const args = parseOptions(Args, values);
  const r = await measure(args);
  console.log('');
  console.log('| jobs | concurrency | transitions | s | per s | lock waiters mean | max | load (1 min) | counters right |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(`| ${r.jobs} | ${r.concurrency} | ${r.transitions} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(0)} | ${r.lockWaits.meanWaiting.toFixed(2)} | ${r.lockWaits.maxWaiting} | ${r.load1.toFixed(2)} | ${r.correct ? 'yes' : 'NO'} |`);
  writeReport(args.out, 'counters', { machine: machine(), options: args, result: r });
  if (!r.correct) {
    console.error(`bench: the counters do not add up: ${JSON.stringify(r.counters)}`);
    process.exitCode = 1;
  }
}
