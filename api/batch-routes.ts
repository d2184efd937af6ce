// Batches over HTTP: create, list, progress detail, paginated jobs, the controls that steer a running batch
// (through batch-control.ts), and the webhook delivery log. One job's detail and the files are in job-routes.ts
// and file-routes.ts.
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { listBatches, listJobs } from '../db/batch-queries';
import { getBatch } from '../db/batches';
import type { Batch } from '../db/schema';
import { listDeliveries } from '../db/webhooks';
import { isLive } from '../domain/progress';
import { MAX_WINDOW } from '../workflows/definitions';
import { callerBatch, callerBatchStatus } from './batch-access';
import { cancelBatch, pauseBatch, resumeBatch, retryFailedJobs, setBatchConcurrency, type BatchControlDeps } from './batch-control';
import { createBatchRoute } from './batch-create';
import { batchDetailView, batchView, BatchView, controlAnswer, costView, deliveryView, jobSummary, JobView } from './batch-views';
import { ApiError, ApiErrorCode } from './errors';
import { route, type Api, type HandlerContext } from './http';
import { BatchListQuery, ConcurrencySchema, EmptyBody, IdParam, JobListQuery } from './schemas';

const notRunning = (b: Batch, action: string) => new ApiError(409, ApiErrorCode.conflict, `the batch is ${b.status}; it cannot ${action}`);

