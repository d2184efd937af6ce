// Batches and jobs: create (inline or saved agent), list, progress detail, paginated jobs, one job with
// its script and expiring links, local-file links, and the webhook delivery log.
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Request } from 'express';
import { z } from 'zod';
import { getAgent } from '../db/agents';
import { listAttempts } from '../db/attempts';
import { getJobForUser, languageCounts, listBatches, listJobs } from '../db/batch-queries';
import { createBatch, getBatch, setBatchStatus } from '../db/batches';
import { cancelUnstarted } from '../db/jobs';
import type { AgentSnapshot, Batch, Job } from '../db/schema';
import { batchQuotaWait } from '../db/quota-waits';
import { batchCheckCounts } from '../db/script-checks';
import { listDeliveries } from '../db/webhooks';
import { DESTINATION_REFUSED } from '../domain/destinations';
import { sealWebhook } from './webhook-secrets';
import { pipeToResponse } from './stream-release';
import { judgeEstimate } from '../domain/estimates';
import { loadConfig } from '../domain/config';
import { countJobs, planJobs } from '../domain/plan';
import { MAX_WINDOW, pauseSignal, resumeSignal, retryFailedSignal, setConcurrencyUpdate, type BatchWorkflowInput } from '../workflows/definitions';
import { batchSearchAttributes, startBatchWorkflow, workflowInput } from './batch-starter';
import { ApiError, ApiErrorCode } from './errors';
import { route, type Api, type AuthUser } from './http';
import { contentTypeOf } from '../domain/content-types';
import type { LinkSigner } from './links';
import { jobQualityView } from './quality-view';
import { checkLaunchLimits } from './user-limit-routes';
import { AgentInputSchema, BatchListQuery, ConcurrencySchema, CreateBatchSchema, EmptyBody, FileQuery, IdParam, JobListQuery } from './schemas';

/** Batches with more jobs than this get their job rows written by their workflow, not on the request. */
const DEFER_JOB_ROWS_ABOVE = 2000;

const TERMINAL = new Set(['completed', 'cancelled', 'failed', 'budget_exhausted']);

/** The JSON view of a batch (list entries and the head of the detail view). */
export function batchView(b: Batch) {
  return {
    id: b.id,
    userId: b.user_id,
    status: b.status,
    mode: b.mode,
    masterLanguage: b.master_language,
    variations: b.variations,
    titles: b.titles.length,
    languages: b.languages,
    counts: { total: b.total_jobs, queued: b.queued, running: b.running, completed: b.completed, failed: b.failed, cancelled: b.cancelled },
    priority: b.options.priority,
    agent: { name: b.options.agent.name, ...(b.options.agentRef ? { id: b.options.agentRef.id, version: b.options.agentRef.version } : {}) },
    webhook: b.options.webhook ? { url: b.options.webhook.url } : null,
    budgetUsd: b.options.budgetUsd ?? null,
    workflowId: b.workflow_id,
    createdAt: b.created_at,
    finishedAt: b.finished_at,
  };
}

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

const money = (n: number) => Math.round(n * 1e6) / 1e6;

/** Spend so far against the launch estimate and the cap. */
export function costView(b: Pick<Batch, 'estimate' | 'spent_usd' | 'options'>) {
  return {
    currency: 'USD' as const,
    estimateUsd: b.estimate ? money(b.estimate.cost.totalUsd) : null,
    spentUsd: money(b.spent_usd),
    budgetUsd: b.options.budgetUsd ?? null,
  };
}

