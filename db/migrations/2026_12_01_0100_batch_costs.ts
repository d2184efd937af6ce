// What a batch was expected to cost and what it really spent: the estimate taken at launch, a spend
// counter moved by each paid call exactly once, and the actual figures written when the batch ends.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('batches')
    .addColumn('estimate', 'jsonb')
    .addColumn('spent_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('actuals', 'jsonb')
    .execute();
  await db.schema.alterTable('scripts').addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .alterTable('jobs')
    .addColumn('tts_characters', 'integer')
    .addColumn('tts_cost_usd', 'double precision')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('tts_cost_usd').dropColumn('tts_characters').execute();
  await db.schema.alterTable('scripts').dropColumn('cost_usd').execute();
  await db.schema.alterTable('batches').dropColumn('actuals').dropColumn('spent_usd').dropColumn('estimate').execute();
}
