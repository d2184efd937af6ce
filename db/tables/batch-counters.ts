// The `batch_counters` table: a batch's counters in shards. A batch's count is its own column plus the sum of
// its shards, so concurrent jobs add to different rows instead of queueing on the one batch row.
import type { Generated } from 'kysely';

export interface BatchCounterTable {
  batch_id: string;
  /** 0 ≤ shard < COUNTER_SHARDS; a job's changes go to the shard of its seq. */
  shard: number;
  queued: Generated<number>;
  running: Generated<number>;
  completed: Generated<number>;
  failed: Generated<number>;
  cancelled: Generated<number>;
  cache_hits: Generated<number>;
  spent_usd: Generated<number>;
  started_attempts: Generated<number>;
  granted_attempts: Generated<number>;
}
