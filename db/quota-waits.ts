// Jobs waiting for quota: a job's provider call marks itself while no key can serve, and a batch shows how many wait.
import type { Kysely } from 'kysely';
import type { Database, KeyService } from './schema';

/** Records that a job's call is waiting for a key (idempotent; updates the expected end). */
export async function markWaiting(db: Kysely<Database>, w: { jobId: string; batchId: string; service: KeyService; until: Date | null }): Promise<void> {
  await db
    .insertInto('quota_waits')
    .values({ job_id: w.jobId, batch_id: w.batchId, service: w.service, until: w.until })
    .onConflict((oc) => oc.columns(['job_id', 'service']).doUpdateSet({ until: w.until }))
    .execute();
}

export async function clearWaiting(db: Kysely<Database>, jobId: string, service: KeyService): Promise<void> {
  await db.deleteFrom('quota_waits').where('job_id', '=', jobId).where('service', '=', service).execute();
}

/** Whether a batch has jobs waiting for quota, how many, and when the first key is expected back. */
export async function batchQuotaWait(db: Kysely<Database>, batchId: string): Promise<{ waiting: number; since: Date | null; until: Date | null }> {
  const r = await db
    .selectFrom('quota_waits')
    .select((eb) => [eb.fn.countAll<number>().as('waiting'), eb.fn.min('since').as('since'), eb.fn.min('until').as('until')])
    .where('batch_id', '=', batchId)
    .executeTakeFirstOrThrow();
  return { waiting: Number(r.waiting), since: (r.since as Date | null) ?? null, until: (r.until as Date | null) ?? null };
}
