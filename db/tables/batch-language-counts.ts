// The `batch_language_counts` table: a batch's jobs per language and status, in shards (seq mod 16), kept by
// triggers on `jobs` (migration 2026_12_02_0900_language_counts). A count is the sum of its shards.
export interface BatchLanguageCountTable {
  batch_id: string;
  language: string;
  /** 0 ≤ shard < 16: the shard of the job's seq. */
  shard: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}
