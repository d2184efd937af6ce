// Counter shards: the counters of a batch (jobs per status, spend, cache hits, attempts) and of a user's day
// no longer take one row's lock for every job. Changes go to one of a few shard rows; reads add them up.
// Existing rows migrate in place: a batch's own columns stay the base its shards add to, and each existing
// daily usage row becomes shard 0 of its day.
import { sql, type Kysely } from 'kysely';

const COUNTS = ['queued', 'running', 'completed', 'failed', 'cancelled', 'cache_hits', 'started_attempts', 'granted_attempts'];

export async function up(db: Kysely<unknown>): Promise<void> {
  let table = db.schema
    .createTable('batch_counters')
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('shard', 'smallint', (c) => c.notNull());
  for (const c of COUNTS) table = table.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
  await table
    .addColumn('spent_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('batch_counters_pk', ['batch_id', 'shard'])
    .execute();

  await db.schema.alterTable('user_daily_usage').addColumn('shard', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
  await sql`alter table user_daily_usage drop constraint user_daily_usage_pk`.execute(db);
  await sql`alter table user_daily_usage add constraint user_daily_usage_pk primary key (user_id, day, shard)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fold the shards back into the rows they split.
  const sums = [...COUNTS, 'spent_usd'].map((c) => `${c} = b.${c} + s.${c}`).join(', ');
  const selects = [...COUNTS, 'spent_usd'].map((c) => `sum(${c}) as ${c}`).join(', ');
  await sql.raw(`update batches b set ${sums} from (select batch_id, ${selects} from batch_counters group by batch_id) s where s.batch_id = b.id`).execute(db);
  await db.schema.dropTable('batch_counters').execute();

  await sql`
    create temporary table folded_usage on commit drop as
    select user_id, day, sum(jobs_started)::int as jobs_started, sum(spent_usd) as spent_usd from user_daily_usage group by user_id, day`.execute(db);
  await sql`delete from user_daily_usage`.execute(db);
  await sql`alter table user_daily_usage drop constraint user_daily_usage_pk`.execute(db);
  await db.schema.alterTable('user_daily_usage').dropColumn('shard').execute();
  await sql`insert into user_daily_usage (user_id, day, jobs_started, spent_usd) select user_id, day, jobs_started, spent_usd from folded_usage`.execute(db);
  await sql`alter table user_daily_usage add constraint user_daily_usage_pk primary key (user_id, day)`.execute(db);
}
