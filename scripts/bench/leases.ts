// The `leases` scenario: how many key leases (each with its outcome report, as a provider call makes them) the
// pool grants per second when many activities of several workers lease keys of one service at once. No provider
// calls, no quotas: it measures the locking of db/key-leases.ts alone, on an embedded PostgreSQL of its own.
// Options: --keys 5 --workers 2 --concurrency 20 --seconds 15 --out bench-results
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createDb } from '../../db/connection';
import { leaseKey } from '../../db/key-leases';
import { reportOutcome } from '../../db/key-reports';
import { addKey } from '../../db/keys';
import { migrateToLatest } from '../../db/migrator';
import { startPostgres } from '../../stack/postgres';
import { machine, parseOptions, writeReport } from './report';

const Args = z.object({
  keys: z.coerce.number().int().min(1).max(1000),
  workers: z.coerce.number().int().min(1).max(20),
  concurrency: z.coerce.number().int().min(1).max(500),
  seconds: z.coerce.number().min(1).max(600),
  out: z.string().min(1),
});

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { keys: { type: 'string', default: '5' }, workers: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '20' }, seconds: { type: 'string', default: '15' }, out: { type: 'string', default: 'bench-results' } },
  });
  const a = parseOptions(Args, values);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-leases-'));
  fs.chmodSync(dataDir, 0o755);
  const pg = await startPostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(dataDir, 'postgres'), log: () => undefined });
  // One pool per simulated worker process, each with a connection per concurrent activity.
  const pools: Array<{ destroy(): Promise<void> }> = [];
  try {
    const db = createDb(pg.url, 5);
    pools.push(db);
    await migrateToLatest(db as Kysely<unknown>);
    await db.deleteFrom('api_keys').where('service', '=', 'gemini').execute();
    const master = randomBytes(32);
    for (let k = 0; k < a.keys; k++) await addKey(db, master, { service: 'gemini', key: `lease-bench-${k}-${randomBytes(6).toString('hex')}`, accountEmail: 'bench@localhost', project: `lease-bench-${k % 3}`, target: 'simulator' });
    const workers = Array.from({ length: a.workers }, () => createDb(pg.url, a.concurrency + 2));
    pools.push(...workers);
    const latencies: number[] = [];
    let refused = 0;
    const until = Date.now() + a.seconds * 1000;
    const t0 = Date.now();
    const loop = async (w: (typeof workers)[number]) => {
      while (Date.now() < until) {
        const started = performance.now();
        const lease = await leaseKey(w, 'gemini');
        if (!('keyId' in lease)) {
          refused++;
          continue;
        }
        await reportOutcome(w, lease, { kind: 'success' });
        latencies.push(performance.now() - started);
      }
    };
    await Promise.all(workers.flatMap((w) => Array.from({ length: a.concurrency }, () => loop(w))));
    const seconds = (Date.now() - t0) / 1000;
    latencies.sort((x, y) => x - y);
    const r = { leases: latencies.length, refused, seconds, perSecond: latencies.length / seconds, p50Ms: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), load: os.loadavg() };
    console.log('| keys | workers × concurrency | leases + reports | per s | p50 ms | p95 ms | refused | load (1/5/15 min) |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---|');
    console.log(`| ${a.keys} | ${a.workers} × ${a.concurrency} | ${r.leases} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${refused} | ${r.load.map((l) => l.toFixed(2)).join(' ')} |`);
    writeReport(a.out, 'leases', { machine: machine(), options: a, ...r });
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
