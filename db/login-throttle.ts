// Login attempts kept in PostgreSQL: an attempt is reserved (counted) atomically before the password is
// checked, so parallel guesses and several API processes share one count.
import { sql, type Kysely } from 'kysely';
import { delayAfter, type ThrottleRule } from '../domain/login-throttle';
import type { Database } from './schema';

/**
 * Counts one attempt on `key` when it is allowed now and returns 0; otherwise counts nothing and
 * returns the seconds until the next attempt is allowed. One statement: the row lock of the upsert
 * orders concurrent attempts, so no two can both take the last free slot. Times are `clock_timestamp()`,
 * not the transaction's `now()`: an attempt that waited for the lock compares against the time it runs
 * at, so a free attempt is never refused because a concurrent one stamped a later time than its start.
 */
export async function reserveAttempt(db: Kysely<Database>, key: string, rule: ThrottleRule, forgetAfterMs: number): Promise<number> {
  // Delays of the nth attempt, for n = 1…free+31: the SQL picks by index, so the rule stays in one place.
  const delays = Array.from({ length: rule.free + 32 }, (_, i) => delayAfter(i + 1, rule));
  const forget = `${forgetAfterMs} milliseconds`;
  const row = await sql<{ attempts: number }>`
    with d as (select ${sql.val(delays)}::bigint[] as ms)
    insert into login_throttle as t (key, attempts, next_allowed_at, updated_at)
    values (${key}, 1, clock_timestamp() + ((select ms[1] from d) || ' milliseconds')::interval, clock_timestamp())
    on conflict (key) do update set
      attempts = case when t.updated_at < clock_timestamp() - ${forget}::interval then 1 else t.attempts + 1 end,
      next_allowed_at = clock_timestamp() + ((select ms[least(case when t.updated_at < clock_timestamp() - ${forget}::interval then 1 else t.attempts + 1 end, array_length(ms, 1))] from d) || ' milliseconds')::interval,
      updated_at = clock_timestamp()
    where t.next_allowed_at <= clock_timestamp() or t.updated_at < clock_timestamp() - ${forget}::interval
    returning attempts`.execute(db);
  if (row.rows.length) return 0;
  const wait = await db.selectFrom('login_throttle').select(sql<number>`ceil(extract(epoch from next_allowed_at - clock_timestamp()))`.as('s')).where('key', '=', key).executeTakeFirst();
  return Math.max(1, Number(wait?.s ?? 1));
}

/** Forgets the attempts of `key` (after a successful login). */
export async function clearAttempts(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/** Gives back one counted attempt of `key` (a login that succeeded was no guess). */
export async function refundAttempt(db: Kysely<Database>, key: string, rule: ThrottleRule): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set({
      attempts: sql`greatest(attempts - 1, 0)`,
      next_allowed_at: sql`case when attempts - 1 < ${rule.free} then clock_timestamp() else next_allowed_at end`,
    })
    .where('key', '=', key)
    .execute();
}

/** Removes rows idle longer than `forgetAfterMs`, so the table does not grow with every guessed email. */
export async function sweepAttempts(db: Kysely<Database>, forgetAfterMs: number): Promise<void> {
  await db.deleteFrom('login_throttle').where('updated_at', '<', new Date(Date.now() - forgetAfterMs)).execute();
}
