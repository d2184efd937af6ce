// At most once per paid call, without a transaction across it: a lease row with a fencing token is
// taken in one short statement, renewed while the call runs, and checked again when the result is stored.
import { randomUUID } from 'node:crypto';
import { Context, sleep as activitySleep } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { addSpend } from '../db/batches';
import { acquireLease, LeaseLostError, releaseLease, renewEveryMs, renewLease, untilPostgres, type Lease } from '../db/leases';
import type { Database, Script } from '../db/schema';
import { findScript, storeProducedScript, takeFromScriptCache, type ProducedScript, type ScriptIdentity } from '../db/scripts';

/** How long a lease lasts without renewal: a worker that died frees its calls after this. @default 60000 */
export const LEASE_TTL_MS = 60_000;
/** How long a result waits for PostgreSQL to come back before the attempt gives up (and is retried). */
const STORE_PATIENCE_MS = 4 * 60_000;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (scripts, tests)
  }
}

/**
 * Who holds a lease: the activity (workflow, run, activity id), the same across its retries, so a retry
 * takes over from an earlier attempt once that one has stopped renewing (its worker died: 25 s without a
 * renewal), before the lease expires; while it still renews, the retry waits for it (see acquireLease).
 */
function ownerOfThisAttempt(): string {
  const ctx = activityContext();
  if (!ctx) return `process-${process.pid}-${randomUUID()}`;
  const { workflowExecution, activityId } = ctx.info;
  return `${workflowExecution?.workflowId ?? 'standalone'}/${workflowExecution?.runId ?? process.pid}/${activityId}`;
}

/** Heartbeats the activity (if any) so a long wait or a PostgreSQL outage does not look like a dead worker. */
export function beat(details?: unknown): void {
  activityContext()?.heartbeat(details);
}

async function pause(ms: number): Promise<void> {
  if (activityContext()) await activitySleep(ms);
  else await new Promise((r) => setTimeout(r, ms));
}

/** How the key pool waits for a key inside an activity: heartbeating, with the activity's sleep (a timer outside one). */
export const activityWaiting = { sleep: pause, heartbeat: beat };

/** Retries a store (or a read) while PostgreSQL restarts, heartbeating meanwhile. */
export function storeWhenPostgresIsBack<T>(fn: () => Promise<T>): Promise<T> {
  return untilPostgres(fn, { maxMs: STORE_PATIENCE_MS, onWait: () => beat() });
}

/**
 * Runs `work` holding the lease on `key`: waits while another live holder has it, renews it while
 * `work` runs (a renewal that fails while PostgreSQL restarts is tried again at the next tick), and
 * releases it after. `work` must re-check for a finished result first: the previous holder may have stored it.
 */
export async function withLease<T>(db: Kysely<Database>, key: string, work: (lease: Lease) => Promise<T>, ttlMs = LEASE_TTL_MS): Promise<T> {
  const owner = ownerOfThisAttempt();
  let lease: Lease | undefined;
  // Short calls are the common case: look again soon, then less often (at most once a second).
  for (let step = 100; !lease; step = Math.min(1000, step * 2)) {
    const got = await storeWhenPostgresIsBack(() => acquireLease(db, key, owner, ttlMs));
    if ('token' in got) lease = got;
    else {
      beat();
      await pause(Math.min(step, Math.max(50, got.heldUntil.getTime() - Date.now())));
    }
  }
  const held = lease;
  const timer = setInterval(() => void renewLease(db, held, ttlMs).catch(() => undefined), renewEveryMs(ttlMs));
  try {
    return await work(held);
  } finally {
    clearInterval(timer);
    await releaseLease(db, held).catch(() => undefined); // else it simply expires
  }
}

/**
 * Runs `produce` (a paid Gemini call) at most once per script identity across every worker. A script
 * made earlier for the same content (`cacheKey`, any batch) is reused instead; the lease is on that
 * content, so two batches never pay for one script. Only a call in flight when its worker died, or one
 * whose lease was taken over, is ever repeated; what such a call cost is still added to the spend.
 */
export async function onceForScript(
  db: Kysely<Database>,
  id: ScriptIdentity,
  produce: () => Promise<ProducedScript>,
  cacheKey?: string,
): Promise<{ script: Script; produced: boolean; cached: boolean }> {
  const existing = await findScript(db, id);
  if (existing) return { script: existing, produced: false, cached: false };
  const key = cacheKey ? `script-content:${cacheKey}` : `script:${id.batchId}:${id.titleIndex}:${id.variation}:${id.language}`;
  return withLease(db, key, async (lease) => {
    const again = await storeWhenPostgresIsBack(() => findScript(db, id));
    if (again) return { script: again, produced: false, cached: false };
    if (cacheKey) {
      const hit = await storeWhenPostgresIsBack(() => takeFromScriptCache(db, lease, id, cacheKey));
      if (hit) return { script: hit, produced: false, cached: true };
    }
    const made = await produce();
    try {
      const script = await storeWhenPostgresIsBack(() => storeProducedScript(db, lease, id, made, cacheKey));
      return { script, produced: true, cached: false };
    } catch (err) {
      // Bought but fenced out: Google billed it, so the spend says so; the holder's script is the one kept.
      if (err instanceof LeaseLostError) await storeWhenPostgresIsBack(() => addSpend(db, id.batchId, made.cost_usd ?? 0));
      throw err;
    }
  });
}
