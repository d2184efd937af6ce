// Pure rules of the per-user limits an admin sets: what a launch may not exceed, and how many more job
// attempts a running batch may start now (or what it waits for).

/** Limits of one user; null means no limit. */
export interface UserLimitSet {
  /** Job attempts the user may start per UTC day (retries count). */
  jobsPerDay: number | null;
  /** Jobs of the user running at once, over all their batches. */
  runningJobs: number | null;
  /** USD the user's paid calls may cost per UTC day. */
  spendPerDayUsd: number | null;
  /** Budget cap of the user's batches that set none. */
  defaultBudgetUsd: number | null;
}

export const NO_LIMITS: UserLimitSet = { jobsPerDay: null, runningJobs: null, spendPerDayUsd: null, defaultBudgetUsd: null };

/** What the user used today (UTC). */
export interface DailyUsage {
  jobsStarted: number;
  spentUsd: number;
}

/** Reasons a job waits for a user limit, as the API shows them in `waitingFor.reason`. */
export const LimitReason = {
  runningJobs: 'user_running_jobs_limit',
  jobsPerDay: 'user_jobs_per_day_limit',
  spendPerDay: 'user_spend_per_day_limit',
} as const;
export type LimitReason = (typeof LimitReason)[keyof typeof LimitReason];

/** The UTC day of a moment, as PostgreSQL's `date` prints it. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

/** Start of the next UTC day: when the daily limits allow again. */
export const nextUtcDay = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

/** Why a launch is refused: the limit's name (as in the limits routes), its value, and a readable message. */
export interface LaunchRefusal {
  limit: 'jobsPerDay' | 'spendPerDayUsd';
  value: number;
  message: string;
}

/**
 * Checks a new batch against the daily limits. Jobs already waiting in the user's live batches count,
 * as they will use today's allowance too; the batch's estimate counts against the daily spend when known.
 */
export function launchRefusal(
  limits: UserLimitSet,
  usage: DailyUsage,
  launch: { jobs: number; queuedElsewhere: number; estimateUsd?: number },
): LaunchRefusal | undefined {
  if (limits.jobsPerDay !== null) {
    const used = usage.jobsStarted + launch.queuedElsewhere;
    if (used + launch.jobs > limits.jobsPerDay) {
      return {
        limit: 'jobsPerDay',
        value: limits.jobsPerDay,
        message: `the batch has ${launch.jobs} jobs; your limit is ${limits.jobsPerDay} jobs per day and ${used} are already started or queued today`,
      };
    }
  }
  if (limits.spendPerDayUsd !== null) {
    const after = usage.spentUsd + (launch.estimateUsd ?? 0);
    if (usage.spentUsd >= limits.spendPerDayUsd || after > limits.spendPerDayUsd) {
      return {
        limit: 'spendPerDayUsd',
        value: limits.spendPerDayUsd,
        message: `your limit is $${limits.spendPerDayUsd.toFixed(2)} of spend per day; $${usage.spentUsd.toFixed(4)} is spent today and this batch is estimated at $${(launch.estimateUsd ?? 0).toFixed(4)}`,
      };
    }
  }
  return undefined;
}

/** How many more attempts the user's limits allow now, or why none is. */
export type UserAllowance = { jobs: number } | { jobs: 0; reason: LimitReason; limit: number; used: number; until: Date | null };

/**
 * Attempts a batch of the user may start now under their limits. `running` counts the user's jobs
 * running or being started (this batch's from its workflow, others' from their counters); `perJobUsd`
 * is the estimated cost of one job, charged to running jobs before their spend is recorded.
 */
export function userAllowance(
  limits: UserLimitSet,
  usage: DailyUsage,
  state: { running: number; perJobUsd: number; want: number },
  now: Date,
): UserAllowance {
  let jobs = Math.max(0, state.want);
  if (limits.runningJobs !== null) {
    const free = limits.runningJobs - state.running;
    if (free <= 0) return { jobs: 0, reason: LimitReason.runningJobs, limit: limits.runningJobs, used: state.running, until: null };
    jobs = Math.min(jobs, free);
  }
  if (limits.jobsPerDay !== null) {
    const left = limits.jobsPerDay - usage.jobsStarted;
    if (left <= 0) return { jobs: 0, reason: LimitReason.jobsPerDay, limit: limits.jobsPerDay, used: usage.jobsStarted, until: nextUtcDay(now) };
    jobs = Math.min(jobs, left);
  }
  if (limits.spendPerDayUsd !== null) {
    const left = limits.spendPerDayUsd - usage.spentUsd;
    const inFlight = state.running * state.perJobUsd;
    const fits = state.perJobUsd > 0 ? Math.floor((left - inFlight) / state.perJobUsd + 1e-9) : left > 0 ? jobs : 0;
    if (fits <= 0) {
      // Spent already: wait for the next day. Otherwise the running jobs' cost may leave room when they end.
      const until = left <= 0 ? nextUtcDay(now) : null;
      return { jobs: 0, reason: LimitReason.spendPerDay, limit: limits.spendPerDayUsd, used: Math.round(usage.spentUsd * 1e6) / 1e6, until };
    }
    jobs = Math.min(jobs, fits);
  }
  return { jobs };
}
