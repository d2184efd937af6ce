// Jobs per (batch, language, status) kept as counters, so a batch's per-language progress is a read of at most
// (languages × 16) small rows instead of a GROUP BY over all its jobs. Triggers on `jobs` keep them: a job
// row inserted, deleted, or changing status moves one count in the shard of its seq (seq mod 16, the same
// shards as batch_counters), so jobs moving at once lock different rows. Statement-level triggers add up a
// whole statement's rows first (a 5,000-row insert or a retry of every failed job is one upsert per shard).
// Every write of `jobs` is covered, whatever its path. batch_id, language and seq never change after insert.
// The up backfills existing batches from their rows.
import { sql, type Kysely } from 'kysely';

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

/** Adds the signed counts of `delta` (rows batch_id, language, seq, status, d) to the counters, in a fixed row order. */
function upsert(delta: string): string {
  const sums = STATUSES.map((s) => `sum(case when status = '${s}' then d else 0 end)`).join(', ');
  const adds = STATUSES.map((s) => `${s} = k.${s} + excluded.${s}`).join(', ');
  return `
    insert into batch_language_counts as k (batch_id, language, shard, ${STATUSES.join(', ')})
    select batch_id, language, (seq % 16)::smallint, ${sums}
    from (${delta}) as delta
    group by batch_id, language, (seq % 16)::smallint
    order by batch_id, language, 3
    on conflict (batch_id, language, shard) do update set ${adds}`;
}

const ON_INSERT = upsert('select batch_id, language, seq, status, 1 as d from new_jobs');
const ON_UPDATE = upsert(`
  select n.batch_id, n.language, n.seq, n.status, 1 as d from new_jobs n join old_jobs o on o.id = n.id where o.status is distinct from n.status
  union all
  select o.batch_id, o.language, o.seq, o.status, -1 as d from old_jobs o join new_jobs n on n.id = o.id where o.status is distinct from n.status`);
// Jobs go when their batch goes (cascade): its counters went with it, so only batches still there count.
const ON_DELETE = upsert('select o.batch_id, o.language, o.seq, o.status, -1 as d from old_jobs o where exists (select 1 from batches b where b.id = o.batch_id)');

const fn = (name: string, body: string) => sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin ${body}; return null; end $$`);

export async function up(db: Kysely<unknown>): Promise<void> {
  let table = db.schema
    .createTable('batch_language_counts')
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('shard', 'smallint', (c) => c.notNull());
  for (const s of STATUSES) table = table.addColumn(s, 'integer', (c) => c.notNull().defaultTo(0));
  await table.addPrimaryKeyConstraint('batch_language_counts_pk', ['batch_id', 'language', 'shard']).execute();

  await sql.raw(upsert("select batch_id, language, seq, status, 1 as d from jobs")).execute(db);

  await fn('jobs_language_counts_insert', ON_INSERT).execute(db);
  await fn('jobs_language_counts_update', ON_UPDATE).execute(db);
  await fn('jobs_language_counts_delete', ON_DELETE).execute(db);
  await sql`create trigger jobs_language_counts_insert after insert on jobs referencing new table as new_jobs for each statement execute function jobs_language_counts_insert()`.execute(db);
  await sql`create trigger jobs_language_counts_update after update on jobs referencing old table as old_jobs new table as new_jobs for each statement execute function jobs_language_counts_update()`.execute(db);
  await sql`create trigger jobs_language_counts_delete after delete on jobs referencing old table as old_jobs for each statement execute function jobs_language_counts_delete()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await sql.raw(`drop trigger jobs_language_counts_${op} on jobs`).execute(db);
    await sql.raw(`drop function jobs_language_counts_${op}()`).execute(db);
  }
  await db.schema.dropTable('batch_language_counts').execute();
}