/** The caller's batches; an admin's may be everyone's or one user's. */
async function listBatchesHandler(api: Api, { res, query, user }: HandlerContext<undefined, typeof BatchListQuery>): Promise<void> {
  const others = query.all === 'true' || (query.userId !== undefined && query.userId !== user.id);
  if (others && user.role !== 'admin') throw new ApiError(403, ApiErrorCode.forbidden, "only admins may list other users' batches");
  const owner = query.all === 'true' ? undefined : (query.userId ?? user.id);
  const { items, total } = await listBatches(api.deps.db, owner, { status: query.status, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
  res.json({ batches: items.map((b) => ({ ...batchView(b), cost: costView(b) })), page: query.page, pageSize: query.pageSize, total });
}

async function showBatch(api: Api, { res, params, user }: HandlerContext<typeof IdParam>): Promise<void> {
  // One statement for the row, its counters, language counts and waits; the check counts are cached (check-counts.ts).
  const read = await callerBatchStatus(api.deps.db, params.id, user);
  const scriptCheck = await api.checkCounts.counts(read.batch);
  res.json({ batch: batchDetailView(read.batch, { languageCounts: read.languageCounts, scriptCheck, quotaWait: read.quotaWait }) });
}

async function listBatchJobs(api: Api, { res, params, query, user }: HandlerContext<typeof IdParam, typeof JobListQuery>): Promise<void> {
  const batch = await callerBatch(api.deps.db, params.id, user);
  const { items, total } = await listJobs(api.deps.db, batch.id, { status: query.status, language: query.language, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
  res.json({ jobs: items.map(jobSummary), page: query.page, pageSize: query.pageSize, total });
}

async function listWebhookDeliveries(api: Api, { res, params, user }: HandlerContext<typeof IdParam>): Promise<void> {
  const batch = await callerBatch(api.deps.db, params.id, user);
  res.json({ deliveries: (await listDeliveries(api.deps.db, batch.id)).map(deliveryView) });
}

/** What a control does to the caller's batch; it may add fields to the answer. */
type ControlAct = (control: BatchControlDeps, b: Batch, body: unknown) => Promise<Record<string, unknown> | void>;

/** Runs a control on the caller's batch and answers 202 with the batch as it is now. */
async function runControl(api: Api, control: BatchControlDeps, action: string, act: ControlAct, { res, params, body, user }: HandlerContext<typeof IdParam, undefined, z.ZodType>): Promise<void> {
  const { db } = api.deps;
  const batch = await callerBatch(db, params.id, user);
  try {
    const extra = (await act(control, batch, body)) ?? {};
    res.status(202).json(controlAnswer(action, (await getBatch(db, batch.id)) ?? batch, extra));
  } catch (err) {
    // The workflow closed between our read and the call: the batch is finished.
    if (err instanceof WorkflowNotFoundError) throw notRunning((await getBatch(db, batch.id)) ?? batch, action);
    throw err;
  }
}

const pause: ControlAct = async (control, b) => {
  if (!isLive(b.status)) throw notRunning(b, 'pause');
  await pauseBatch(control, b);
};

const resume: ControlAct = async (control, b) => {
  if (!isLive(b.status)) throw notRunning(b, 'resume');
  await resumeBatch(control, b);
};

const cancel: ControlAct = async (control, b) => {
  if (b.status !== 'pending_start' && !isLive(b.status)) throw notRunning(b, 'be cancelled');
  await cancelBatch(control, b);
};

const retryFailed: ControlAct = async (control, b) => {
  if (b.failed === 0) throw new ApiError(409, ApiErrorCode.conflict, 'the batch has no failed jobs');
  await retryFailedJobs(control, b);
  return { failed: b.failed };
};

const concurrency: ControlAct = async (control, b, body) => {
  if (!isLive(b.status)) throw notRunning(b, 'change its concurrency');
  const { window } = body as z.infer<typeof ConcurrencySchema>;
  return { window: await setBatchConcurrency(control, b, window) };
};

/** POST /api/batches/:id/<action>: the controls of a batch. */
function controlRoutes(api: Api, control: BatchControlDeps): void {
  const controls: Array<[action: string, summary: string, act: ControlAct, body?: z.ZodType]> = [
    ['pause', 'Pause: start no new jobs; running ones finish', pause],
    ['resume', 'Resume a paused batch', resume],
    ['cancel', 'Cancel: running jobs are cancelled, queued ones never start (Temporal workflow cancellation)', cancel],
    ['retry-failed', 'Run every failed job again as a new attempt; a finished batch runs again for them', retryFailed],
    ['concurrency', `Set how many of the batch's jobs run at once (1–${MAX_WINDOW})`, concurrency, ConcurrencySchema],
  ];
  const responses = { 202: { description: 'accepted; the batch shows the effect within moments' }, 404: { description: 'no such batch of yours' }, 409: { description: 'the batch is not in a state that allows this (`conflict`)' } };
  for (const [action, summary, act, body = EmptyBody] of controls) {
    route(api, { method: 'post', path: `/api/batches/:id/${action}`, tag: 'batch controls', summary, params: IdParam, body, notFoundMessage: 'no such batch', responses }, (ctx) => runControl(api, control, action, act, ctx));
  }
}

const page = <T extends z.ZodType>(key: string, item: T) => z.object({ [key]: z.array(item), page: z.number(), pageSize: z.number(), total: z.number() });
const ofYours = { 404: { description: 'no such batch of yours' } };

export function batchRoutes(api: Api): void {
  const control: BatchControlDeps = { db: api.deps.db, temporal: api.deps.temporal, taskQueue: api.deps.taskQueue, log: api.deps.log };
  createBatchRoute(api, control);
  route(
    api,
    {
      method: 'get',
      path: '/api/batches',
      tag: 'batches',
      summary: "The caller's batches, newest first, optionally in one status; admins may list everyone's (`all=true`) or one user's (`userId`)",
      query: BatchListQuery,
      responses: { 200: { description: 'a page of batches', schema: page('batches', BatchView) }, 403: { description: '`all` or `userId` from a member' } },
    },
    (ctx) => listBatchesHandler(api, ctx),
  );
  const oneBatch = { tag: 'batches', params: IdParam, notFoundMessage: 'no such batch' } as const;
  const detailSummary = 'One batch: counts per status, per-language progress, rate and ETA, cost and cache figures, and while jobs wait for a key `waitingForQuota` with its reason (quota, provider_errors, keys_resting, no_key)';
  route(api, { method: 'get', path: '/api/batches/:id', ...oneBatch, summary: detailSummary, responses: { 200: { description: 'the batch', schema: z.object({ batch: BatchView }) }, ...ofYours } }, (ctx) => showBatch(api, ctx));
  const jobsSummary = "A page of the batch's jobs by sequence (25 by default), filterable by status and language";
  route(api, { method: 'get', path: '/api/batches/:id/jobs', ...oneBatch, summary: jobsSummary, query: JobListQuery, responses: { 200: { description: 'a page of jobs', schema: page('jobs', JobView) }, ...ofYours } }, (ctx) => listBatchJobs(api, ctx));
  controlRoutes(api, control);
  const deliveriesSummary = "The batch's webhook delivery log, one entry per attempt";
  route(api, { method: 'get', path: '/api/batches/:id/webhooks', ...oneBatch, summary: deliveriesSummary, responses: { 200: { description: 'attempts, oldest first' }, ...ofYours } }, (ctx) => listWebhookDeliveries(api, ctx));
}
