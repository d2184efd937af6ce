// Per-minute limits of keys and projects count a sliding 60-second window (as Google does), so the
// calendar-minute counters give way to a log of the last minute's request times.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['api_keys', 'api_key_projects']) {
    await db.schema.alterTable(table).addColumn('minute_log', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
    await db.schema.alterTable(table).dropColumn('minute_window').execute();
    await db.schema.alterTable(table).dropColumn('minute_count').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['api_keys', 'api_key_projects']) {
    await db.schema.alterTable(table).addColumn('minute_window', 'timestamptz').execute();
    await db.schema.alterTable(table).addColumn('minute_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable(table).dropColumn('minute_log').execute();
  }
}
