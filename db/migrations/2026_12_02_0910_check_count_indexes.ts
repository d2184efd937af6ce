// Indexes for a batch's script check counts that do not read all its jobs: the checks that cleaned or
// regenerated a script, the jobs of one title (to find the jobs such a check covers), and the jobs failed by
// the check (stage qa). Each partial index holds only the few rows it is for.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('script_checks_batch_changed').on('script_checks').column('batch_id').where(sql.ref('outcome'), 'in', ['cleaned', 'regenerated']).execute();
  await db.schema.createIndex('jobs_batch_title').on('jobs').columns(['batch_id', 'title_index']).execute();
  await db.schema.createIndex('jobs_batch_qa').on('jobs').column('batch_id').where(sql.ref('error_stage'), '=', 'qa').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_batch_qa').execute();
  await db.schema.dropIndex('jobs_batch_title').execute();
  await db.schema.dropIndex('script_checks_batch_changed').execute();
}
