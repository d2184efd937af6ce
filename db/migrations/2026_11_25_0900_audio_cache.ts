// Content-addressed cache of narrations: the same text in the same voice and settings is spoken once.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audio_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('audio_key', 'text', (c) => c.notNull())
    .addColumn('srt_key', 'text', (c) => c.notNull())
    .addColumn('vtt_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audio_cache').execute();
}
