// Leases with fencing tokens for paid calls (masters, adaptations, narrations) and the narration chunks
// already bought, so no PostgreSQL transaction stays open across a call to Google.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Tokens only grow, across restarts too: a writer holding an older token is always stale.
  await sql`create sequence paid_lease_tokens`.execute(db);
  await db.schema
    .createTable('paid_leases')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('narration_chunks')
    .addColumn('narration_key', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('marks', 'jsonb', (c) => c.notNull())
    .addColumn('characters', 'integer', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('narration_chunks_pkey', ['narration_key', 'idx'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('narration_chunks').execute();
  await db.schema.dropTable('paid_leases').execute();
  await sql`drop sequence paid_lease_tokens`.execute(db);
}
