// Why work waits for a key: the reason a key rests (a spent quota or failures) and the reason on each waiting job.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // quota | failures; null while the key has not rested.
  await db.schema.alterTable('api_keys').addColumn('rest_reason', 'text').execute();
  // quota | provider_errors | keys_resting | no_key
  await db.schema.alterTable('quota_waits').addColumn('reason', 'text', (c) => c.notNull().defaultTo('quota')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('quota_waits').dropColumn('reason').execute();
  await db.schema.alterTable('api_keys').dropColumn('rest_reason').execute();
}
