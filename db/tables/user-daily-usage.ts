// The `user_daily_usage` table: what a user used in one UTC day, job attempts started and USD spent on paid calls.
import type { ColumnType, Generated } from 'kysely';

export interface UserDailyUsageTable {
  user_id: string;
  day: ColumnType<string, string, string>;
  /** One of COUNTER_SHARDS rows of the day (see db/batch-counters.ts); the day's usage is their sum. */
  shard: Generated<number>;
  jobs_started: Generated<number>;
  spent_usd: Generated<number>;
}
