// Narration quality: script check results per script, loudness before/after per job, pronunciation notes per
// job, and the agent version's pronunciations and loudness target.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('script_checks')
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('title_index', 'integer', (c) => c.notNull())
    .addColumn('variation', 'integer', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // passed | cleaned | regenerated | failed
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('attempts', 'jsonb', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('script_checks_pk', ['batch_id', 'title_index', 'variation', 'language'])
    .execute();
  await db.schema.alterTable('jobs').addColumn('loudness', 'jsonb').execute();
  await db.schema.alterTable('jobs').addColumn('pronunciation_notes', 'jsonb').execute();
  await db.schema.alterTable('agent_versions').addColumn('pronunciations', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
  await db.schema.alterTable('agent_versions').addColumn('loudness_target', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_versions').dropColumn('loudness_target').execute();
  await db.schema.alterTable('agent_versions').dropColumn('pronunciations').execute();
  await db.schema.alterTable('jobs').dropColumn('pronunciation_notes').execute();
  await db.schema.alterTable('jobs').dropColumn('loudness').execute();
  await db.schema.dropTable('script_checks').execute();
}
