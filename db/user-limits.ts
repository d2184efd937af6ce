// Per-user limits and daily usage rows: read and set limits, count a day's job starts and spend, and the
// live work of a user that the limits are checked against.
import { sql, type Kysely, type Transaction } from 'kysely';
import { NO_LIMITS, utcDay, type DailyUsage, type UserLimitSet } from '../domain/user-limits';
import { anyShard, bumpCounters, counterTotal } from './batch-counters';
import type { Database } from './schema';

type Db = Kysely<Database> | Transaction<Database>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user's limits (none set: every one null). */
export async function getUserLimits(db: Db, userId: string): Promise<UserLimitSet> {
  // Batches from before accounts (and test fixtures) name users that are not accounts: no limits.
  if (!UUID.test(userId)) return { ...NO_LIMITS };
  const row = await db.selectFrom('user_limits').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!row) return { ...NO_LIMITS };
  return { jobsPerDay: row.jobs_per_day, runningJobs: row.running_jobs, spendPerDayUsd: row.spend_per_day_usd, defaultBudgetUsd: row.default_budget_usd };
}

/** Replaces the user's limits. */
export async function putUserLimits(db: Db, userId: string, l: UserLimitSet): Promise<void> {
  const values = { jobs_per_day: l.jobsPerDay, running_jobs: l.runningJobs, spend_per_day_usd: l.spendPerDayUsd, default_budget_usd: l.defaultBudgetUsd };
  await db
    .insertInto('user_limits')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/** What the user started and spent on the UTC day of `now`. */
export async function usageOn(db: Db, userId: string, now = new Date()): Promise<DailyUsage> {
  // The day's usage is the sum of its shard rows (see db/batch-counters.ts).
  const row = await db
    .selectFrom('user_daily_usage')
    .select([sql<number>`coalesce(sum(jobs_started), 0)`.as('jobs_started'), sql<number>`coalesce(sum(spent_usd), 0)`.as('spent_usd')])
    .where('user_id', '=', userId)
    .where('day', '=', utcDay(now))
    .executeTakeFirst();
  return { jobsStarted: Number(row?.jobs_started ?? 0), spentUsd: Number(row?.spent_usd ?? 0) };
}

/**
 * Counts `n` job attempts of the batch as started today for its owner, in usage shard `shard`. Called in the same
 * transaction as the jobs' move to running (which counts them on the batch's `started_attempts`), so each counts once.
 */
export async function countOwnerJobStart(db: Db, batchId: string, shard: number, now = new Date(), n = 1): Promise<void> {
  await sql`
    insert into user_daily_usage (user_id, day, shard, jobs_started)
    select user_id, ${utcDay(now)}::date, ${shard}, ${n}::int from batches where id = ${batchId}
    on conflict (user_id, day, shard) do update set jobs_started = user_daily_usage.jobs_started + excluded.jobs_started`.execute(db);
}

/** Records attempts granted to a batch workflow (started by it within moments). */
export async function countGrant(db: Db, batchId: string, n: number): Promise<void> {
  await bumpCounters(db, batchId, anyShard(), { granted_attempts: n });
}

/** Serialises allowance decisions of one user's batches (until the transaction ends), so two cannot both take the last slot. */
export async function lockUser(trx: Transaction<Database>, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`user-limits:${userId}`}))`.execute(trx);
}

/** Adds a paid call's cost to the spend of the batch's owner on today's UTC day (same transaction and shard as the batch's spend). */
export async function addUserSpend(db: Db, batchId: string, usd: number, shard: number, now = new Date()): Promise<void> {
  await sql`
    insert into user_daily_usage (user_id, day, shard, spent_usd)
    select user_id, ${utcDay(now)}::date, ${shard}, ${usd} from batches where id = ${batchId}
    on conflict (user_id, day, shard) do update set spent_usd = user_daily_usage.spent_usd + excluded.spent_usd`.execute(db);
}

/**
 * Jobs running (or granted and being started) and queued in the user's live batches, optionally leaving
 * one batch out.
 */
export async function liveWork(db: Db, userId: string, exceptBatchId?: string): Promise<{ running: number; queued: number }> {
  let q = db
    .selectFrom('batches')
    .select([
      sql<number>`coalesce(sum(${counterTotal('running')} + greatest(0, ${counterTotal('granted_attempts')} - ${counterTotal('started_attempts')})), 0)`.as('running'),
      sql<number>`coalesce(sum(${counterTotal('queued')}), 0)`.as('queued'),
    ])
    .where('user_id', '=', userId)
    .where('status', 'in', ['running', 'paused', 'pending_start']);
  if (exceptBatchId) q = q.where('id', '<>', exceptBatchId);
  const row = await q.executeTakeFirstOrThrow();
  return { running: Number(row.running), queued: Number(row.queued) };
}