/** The launch estimate in brief and, once the batch has ended, the real figures beside it. */
export function estimateView(b: Pick<Batch, 'estimate' | 'actuals'>) {
  if (!b.estimate) return null;
  const e = b.estimate;
  return {
    jobs: e.counts.jobs,
    masters: e.counts.masters,
    adaptations: e.counts.adaptations,
    ttsCharacters: e.providers.tts.characters,
    geminiTokens: { input: e.providers.gemini.inputTokens, output: e.providers.gemini.outputTokens },
    costUsd: { gemini: e.cost.geminiUsd, tts: e.cost.ttsUsd, total: e.cost.totalUsd },
    durationSeconds: e.duration.seconds,
    bottleneck: e.duration.bottleneck,
    actual: b.actuals ?? null,
    comparison: b.actuals ? judgeEstimate(e, b.actuals) : null,
  };
}

/** Progress numbers shared by the detail view and the event stream. */
export function progressOf(
  b: Pick<Batch, 'status' | 'total_jobs' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'created_at'>,
  now = Date.now(),
) {
  const done = b.completed + b.failed + b.cancelled;
  const percent = b.total_jobs === 0 ? 100 : Math.round((done / b.total_jobs) * 1000) / 10;
  const elapsedS = Math.max(0.001, (now - new Date(b.created_at).getTime()) / 1000);
  const perMinute = (done / elapsedS) * 60;
  const remaining = b.total_jobs - done;
  const etaSeconds = TERMINAL.has(b.status) ? 0 : done > 0 && b.status === 'running' ? Math.round((remaining / perMinute) * 60) : null;
  return {
    done,
    percent,
    jobsPerMinute: Math.round(perMinute * 10) / 10,
    etaSeconds,
    estimatedFinishAt: etaSeconds === null ? null : new Date(now + etaSeconds * 1000),
  };
}

/** The JSON view of a job in lists. */
export function jobSummary(j: Job) {
  return {
    id: j.id,
    batchId: j.batch_id,
    seq: j.seq,
    title: j.title,
    language: j.language,
    voice: j.voice,
    variation: j.variation,
    status: j.status,
    stage: j.stage,
    attempts: j.attempts,
    audioDurationMs: j.audio_duration_ms,
    error: j.error_code ? { stage: j.error_stage, code: j.error_code, message: j.error_message } : null,
    note: j.note ?? null,
    // What the narration was billed: characters, or for Gemini-TTS the model and its tokens.
    tts: j.tts_cost_usd === null ? null : { characters: j.tts_characters, costUsd: j.tts_cost_usd, ...(j.tts_model ? { model: j.tts_model, inputTokens: j.tts_input_tokens, outputTokens: j.tts_output_tokens } : {}) },
    startedAt: j.started_at,
    finishedAt: j.finished_at,
  };
}

/** scheme://host the request came to, for links the API serves itself. */
export const apiBase = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

const BatchView = z.object({ id: z.string(), status: z.string(), mode: z.string(), counts: z.record(z.string(), z.number()) }).passthrough();
const JobView = z.object({ id: z.string(), seq: z.number(), status: z.string(), language: z.string() }).passthrough();
const noBatch = () => new ApiError(404, ApiErrorCode.notFound, 'no such batch');

/** The batch as the caller may see it: their own, or anyone's for an admin (members get 404 on others'). */
const batchFor = (db: Api['deps']['db'], id: string, user: AuthUser) => getBatch(db, id, user.role === 'admin' ? undefined : user.id);

/** The answer of a control: what was asked, and the batch as it is now (the workflow applies it moments later). */
const controlAnswer = (action: string, b: Batch, extra: Record<string, unknown> = {}) => ({ action, accepted: true, ...extra, batch: batchView(b) });

const live = (b: Batch) => b.status === 'running' || b.status === 'paused';

const notRunning = (b: Batch, action: string) => new ApiError(409, ApiErrorCode.conflict, `the batch is ${b.status}; it cannot ${action}`);

