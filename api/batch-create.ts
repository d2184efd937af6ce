// Creating a batch (POST /api/batches): the request's checks, its agent, the plan and estimate, the user's
// limits, the batch row, then its workflow; repeats of an Idempotency-Key answer with the earlier batch.
import type { Request } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createBatch, getBatch } from '../db/batches';
import type { Batch, BatchOptions, Database } from '../db/schema';
import { DESTINATION_REFUSED } from '../domain/destinations';
import { countJobs, planJobs } from '../domain/plan';
import { resolveAgent, type ResolvedAgent } from './agent-resolution';
import { startBatchWorkflow, type BatchControlDeps } from './batch-control';
import { batchView, BatchView } from './batch-views';
import { ApiError, ApiErrorCode, invalidField } from './errors';
import { route, type Api, type HandlerContext } from './http';
import { CreateBatchSchema } from './schemas';
import { checkLaunchLimits } from './user-limit-routes';
import { sealWebhook } from './webhook-secrets';

/** Batches with more jobs than this get their job rows written by their workflow, not on the request. */
const DEFER_JOB_ROWS_ABOVE = 2000;

type CreateInput = z.output<typeof CreateBatchSchema>;

/** Durations of the steps of a request, for the `Server-Timing` header (what a slow launch spent its time on). */
class ServerTiming {
  private last = performance.now();
  private readonly parts: string[] = [];
  mark(name: string): void {
    const now = performance.now();
    this.parts.push(`${name};dur=${(now - this.last).toFixed(1)}`);
    this.last = now;
  }
  header(): string {
    return this.parts.join(', ');
  }
}

/** The request's Idempotency-Key, checked (1–200 visible ASCII characters). */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('Idempotency-Key') ?? undefined;
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) throw new ApiError(400, ApiErrorCode.validation, 'Idempotency-Key must be 1–200 visible ASCII characters');
  return key;
}

/** Refuses a batch of more jobs than allowed, before anything is planned or written. */
function checkJobCount(input: CreateInput, maxJobs: number): void {
  const jobCount = countJobs(input);
  if (jobCount > maxJobs) throw invalidField('titles', `the batch would have ${jobCount} jobs (titles × languages × variations); at most ${maxJobs} are allowed per batch`);
}

/** The caller's earlier batch made with this Idempotency-Key, if any. */
function earlierBatch(db: Kysely<Database>, userId: string, key: string | undefined): Promise<Batch | undefined> {
  if (!key) return Promise.resolve(undefined);
  return db.selectFrom('batches').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** The options the batch row keeps: its agent, audio settings, priority, budget cap and sealed webhook. */
async function batchOptions(api: Api, userId: string, input: CreateInput, resolved: ResolvedAgent, budgetUsd: number | undefined): Promise<BatchOptions> {
  return {
    agent: resolved.agent,
    ...(resolved.agentRef ? { agentRef: resolved.agentRef } : {}),
    audioEncoding: input.audio.encoding,
    speakingRate: input.audio.speakingRate,
    pitch: input.audio.pitch,
    ...(input.audio.loudness !== undefined ? { loudness: input.audio.loudness } : {}),
    priority: input.priority,
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(input.webhook ? { webhook: await sealWebhook(api, userId, input.webhook) } : {}),
  };
}

/** Creates the batch, or finds the one an earlier request with the same Idempotency-Key created. */
async function createBatchHandler(api: Api, control: BatchControlDeps, { req, res, body: input, user }: HandlerContext<undefined, undefined, typeof CreateBatchSchema>): Promise<void> {
  const { db } = api.deps;
  const timing = new ServerTiming();
  const idempotencyKey = idempotencyKeyOf(req);
  checkJobCount(input, api.deps.config.maxJobsPerBatch);
  // A repeat of an earlier request is answered before the limits, which that batch already counts against.
  const earlier = await earlierBatch(db, user.id, idempotencyKey);
  if (earlier) {
    if (earlier.status === 'pending_start') await startBatchWorkflow(control, earlier);
    res.status(200).json({ batch: batchView((await getBatch(db, earlier.id)) ?? earlier) });
    return;
  }
  const resolved = await resolveAgent(db, user.id, input);
  const masterLanguage = input.masterLanguage ?? resolved.masterLanguage ?? input.languages[0]!.language;
  api.estimator.checkVoices(input.languages);
  // The early, clear refusal; delivery checks the address it connects to again.
  if (input.webhook && !(await api.webhookGuard.check(input.webhook.url))) throw invalidField('webhook.url', DESTINATION_REFUSED);
  timing.mark('check');
  const shape = { mode: input.mode, titles: input.titles, languages: input.languages, variations: input.variations, masterLanguage };
  const jobs = planJobs(shape);
  // The estimate the batch will be judged against; a batch still starts when none can be made (a model without a price).
  timing.mark('plan');
  const estimate = await api.estimator.estimate({ ...shape, agent: resolved.agent, userId: user.id }).catch((err: unknown) => {
    api.deps.log(`no estimate for a new batch: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  timing.mark('estimate');
  const limits = await checkLaunchLimits(db, user.id, { jobs: jobs.length, estimateUsd: estimate?.cost.totalUsd });
  const budgetUsd = input.budgetUsd ?? limits.defaultBudgetUsd ?? undefined;
  timing.mark('limits');
  const options = await batchOptions(api, user.id, input, resolved, budgetUsd);
  // Big batches are accepted at once; their workflow writes the job rows first thing.
  const { batch, created } = await createBatch(db, { userId: user.id, ...shape, options, idempotencyKey, estimate, jobs, status: 'pending_start', deferJobs: jobs.length > DEFER_JOB_ROWS_ABOVE });
  // Never `running` without a workflow: the batch is marked running once its workflow has started; when
  // Temporal cannot be reached it stays `pending_start` and the reconciler starts it later.
  timing.mark('write');
  if (batch.status === 'pending_start') await startBatchWorkflow(control, batch);
  timing.mark('start');
  res.set('Server-Timing', timing.header());
  res.status(created ? 201 : 200).json({ batch: batchView((await getBatch(db, batch.id)) ?? batch) });
}

/** POST /api/batches. */
export function createBatchRoute(api: Api, control: BatchControlDeps): void {
  route(
    api,
    {
      method: 'post',
      path: '/api/batches',
      tag: 'batches',
      summary: 'Create a batch and start it',
      description:
        'Modes: `matrix` (titles × languages), `expand_languages` (1 title, N languages), `expand_titles` (N titles, 1 language). The agent is inline (`agent`) or saved (`agentId`, optional `agentVersion`); the batch keeps a copy of the version it ran with.',
      body: CreateBatchSchema,
      headers: [{ name: 'Idempotency-Key', description: 'repeat-safe key: the same key returns the same batch (1–200 visible ASCII characters)' }],
      responses: {
        201: { description: 'created and started (status `running`), or created and starting shortly (status `pending_start`: Temporal was unreachable)', schema: z.object({ batch: BatchView }) },
        200: { description: 'an earlier batch with the same Idempotency-Key' },
        400: { description: 'invalid, or more jobs than the per-batch maximum (`validation_error`)' },
        429: { description: "over one of the caller's daily limits (`limit_exceeded`; `details.limit` names it)" },
      },
    },
    (ctx) => createBatchHandler(api, control, ctx),
  );
}
