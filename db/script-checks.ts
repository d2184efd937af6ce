// Script check results: one row per script (master or adaptation) with every attempt, and the counts a batch shows.
import { sql, type Kysely } from 'kysely';
import { identityFilter, type ScriptIdentity } from './scripts';
import type { Database, Job, ScriptCheck } from './schema';
import type { ScriptCheckAttempt, ScriptCheckOutcome } from '../domain/script-check';

/** Stores (or replaces, on a repeated attempt) the check of one script. */
export async function saveScriptCheck(
  db: Kysely<Database>,
  id: ScriptIdentity,
  check: { kind: 'master' | 'adaptation'; outcome: ScriptCheckOutcome; attempts: ScriptCheckAttempt[]; reasons: string[] },
): Promise<void> {
  const row = { outcome: check.outcome, attempts: JSON.stringify(check.attempts), reasons: JSON.stringify(check.reasons) };
  await db
    .insertInto('script_checks')
    .values({ batch_id: id.batchId, title_index: id.titleIndex, variation: id.variation, language: id.language, kind: check.kind, ...row })
    .onConflict((oc) => oc.columns(['batch_id', 'title_index', 'variation', 'language']).doUpdateSet(row))
    .execute();
}

export async function findScriptCheck(db: Kysely<Database>, id: ScriptIdentity): Promise<ScriptCheck | undefined> {
  return db.selectFrom('script_checks').selectAll().where((eb) => eb.and(identityFilter(id))).executeTakeFirst();
}

/** The checks of the scripts a job speaks: its master's and, when it has one, its adaptation's. */
export async function checksForJob(db: Kysely<Database>, job: Pick<Job, 'batch_id' | 'title_index' | 'variation' | 'language'>): Promise<ScriptCheck[]> {
  return db
    .selectFrom('script_checks')
    .selectAll()
    .where('batch_id', '=', job.batch_id)
    .where('title_index', '=', job.title_index)
    .where('variation', '=', job.variation)
    .where((eb) => eb.or([eb('language', '=', job.language), eb('kind', '=', 'master')]))
    .orderBy('kind', 'desc')
    .execute();
}

/**
 * Jobs of a batch by what the check did to their scripts (the worst of master and adaptation counts):
 * cleaned, regenerated, and failed (the job failed at stage `qa`). It reads only the checks that changed a
 * script and the jobs those checks cover (partial indexes), not every job of the batch.
 */
export async function batchCheckCounts(db: Kysely<Database>, batchId: string): Promise<{ cleaned: number; regenerated: number; failed: number }> {
  const r = await sql<{ cleaned: string; regenerated: string; failed: string }>`
    with changed as (
      select c.title_index, c.variation, c.language, c.kind, c.outcome, b.master_language
      from script_checks c
      join batches b on b.id = c.batch_id
      where c.batch_id = ${batchId} and c.outcome in ('cleaned', 'regenerated')
    ),
    per_job as (
      select j.id, j.error_stage,
        bool_or(k.outcome = 'regenerated') as regenerated,
        bool_or(k.outcome = 'cleaned') as cleaned
      from changed k
      join jobs j on j.batch_id = ${batchId} and j.title_index = k.title_index and j.variation = k.variation
        and (k.language = j.language or (k.kind = 'master' and k.language = k.master_language))
      group by j.id, j.error_stage
    )
    select
      (select count(*) from per_job where cleaned and not regenerated and error_stage is distinct from 'qa') as cleaned,
      (select count(*) from per_job where regenerated and error_stage is distinct from 'qa') as regenerated,
      (select count(*) from jobs where batch_id = ${batchId} and error_stage = 'qa') as failed`.execute(db);
  const row = r.rows[0];
  return { cleaned: Number(row?.cleaned ?? 0), regenerated: Number(row?.regenerated ?? 0), failed: Number(row?.failed ?? 0) };
}

/** Drops the failed checks of a batch, so retried jobs write those scripts again. */
export async function forgetFailedScriptChecks(db: Kysely<Database>, batchId: string): Promise<void> {
  await db.deleteFrom('script_checks').where('batch_id', '=', batchId).where('outcome', '=', 'failed').execute();
}
