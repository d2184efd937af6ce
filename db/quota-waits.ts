// Jobs waiting for quota: a job's provider call marks itself while no key can serve, and a batch shows how many wait.
import type { Expression, Kysely } from 'kysely';
import type { WaitReason } from '../domain/wait-reason';
import type { Database, KeyService } from './schema';

/** Records that a job's call is waiting for a key (idempotent; updates the expected end). */
export async function markWaiting(db: Kysely<Database>, w: { jobId: string; batchId: string; service: KeyService; until: Date | null; reason?: WaitReason }): Promise<void> {
  const reason = w.reason ?? 'quota';
  await db
    .insertInto('quota_waits')
    .values({ job_id: w.jobId, batch_id: w.batchId, service: w.service, until: w.until, reason })
    .onConflict((oc) => oc.columns(['job_id', 'service']).doUpdateSet({ until: w.until, reason }))
    .execute();
}

export async function clearWaiting(db: Kysely<Database>, jobId: string, service: KeyService): Promise<void> {
  await db.deleteFrom('quota_waits').where('job_id', '=', jobId).where('service', '=', service).execute();
}

/**
 * Whether a batch has jobs waiting for a key, how many, when the first key is expected back, and why they wait
 * (the reason most of them wait for; null when none waits).
 */
export async function batchQuotaWait(db: Kysely<Database>, batchId: string): Promise<QuotaWait> {
  return summariseWaits(await waitsByReason(db, batchId).execute());
}

/** Whether a batch has jobs waiting for a key: how many, since and until when, and the reason most wait for. */
export interface QuotaWait {
  waiting: number;
  since: Date | null;
  until: Date | null;
  reason: WaitReason | null;
}

/** A batch's waiting calls grouped by reason (`batchId` a value, or a reference to the outer query's batch id). */
export function waitsByReason(db: Kysely<Database>, batchId: string | Expression<string>) {
  return db
    .selectFrom('quota_waits')
    .select((eb) => ['reason', eb.fn.countAll<number>().as('waiting'), eb.fn.min('since').as('since'), eb.fn.min('until').as('until')])
    .where('batch_id', '=', batchId)
    .groupBy('reason');
}

/** The waits' rows by reason summed up (their dates as Date, or as the ISO text a JSON aggregate gives). */
export function summariseWaits(rows: ReadonlyArray<{ reason: WaitReason; waiting: number | string; since: Date | string | null; until: Date | string | null }>): QuotaWait {
  const date = (d: Date | string | null) => (d === null ? null : new Date(d));
  const earliest = (dates: Array<Date | null>) => dates.filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const most = [...rows].sort((a, b) => Number(b.waiting) - Number(a.waiting))[0];
  return {
    waiting: rows.reduce((n, r) => n + Number(r.waiting), 0),
    since: earliest(rows.map((r) => date(r.since))),
    until: earliest(rows.map((r) => date(r.until))),
    reason: most?.reason ?? null,
  };
}
