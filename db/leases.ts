// Leases with fencing tokens: at most one worker makes a given paid call at a time, without holding a
// transaction or a lock across the call; a writer whose token is no longer current cannot store.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema';

/** A held lease: the key it guards and the token every store must present. */
export interface Lease {
  key: string;
  owner: string;
  token: number;
}

/** Why a store was refused: another worker took the lease over since this one got it. */
export class LeaseLostError extends Error {
  constructor(readonly lease: Lease) {
    super(`lease ${lease.key} was taken over (token ${lease.token} is stale); the result was not stored`);
    this.name = 'LeaseLostError';
  }
}

/** How often a holder renews a lease of `ttlMs` while its call runs: every 10 s, or a third of a shorter lease. */
export function renewEveryMs(ttlMs: number): number {
  return Math.min(10_000, ttlMs / 3);
}

/** How long a lease of `ttlMs` goes unrenewed before its holder counts as gone: two and a half renewals. */
export function staleAfterMs(ttlMs: number): number {
  return renewEveryMs(ttlMs) * 2.5;
}

/**
 * Takes the lease on `key` for `ttlMs` when it is free, expired, or held by the same `owner` (a retry of
 * the same activity) that has stopped renewing it: that earlier attempt is gone (its worker died), or will
 * be fenced out. An earlier attempt that still renews is alive (Temporal gave up on it, for example its
 * heartbeats did not get through, but its call goes on): the retry waits for it to store its result and
 * release, rather than buy the call a second time. Every grant gets a new, larger token. Returns the
 * lease, or when the hold ends (expiry, or for the same owner, when it would be stale).
 */
export async function acquireLease(db: Kysely<Database>, key: string, owner: string, ttlMs: number): Promise<Lease | { heldUntil: Date }> {
  // A lease renewed `ttl` from its last renewal: unrenewed for `stale` once it expires within `ttl - stale`.
  const liveMs = ttlMs - staleAfterMs(ttlMs);
  const granted = await sql<{ token: number }>`
    insert into paid_leases (key, owner, token, expires_at)
    values (${key}, ${owner}, nextval('paid_lease_tokens'), now() + ${`${ttlMs} milliseconds`}::interval)
    on conflict (key) do update set owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at, acquired_at = now()
      where paid_leases.expires_at < now()
        or (paid_leases.owner = excluded.owner and paid_leases.expires_at < now() + ${`${liveMs} milliseconds`}::interval)
    returning token`.execute(db);
  const row = granted.rows[0];
  if (row) return { key, owner, token: Number(row.token) };
  const held = await db.selectFrom('paid_leases').select(['expires_at', 'owner']).where('key', '=', key).executeTakeFirst();
  // Released between the two statements: free now.
  if (!held) return { heldUntil: new Date(0) };
  if (held.owner === owner) return { heldUntil: new Date(held.expires_at.getTime() - liveMs) };
  return { heldUntil: held.expires_at };
}

/** Extends a held lease; false when its token is no longer current. */
export async function renewLease(db: Kysely<Database>, lease: Lease, ttlMs: number): Promise<boolean> {
  const r = await db
    .updateTable('paid_leases')
    .set({ expires_at: sql<Date>`now() + ${`${ttlMs} milliseconds`}::interval` })
    .where('key', '=', lease.key)
    .where('token', '=', lease.token)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Gives the lease up (after the result is stored), so a waiter goes on at once. The row stays, expired,
 * with its token: the fence keeps refusing every older token, and the next grant takes a larger one.
 */
export async function releaseLease(db: Kysely<Database>, lease: Lease): Promise<void> {
  await db.updateTable('paid_leases').set({ expires_at: sql<Date>`now()` }).where('key', '=', lease.key).where('token', '=', lease.token).execute();
}

/**
 * The fence: inside the store's transaction, locks the lease row and checks the token is still the
 * current one. An expired lease nobody took over still admits its holder: the call was bought, keep it.
 */
export async function assertLease(trx: Transaction<Database>, lease: Lease): Promise<void> {
  const row = await trx.selectFrom('paid_leases').select('token').where('key', '=', lease.key).forUpdate().executeTakeFirst();
  if (!row || Number(row.token) !== lease.token) throw new LeaseLostError(lease);
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Whether an error means PostgreSQL could not be reached (restarting, down), not that the statement was wrong. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connect ECONNREFUSED|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Runs `fn`, retrying while PostgreSQL is unreachable, for at most `maxMs`: what a paid call bought must
 * be stored once PostgreSQL is back, not dropped. `onWait` runs between tries (heartbeats).
 */
export async function untilPostgres<T>(fn: () => Promise<T>, o: { maxMs?: number; onWait?: (err: unknown) => void } = {}): Promise<T> {
  const deadline = Date.now() + (o.maxMs ?? 180_000);
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + delay > deadline) throw err;
      o.onWait?.(err);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
