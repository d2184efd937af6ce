// Admin routes over other users' work: per-user limits (GET/PUT /api/users/:id/limits), the launch check
// against them, and deleting a user (their running batches are cancelled, their rows stay, marked).
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { cancelUnstarted } from '../db/jobs';
import type { Database } from '../db/schema';
import { getUserLimits, liveWork, putUserLimits, usageOn } from '../db/user-limits';
import { launchRefusal, utcDay, type UserLimitSet } from '../domain/user-limits';
import { ApiError, ApiErrorCode } from './errors';
import { requireAdmin, route, type Api } from './http';
import { IdParam } from './schemas';

/** Stable error code of a launch refused by a user limit. */
export const LIMIT_EXCEEDED = 'limit_exceeded';

const limit = (max: number, int: boolean) => (int ? z.number().int().min(1).max(max) : z.number().positive().max(max)).nullable().default(null);

/** Every limit is given; null (or omitted) means none. */
export const UserLimitsSchema = z
  .object({
    jobsPerDay: limit(10_000_000, true).meta({ description: 'job attempts started per UTC day (retries count)' }),
    runningJobs: limit(100_000, true).meta({ description: "jobs running at once over all the user's batches" }),
    spendPerDayUsd: limit(1_000_000, false).meta({ description: 'USD of paid calls per UTC day' }),
    defaultBudgetUsd: limit(1_000_000, false).meta({ description: 'budget cap of batches that set none' }),
  })
  .strict();

const LimitsView = z.object({
  userId: z.string(),
  limits: z.object({ jobsPerDay: z.number().nullable(), runningJobs: z.number().nullable(), spendPerDayUsd: z.number().nullable(), defaultBudgetUsd: z.number().nullable() }),
  today: z.object({ day: z.string(), jobsStarted: z.number(), spentUsd: z.number(), runningJobs: z.number(), queuedJobs: z.number() }),
});

async function liveUser(db: Kysely<Database>, id: string) {
  const u = await db.selectFrom('users').select(['id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!u) throw new ApiError(404, ApiErrorCode.notFound, 'no such user');
}

async function limitsView(db: Kysely<Database>, userId: string) {
  const [limits, usage, live] = await Promise.all([getUserLimits(db, userId), usageOn(db, userId), liveWork(db, userId)]);
  return {
    userId,
    limits,
    today: { day: utcDay(new Date()), jobsStarted: usage.jobsStarted, spentUsd: Math.round(usage.spentUsd * 1e6) / 1e6, runningJobs: live.running, queuedJobs: live.queued },
  };
}

/**
 * The launch check: refuses (429 `limit_exceeded`, naming the limit) a batch that today's job or spend
 * limit cannot take, and returns the user's limits (the caller applies the default budget).
 */
export async function checkLaunchLimits(db: Kysely<Database>, userId: string, launch: { jobs: number; estimateUsd?: number }): Promise<UserLimitSet> {
  const limits = await getUserLimits(db, userId);
  if (limits.jobsPerDay === null && limits.spendPerDayUsd === null) return limits;
  const [usage, live] = await Promise.all([usageOn(db, userId), liveWork(db, userId)]);
  const refusal = launchRefusal(limits, usage, { jobs: launch.jobs, queuedElsewhere: live.queued, estimateUsd: launch.estimateUsd });
  if (refusal) throw new ApiError(429, LIMIT_EXCEEDED, refusal.message, { limit: refusal.limit, value: refusal.value });
  return limits;
}

/**
 * Marks a user deleted, revokes their tokens, and cancels their live batches (through Temporal; a batch
 * still waiting for its workflow is closed here). Their batches, jobs and outputs stay.
 */
export async function deleteUser(db: Kysely<Database>, temporal: Client, id: string, log: (l: string) => void): Promise<boolean> {
  const now = new Date();
  const r = await db.updateTable('users').set({ deleted_at: now, updated_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
  const live = await db.selectFrom('batches').select(['id', 'status', 'workflow_id']).where('user_id', '=', id).where('status', 'in', ['running', 'paused', 'pending_start']).execute();
  for (const b of live) {
    if (b.status === 'pending_start') {
      await cancelUnstarted(db, b.id, { code: 'user_deleted', message: 'the owner was deleted' });
    }
    // A pending batch may be starting right now: cancel its workflow too (the starter also checks).
    await temporal.workflow
      .getHandle(b.workflow_id)
      .cancel()
      .catch((err: unknown) => {
        if (b.status !== 'pending_start') log(`deleting user ${id}: batch ${b.id} could not be cancelled: ${err instanceof Error ? err.message : String(err)}`);
      });
  }
  if (live.length) await db.updateTable('batches').set({ status_message: 'cancelled: the owner was deleted' }).where('id', 'in', live.map((b) => b.id)).execute();
  return true;
}

export function userLimitRoutes(api: Api): void {
  const { db } = api.deps;
  route(
    api,
    {
      method: 'get',
      path: '/api/users/:id/limits',
      tag: 'admin',
      summary: "A user's limits and what they used today (admins only)",
      params: IdParam,
      notFoundMessage: 'no such user',
      responses: { 200: { description: 'limits and usage', schema: LimitsView }, 403: { description: 'not an admin' }, 404: { description: 'no such user' } },
    },
    async ({ res, params, user }) => {
      requireAdmin(user);
      await liveUser(db, params.id);
      res.json(await limitsView(db, params.id));
    },
  );
  route(
    api,
    {
      method: 'put',
      path: '/api/users/:id/limits',
      tag: 'admin',
      summary: "Set a user's limits: jobs per day, running jobs, spend per day, default budget (admins only)",
      description: 'Enforced when a batch is launched (429 `limit_exceeded` naming the limit) and while it runs (jobs wait; `waitingFor` in GET /api/batches/:id says why).',
      params: IdParam,
      body: UserLimitsSchema,
      notFoundMessage: 'no such user',
      responses: { 200: { description: 'limits and usage', schema: LimitsView }, 403: { description: 'not an admin' }, 404: { description: 'no such user' } },
    },
    async ({ res, params, body, user }) => {
      requireAdmin(user);
      await liveUser(db, params.id);
      await putUserLimits(db, params.id, body);
      res.json(await limitsView(db, params.id));
    },
  );
}
