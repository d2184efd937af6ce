// Bounded work per user: limits an admin sets, each user's usage per UTC day, deleted users kept for the
// records, the reason a batch's jobs are waiting, and batches whose workflow has yet to start.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_limits')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('jobs_per_day', 'integer')
    .addColumn('running_jobs', 'integer')
    .addColumn('spend_per_day_usd', 'double precision')
    .addColumn('default_budget_usd', 'double precision')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // One row per user and UTC day; batches.user_id is text (it predates accounts), so this one is too.
  await db.schema
    .createTable('user_daily_usage')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('jobs_started', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('spent_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('user_daily_usage_pk', ['user_id', 'day'])
    .execute();

  // A deleted user keeps their row (their batches name them); their email may be used again.
  await db.schema.alterTable('users').addColumn('deleted_at', 'timestamptz').execute();
  await sql`alter table users drop constraint if exists users_email_key`.execute(db);
  await db.schema.createIndex('users_email_live').on('users').column('email').unique().where(sql.ref('deleted_at'), 'is', null).execute();

  await db.schema.alterTable('batches').addColumn('waiting_for', 'jsonb').execute();
  // Attempts the batch workflow was allowed to start, and attempts that did start: the difference is
  // jobs being started right now, which count against the owner's running-jobs limit before they run.
  await db.schema.alterTable('batches').addColumn('granted_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('batches').addColumn('started_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // The reconciler looks for batches whose workflow could not be started; few rows, so a partial index.
  await db.schema.createIndex('batches_pending_start').on('batches').column('created_at').where(sql.ref('status'), '=', 'pending_start').execute();
  // Running-job counts per user read the live batches of one user.
  await db.schema.createIndex('batches_user_status').on('batches').columns(['user_id', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('batches_user_status').execute();
  await db.schema.dropIndex('batches_pending_start').execute();
  await db.schema.alterTable('batches').dropColumn('started_attempts').execute();
  await db.schema.alterTable('batches').dropColumn('granted_attempts').execute();
  await db.schema.alterTable('batches').dropColumn('waiting_for').execute();
  await db.schema.dropIndex('users_email_live').execute();
  await sql`alter table users add constraint users_email_key unique (email)`.execute(db);
  await db.schema.alterTable('users').dropColumn('deleted_at').execute();
  await db.schema.dropTable('user_daily_usage').execute();
  await db.schema.dropTable('user_limits').execute();
}
