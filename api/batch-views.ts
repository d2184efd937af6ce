// The JSON views of batches and jobs: database rows shaped into the API's answers (also the page's types).
import { z } from 'zod';
import type { listAttempts } from '../db/attempts';
import type { batchQuotaWait } from '../db/quota-waits';
import type { Batch, Job, WebhookDelivery } from '../db/schema';
import type { batchCheckCounts } from '../db/script-checks';
import { judgeEstimate } from '../domain/estimates';
import { isLive, languageProgress, progressOf } from '../domain/progress';

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

/** What the detail view adds to a batch's row, read by the route. */
export interface BatchDetailParts {
  languageCounts: Iterable<{ language: string; status: string; n: number }>;
  scriptCheck: Awaited<ReturnType<typeof batchCheckCounts>>;
  quotaWait: Awaited<ReturnType<typeof batchQuotaWait>>;
}

/** The JSON view of one batch: its row, with progress, per-language progress, cost, estimate and what it waits for. */
export function batchDetailView(batch: Batch, parts: BatchDetailParts) {
  return {
    ...batchView(batch),
    progress: progressOf(batch),
    languageProgress: languageProgress(parts.languageCounts),
    cost: costView(batch),
    estimate: estimateView(batch),
    cacheHits: batch.cache_hits,
    scriptCheck: parts.scriptCheck,
    // A user limit holding the next job back (jobs wait, they do not fail), while the batch is live.
    waitingFor: isLive(batch.status) ? batch.waiting_for : null,
    waitingForQuota: parts.quotaWait,
  };
}

/** The answer of a control: what was asked, and the batch as it is now (the workflow applies it moments later). */
export const controlAnswer = (action: string, b: Batch, extra: Record<string, unknown> = {}) => ({ action, accepted: true, ...extra, batch: batchView(b) });

/** A job's or attempt's error: the stage it failed in, its code and message; null when none. */
export const errorView = (r: Pick<Job, 'error_stage' | 'error_code' | 'error_message'>) => (r.error_code ? { stage: r.error_stage, code: r.error_code, message: r.error_message } : null);

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
    error: errorView(j),
    note: j.note ?? null,
    // What the narration was billed: characters, or for Gemini-TTS the model and its tokens.
    tts: j.tts_cost_usd === null ? null : { characters: j.tts_characters, costUsd: j.tts_cost_usd, ...(j.tts_model ? { model: j.tts_model, inputTokens: j.tts_input_tokens, outputTokens: j.tts_output_tokens } : {}) },
    startedAt: j.started_at,
    finishedAt: j.finished_at,
  };
}

/** One attempt of a job in its log. */
export const attemptView = (a: Awaited<ReturnType<typeof listAttempts>>[number]) => ({ attempt: a.attempt, status: a.status, error: errorView(a), startedAt: a.started_at, finishedAt: a.finished_at });

/** When a job was created, started and finished, and how long it ran. */
export const jobTimings = (job: Job) => ({
  createdAt: job.created_at,
  startedAt: job.started_at,
  finishedAt: job.finished_at,
  runMs: job.started_at && job.finished_at ? job.finished_at.getTime() - job.started_at.getTime() : null,
});

/** One attempt to deliver a batch's webhook. */
export const deliveryView = (d: WebhookDelivery) => ({
  deliveryId: d.delivery_id,
  event: d.event,
  url: d.url,
  attempt: d.attempt,
  ok: d.ok,
  statusCode: d.status_code,
  error: d.error,
  durationMs: d.duration_ms,
  at: d.created_at,
});

/** The documented shapes of a batch and a job (the OpenAPI document's schemas). */
export const BatchView = z.object({ id: z.string(), status: z.string(), mode: z.string(), counts: z.record(z.string(), z.number()) }).passthrough();
export const JobView = z.object({ id: z.string(), seq: z.number(), status: z.string(), language: z.string() }).passthrough();
