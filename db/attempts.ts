// A job's finished attempts (one row per run, kept by retry-failed), oldest first: the job view's attempt log.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export async function listAttempts(db: Kysely<Database>, jobId: string) {
  return db
    .selectFrom('job_attempts')
    .select(['attempt', 'status', 'error_stage', 'error_code', 'error_message', 'started_at', 'finished_at'])
    .where('job_id', '=', jobId)
    .orderBy('attempt')
    .limit(100)
    .execute();
}
