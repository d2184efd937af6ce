// Script-check counts of a batch for its status: an exact read once the batch has ended; while it runs, the last
// read, at most a few seconds old, with a fresh one started in the background. The read still grows with the checks
// that changed a script (about 300 ms at 100,000 jobs, BENCHMARKS.md), which the status of a running batch, polled
// every second by pages and scripts, must not pay on every call.
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/schema';
import { batchCheckCounts } from '../db/script-checks';
import { BatchStatus } from '../domain/statuses';

export type CheckCounts = Awaited<ReturnType<typeof batchCheckCounts>>;

/** How old the counts of a running batch may be before a status call starts a fresh read. */
export const CHECK_COUNTS_MAX_AGE_MS = 2_000;

const RUNNING: ReadonlySet<string> = new Set([BatchStatus.running, BatchStatus.paused, BatchStatus.pendingStart]);

export class CheckCountsCache {
  private readonly cache: LRUCache<string, CheckCounts>;

  constructor(
    private readonly db: Kysely<Database>,
    maxAgeMs = CHECK_COUNTS_MAX_AGE_MS,
  ) {
    // A stale entry is served at once while one background read (shared by every caller) replaces it.
    this.cache = new LRUCache<string, CheckCounts>({ max: 1_000, ttl: maxAgeMs, allowStale: true, noDeleteOnFetchRejection: true, fetchMethod: (batchId) => batchCheckCounts(this.db, batchId) });
  }

  /** The counts of `batch`: exact when it has ended (its last call settles them), else at most a read behind. */
  async counts(batch: { id: string; status: string }): Promise<CheckCounts> {
    if (!RUNNING.has(batch.status)) {
      this.cache.delete(batch.id);
      return batchCheckCounts(this.db, batch.id);
    }
    const counts = await this.cache.fetch(batch.id);
    return counts ?? batchCheckCounts(this.db, batch.id);
  }
}
