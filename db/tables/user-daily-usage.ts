// The `user_daily_usage` table: what a user used in one UTC day, job attempts started and USD spent on paid calls.
import type { ColumnType, Generated } from 'kysely';

export interface UserDailyUsageTable {
  user_id: string;
  day: ColumnType<string, string, string>;
  jobs_started: Generated<number>;
  spent_usd: Generated<number>;
}