export function batchRoutes(api: Api, links: LinkSigner): void {
  const { db, temporal, storage } = api.deps;
  const maxJobs = api.deps.maxJobsPerBatch ?? loadConfig().maxJobsPerBatch;
  const starter = { db, temporal, taskQueue: api.deps.taskQueue, log: api.deps.log };

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
    async ({ req, res, body: input, user }) => {
      const timing = new ServerTiming();
      const idempotencyKey = req.get('Idempotency-Key') ?? undefined;
      if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
        throw new ApiError(400, ApiErrorCode.validation, 'Idempotency-Key must be 1–200 visible ASCII characters');
      }
      // Bounded before anything is planned or written.
      const jobCount = countJobs(input);
      if (jobCount > maxJobs) {
        throw new ApiError(400, ApiErrorCode.validation, 'the request is invalid', [
          { path: 'titles', message: `the batch would have ${jobCount} jobs (titles × languages × variations); at most ${maxJobs} are allowed per batch` },
        ]);
      }
      // A repeat of an earlier request is answered before the limits, which that batch already counts against.
      const earlier = idempotencyKey
        ? await db.selectFrom('batches').selectAll().where('user_id', '=', user.id).where('idempotency_key', '=', idempotencyKey).executeTakeFirst()
        : undefined;
      if (earlier) {
        if (earlier.status === 'pending_start') await startBatchWorkflow(starter, earlier);
        res.status(200).json({ batch: batchView((await getBatch(db, earlier.id)) ?? earlier) });
        return;
      }
      let agent: AgentSnapshot;
      let agentRef: { id: string; version: number } | undefined;
      let agentMasterLanguage: string | null = null;
      if (input.agentId) {
        const saved = await getAgent(db, user.id, input.agentId, input.agentVersion);
        if (!saved) {
          throw new ApiError(400, ApiErrorCode.validation, 'the request is invalid', [
            { path: input.agentVersion ? 'agentVersion' : 'agentId', message: input.agentVersion ? 'no such version of that agent' : 'no such agent' },
          ]);
        }
        agent = {
          name: saved.name,
          premisePrompt: saved.premisePrompt,
          structurePrompt: saved.structurePrompt,
          tone: saved.tone,
          targetMinutes: saved.targetMinutes,
          ...(saved.pronunciations.length > 0 ? { pronunciations: saved.pronunciations } : {}),
          ...(saved.loudness !== null ? { loudness: saved.loudness } : {}),
          ...(saved.voiceStyle ? { voiceStyle: saved.voiceStyle } : {}),
        };
        agentRef = { id: saved.id, version: saved.version };
        agentMasterLanguage = saved.masterLanguage;
      } else {
        agent = AgentInputSchema.parse(input.agent ?? {});
      }
      const masterLanguage = input.masterLanguage ?? agentMasterLanguage ?? input.languages[0]!.language;
      api.estimator.checkVoices(input.languages);
      // The early, clear refusal; delivery checks the address it connects to again.
      if (input.webhook && !(await api.webhookGuard.check(input.webhook.url))) {
        throw new ApiError(400, ApiErrorCode.validation, 'the request is invalid', [{ path: 'webhook.url', message: DESTINATION_REFUSED }]);
      }
      timing.mark('check');
      const jobs = planJobs({ mode: input.mode, titles: input.titles, languages: input.languages, variations: input.variations, masterLanguage });
      // The estimate the batch will be judged against; a batch still starts when none can be made (a model without a price).
      timing.mark('plan');
      const estimate = await api.estimator
        .estimate({ mode: input.mode, titles: input.titles, languages: input.languages, variations: input.variations, masterLanguage, agent, userId: user.id })
        .catch((err: unknown) => {
          api.deps.log(`no estimate for a new batch: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
      timing.mark('estimate');
      const limits = await checkLaunchLimits(db, user.id, { jobs: jobs.length, estimateUsd: estimate?.cost.totalUsd });
      const budgetUsd = input.budgetUsd ?? limits.defaultBudgetUsd ?? undefined;
      timing.mark('limits');
      const { batch, created } = await createBatch(db, {
        userId: user.id,
        mode: input.mode,
        titles: input.titles,
        languages: input.languages,
        variations: input.variations,
        masterLanguage,
        options: {
          agent,
          ...(agentRef ? { agentRef } : {}),
          audioEncoding: input.audio.encoding,
          speakingRate: input.audio.speakingRate,
          pitch: input.audio.pitch,
          ...(input.audio.loudness !== undefined ? { loudness: input.audio.loudness } : {}),
          priority: input.priority,
          ...(budgetUsd !== undefined ? { budgetUsd } : {}),
          ...(input.webhook ? { webhook: await sealWebhook(api, user.id, input.webhook) } : {}),
        },
        idempotencyKey,
        estimate,
        jobs,
        status: 'pending_start',
        // Big batches are accepted at once; their workflow writes the job rows first thing.
        deferJobs: jobs.length > DEFER_JOB_ROWS_ABOVE,
      });
      // Never `running` without a workflow: the batch is marked running once its workflow has started; when
      // Temporal cannot be reached it stays `pending_start` and the reconciler starts it later.
      timing.mark('write');
      if (batch.status === 'pending_start') await startBatchWorkflow(starter, batch);
      timing.mark('start');
      res.set('Server-Timing', timing.header());
      res.status(created ? 201 : 200).json({ batch: batchView((await getBatch(db, batch.id)) ?? batch) });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/batches',
      tag: 'batches',
      summary: "The caller's batches, newest first, optionally in one status; admins may list everyone's (`all=true`) or one user's (`userId`)",
      query: BatchListQuery,
      responses: {
        200: { description: 'a page of batches', schema: z.object({ batches: z.array(BatchView), page: z.number(), pageSize: z.number(), total: z.number() }) },
        403: { description: '`all` or `userId` from a member' },
      },
    },
    async ({ res, query, user }) => {
      const others = query.all === 'true' || (query.userId !== undefined && query.userId !== user.id);
      if (others && user.role !== 'admin') throw new ApiError(403, ApiErrorCode.forbidden, "only admins may list other users' batches");
      const owner = query.all === 'true' ? undefined : (query.userId ?? user.id);
      const { items, total } = await listBatches(db, owner, { status: query.status, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      res.json({ batches: items.map((b) => ({ ...batchView(b), cost: costView(b) })), page: query.page, pageSize: query.pageSize, total });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id',
      tag: 'batches',
      summary: 'One batch: counts per status, per-language progress, rate and ETA, cost and cache figures',
      params: IdParam,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'the batch', schema: z.object({ batch: BatchView }) }, 404: { description: 'no such batch of yours' } },
    },
    async ({ res, params, user }) => {
      const batch = await batchFor(db, params.id, user);
      if (!batch) throw noBatch();
      const byLanguage = new Map<string, Record<string, number>>();
      for (const { language, status, n } of await languageCounts(db, batch.id)) {
        const row = byLanguage.get(language) ?? { total: 0, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
        row[status] = n;
        row.total! += n;
        byLanguage.set(language, row);
      }
      const languages = [...byLanguage.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([language, c]) => ({ language, ...c, percent: c.total ? Math.round(((c.completed! + c.failed! + c.cancelled!) / c.total) * 1000) / 10 : 100 }));
      res.json({
        batch: {
          ...batchView(batch),
          progress: progressOf(batch),
          languageProgress: languages,
          cost: costView(batch),
          estimate: estimateView(batch),
          cacheHits: batch.cache_hits,
          scriptCheck: await batchCheckCounts(db, batch.id),
          // A user limit holding the next job back (jobs wait, they do not fail), while the batch is live.
          waitingFor: live(batch) ? batch.waiting_for : null,
          waitingForQuota: await batchQuotaWait(db, batch.id),
        },
      });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/jobs',
      tag: 'batches',
      summary: "A page of the batch's jobs by sequence (25 by default), filterable by status and language",
      params: IdParam,
      query: JobListQuery,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'a page of jobs', schema: z.object({ jobs: z.array(JobView), page: z.number(), pageSize: z.number(), total: z.number() }) }, 404: { description: 'no such batch of yours' } },
    },
    async ({ res, params, query, user }) => {
      const batch = await batchFor(db, params.id, user);
      if (!batch) throw noBatch();
      const { items, total } = await listJobs(db, batch.id, { status: query.status, language: query.language, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      res.json({ jobs: items.map(jobSummary), page: query.page, pageSize: query.pageSize, total });
    },
  );

  /** Declares one control route; `act` runs with the caller's batch, already checked to exist. */
  const control = (action: string, summary: string, act: (b: Batch, body: unknown) => Promise<Record<string, unknown> | void>, body: z.ZodType = EmptyBody) =>
    route(
      api,
      {
        method: 'post',
        path: `/api/batches/:id/${action}`,
        tag: 'batch controls',
        summary,
        params: IdParam,
        body,
        notFoundMessage: 'no such batch',
        responses: { 202: { description: 'accepted; the batch shows the effect within moments' }, 404: { description: 'no such batch of yours' }, 409: { description: 'the batch is not in a state that allows this (`conflict`)' } },
      },
      async ({ res, params, body: input, user }) => {
        const batch = await batchFor(db, params.id, user);
        if (!batch) throw noBatch();
        try {
          const extra = (await act(batch, input)) ?? {};
          res.status(202).json(controlAnswer(action, (await getBatch(db, batch.id)) ?? batch, extra));
        } catch (err) {
          // The workflow closed between our read and the call: the batch is finished.
          if (err instanceof WorkflowNotFoundError) throw notRunning((await getBatch(db, batch.id)) ?? batch, action);
          throw err;
        }
      },
    );

  const handle = (b: Batch) => temporal.workflow.getHandle(b.workflow_id);

  control('pause', 'Pause: start no new jobs; running ones finish', async (b) => {
    if (!live(b)) throw notRunning(b, 'pause');
    await handle(b).signal(pauseSignal);
  });
  control('resume', 'Resume a paused batch', async (b) => {
    if (!live(b)) throw notRunning(b, 'resume');
    await handle(b).signal(resumeSignal);
  });
  control('cancel', 'Cancel: running jobs are cancelled, queued ones never start (Temporal workflow cancellation)', async (b) => {
    if (b.status === 'pending_start') {
      // No workflow yet: close the books here; the starter cancels a workflow that starts meanwhile.
      await cancelUnstarted(db, b.id);
      await handle(b).cancel().catch(() => undefined);
      return;
    }
    if (!live(b)) throw notRunning(b, 'be cancelled');
    await handle(b).cancel();
  });
  control('retry-failed', 'Run every failed job again as a new attempt; a finished batch runs again for them', async (b) => {
    if (b.failed === 0) throw new ApiError(409, ApiErrorCode.conflict, 'the batch has no failed jobs');
    if (live(b)) {
      await handle(b).signal(retryFailedSignal);
      return { failed: b.failed };
    }
    // A finished batch: its workflow has closed, or is closing right after writing the final status. Let it
    // close first (a signal to a run that is returning would be lost), then start it again with the retry asked for.
    const closing = handle(b).result().catch(() => undefined);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await setBatchStatus(db, b.id, 'running');
    await temporal.workflow.signalWithStart<(input: BatchWorkflowInput) => Promise<unknown>, []>('batchWorkflow', {
      workflowId: b.workflow_id,
      taskQueue: api.deps.taskQueue,
      args: [workflowInput(b)],
      signal: retryFailedSignal,
      signalArgs: [],
      typedSearchAttributes: batchSearchAttributes(b),
    });
    return { failed: b.failed };
  });
  control(
    'concurrency',
    `Set how many of the batch's jobs run at once (1–${MAX_WINDOW})`,
    async (b, input) => {
      if (!live(b)) throw notRunning(b, 'change its concurrency');
      const { window } = input as z.infer<typeof ConcurrencySchema>;
      const result = await handle(b).executeUpdate(setConcurrencyUpdate, { args: [window] });
      return { window: result.window };
    },
    ConcurrencySchema,
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/webhooks',
      tag: 'batches',
      summary: "The batch's webhook delivery log, one entry per attempt",
      params: IdParam,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'attempts, oldest first' }, 404: { description: 'no such batch of yours' } },
    },
    async ({ res, params, user }) => {
      const batch = await batchFor(db, params.id, user);
      if (!batch) throw noBatch();
      const rows = await listDeliveries(db, batch.id);
      res.json({
        deliveries: rows.map((d) => ({
          deliveryId: d.delivery_id,
          event: d.event,
          url: d.url,
          attempt: d.attempt,
          ok: d.ok,
          statusCode: d.status_code,
          error: d.error,
          durationMs: d.duration_ms,
          at: d.created_at,
        })),
      });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/jobs/:id',
      tag: 'jobs',
      summary: 'One job: script text, expiring audio, script and subtitle links, timings, attempts (with the log of finished ones), error',
      params: IdParam,
      notFoundMessage: 'no such job',
      responses: { 200: { description: 'the job', schema: z.object({ job: JobView }) }, 404: { description: 'no such job of yours' } },
    },
    async ({ req, res, params, user }) => {
      const found = await getJobForUser(db, params.id, user.id);
      if (!found) throw new ApiError(404, ApiErrorCode.notFound, 'no such job');
      const { job } = found;
      const base = apiBase(req);
      const folder = job.script_key ?? job.audio_key;
      const subtitleKeys = folder ? (await storage.list(`${path.posix.dirname(folder)}/`)).filter((k) => /\.(srt|vtt)$/i.test(k)) : [];
      const script = job.script_key ? { text: (await storage.get(job.script_key)).toString('utf8'), ...(await links.link(job.script_key, base)) } : null;
      const audio = job.audio_key ? { bytes: job.audio_bytes, durationMs: job.audio_duration_ms, contentType: contentTypeOf(job.audio_key), ...(await links.link(job.audio_key, base)) } : null;
      const subtitles = await Promise.all(subtitleKeys.map(async (k) => ({ format: path.extname(k).slice(1).toLowerCase(), ...(await links.link(k, base)) })));
      res.json({
        job: {
          ...jobSummary(job),
          ...(await jobQualityView(db, job)),
          script,
          audio,
          subtitles,
          attemptLog: (await listAttempts(db, job.id)).map((a) => ({
            attempt: a.attempt,
            status: a.status,
            error: a.error_code ? { stage: a.error_stage, code: a.error_code, message: a.error_message } : null,
            startedAt: a.started_at,
            finishedAt: a.finished_at,
          })),
          timings: {
            createdAt: job.created_at,
            startedAt: job.started_at,
            finishedAt: job.finished_at,
            runMs: job.started_at && job.finished_at ? job.finished_at.getTime() - job.started_at.getTime() : null,
          },
        },
      });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/files',
      tag: 'jobs',
      auth: false,
      summary: 'An output from the local folder, through an expiring signed link (as given by GET /api/jobs/:id)',
      query: FileQuery,
      responses: { 200: { description: 'the file', contentType: 'application/octet-stream' }, 403: { description: 'the link is forged or expired (`link_invalid`)' }, 404: { description: 'no such file' } },
    },
    async ({ res, query }) => {
      if (!links.verify(query.key, Number(query.expires), query.signature)) throw new ApiError(403, ApiErrorCode.linkInvalid, 'the link is invalid or has expired');
      const size = await storage.size(query.key).catch(() => undefined);
      if (size === undefined) throw new ApiError(404, ApiErrorCode.notFound, 'no such file');
      res.set({ 'Content-Type': contentTypeOf(query.key), 'Content-Length': String(size), 'Cache-Control': 'private, max-age=60' });
      res.attachment(path.posix.basename(query.key));
      pipeToResponse(await storage.stream(query.key), res, api.deps.log, 'file stream');
    },
  );
}
