// Indexes for the estimator's calibration reads, so their cost does not grow with every user's history:
// the newest scripts, and the newest completed jobs.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('scripts_created_at').on('scripts').column('created_at').execute();
  await db.schema
    .createIndex('jobs_completed_finished_at')
    .on('jobs')
    .column('finished_at')
    .where(sql.ref('status'), '=', 'completed')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_completed_finished_at').execute();
  await db.schema.dropIndex('scripts_created_at').execute();
}
