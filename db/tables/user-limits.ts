// The `user_limits` table: per-user limits an admin sets; null means no limit.
import type { Selectable } from 'kysely';
import type { UpdatedAt } from './columns';

export interface UserLimitsTable {
  user_id: string;
  jobs_per_day: number | null;
  running_jobs: number | null;
  spend_per_day_usd: number | null;
  /** Budget cap of the user's batches that set none. */
  default_budget_usd: number | null;
  updated_at: UpdatedAt;
}

export type UserLimits = Selectable<UserLimitsTable>;
