// The API-key pool: encrypted keys with their breaker and usage windows, per-project limits and
// usage, and the jobs waiting for quota (so a batch can say "waiting for quota").
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull().check(sql`service in ('gemini', 'tts')`))
    .addColumn('target', 'text', (c) => c.notNull().defaultTo('google').check(sql`target in ('google', 'simulator')`))
    .addColumn('account_email', 'text', (c) => c.notNull())
    .addColumn('project', 'text')
    .addColumn('label', 'text')
    .addColumn('secret', 'bytea', (c) => c.notNull())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('lookup_hash', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('circuit', 'text', (c) => c.notNull().defaultTo('closed').check(sql`circuit in ('closed', 'open', 'half_open')`))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('openings', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reopen_at', 'timestamptz')
    .addColumn('rpm', 'integer', (c) => c.check(sql`rpm > 0`))
    .addColumn('rpd', 'integer', (c) => c.check(sql`rpd > 0`))
    .addColumn('minute_window', 'timestamptz')
    .addColumn('minute_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('day_window', 'text')
    .addColumn('day_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requests_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('api_keys_service_lookup', ['service', 'lookup_hash'])
    .execute();
  await db.schema.createIndex('api_keys_service_status').on('api_keys').columns(['service', 'status']).execute();

  await db.schema
    .createTable('api_key_projects')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('rpm', 'integer', (c) => c.check(sql`rpm > 0`))
    .addColumn('rpd', 'integer', (c) => c.check(sql`rpd > 0`))
    .addColumn('minute_window', 'timestamptz')
    .addColumn('minute_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('day_window', 'text')
    .addColumn('day_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('api_key_projects_pk', ['service', 'project'])
    .execute();

  await db.schema
    .createTable('quota_waits')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('since', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('until', 'timestamptz')
    .addPrimaryKeyConstraint('quota_waits_pk', ['job_id', 'service'])
    .execute();
  await db.schema.createIndex('quota_waits_batch').on('quota_waits').column('batch_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('quota_waits').execute();
  await db.schema.dropTable('api_key_projects').execute();
  await db.schema.dropTable('api_keys').execute();
}
