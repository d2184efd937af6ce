// Activities: every side effect of a job (Gemini, TTS, storage, Postgres), built from injected dependencies.
import { heartbeat } from '@temporalio/activity';
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { Kysely } from 'kysely';
import type { DestinationGuard } from '../adapters/webhook-net';
import type { MasterKey } from '../domain/crypto';
import type { GeminiScriptWriter } from '../adapters/gemini';
import type { KeyedProvider, KeyProbeResult } from '../adapters/key-pool';
import type { BoltMetrics } from '../adapters/metrics';
import type { ObjectStorage } from '../adapters/storage';
import { countTtsRequests, synthesizeNarration, type NarrationRequest } from '../adapters/tts';
import { getBatch, setBatchStatus } from '../db/batches';
import { batchActuals } from '../db/estimates';
import { getJob, pageJobs, recordTtsSpend, transitionJob, updateJob } from '../db/jobs';
import type { Database, Job, JobStatus } from '../db/schema';
import { contentKey, countCacheHit, findScript } from '../db/scripts';
import { FAMILY_CAPABILITIES, familyOf, shippedCatalog, type PriceTable } from '../domain/catalog';
import { Stage } from '../domain/errors';
import { geminiVoice } from '../domain/gemini-tts';
import { previewKey, previewText } from '../domain/preview';
import { adaptationPrompt, masterPrompt } from '../domain/prompts';
import { withStage } from './failures';
import { narrateOnce } from './narration';
import { writeCheckedScript } from './script-check';
import { copyNarrationQuality, narrationQuality, qualityKey, recordNarrationQuality } from './narration-quality';
import { jobPrefix } from './outputs';
import { onceForScript, storeWhenPostgresIsBack } from './paid-once';

/** What the activities need; tests pass real infrastructure and simulator-backed clients. */
export interface ActivityDeps {
  db: Kysely<Database>;
  storage: ObjectStorage;
  /** Gemini calls, each on a key leased from the pool (activities never see key material). */
  gemini: KeyedProvider<GeminiScriptWriter>;
  /** TTS calls, each on a key leased from the pool. */
  tts: KeyedProvider<TextToSpeechClient>;
  /** Gemini model in use: part of the content address of cached scripts. */
  geminiModel?: string;
  /** Prices that turn tokens and characters into the batch's spend. @default the shipped price file */
  prices?: PriceTable;
  /** Counts finished jobs, spend and cache hits for /metrics. */
  metrics?: BoltMetrics;
  /** Where completion webhooks may connect. @default public addresses only */
  webhookGuard?: DestinationGuard;
  /** Master keys that open sealed webhook secrets. */
  masterKeys?: MasterKey[];
}

/** Runs a key test through the provider's pool. */
function probeKey(provider: KeyedProvider<unknown>, keyId: string): Promise<KeyProbeResult> {
  if (!provider.probe) throw new Error('this worker cannot test keys');
  return provider.probe(keyId);
}

async function mustGetJob(db: Kysely<Database>, jobId: string): Promise<Job> {
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`job ${jobId} does not exist`);
  return job;
}

async function mustGetBatch(db: Kysely<Database>, batchId: string) {
  const batch = await getBatch(db, batchId);
  if (!batch) throw new Error(`batch ${batchId} does not exist`);
  return batch;
}

/** Activities that touch only Postgres and storage; they run on the main task queue. */
export function createBookkeepingActivities({ db, storage, metrics }: Pick<ActivityDeps, 'db' | 'storage' | 'metrics'>) {
  return {
    /** Next jobs to start, by seq; only ids travel through history. */
    async nextJobs(input: { batchId: string; afterSeq: number; limit: number; statuses?: JobStatus[] }) {
      return withStage(Stage.bookkeeping, async () => {
        const rows = await pageJobs(db, input.batchId, input.statuses ?? ['queued'], input.afterSeq, input.limit);
        return rows.map((r) => ({ jobId: r.id, seq: r.seq, usesMasterDirectly: r.uses_master_directly, language: r.language }));
      });
    },

    async startJob(input: { jobId: string }): Promise<void> {
      await withStage(Stage.bookkeeping, () =>
        transitionJob(db, input.jobId, 'running', { started_at: new Date(), error_code: null, error_message: null, error_stage: null }, { countAttempt: true }),
      );
    },

    /** Writes the job's script text to storage next to its audio. */
    async storeScript(input: { jobId: string }): Promise<{ scriptKey: string }> {
      return withStage(Stage.storage, async () => {
        const job = await mustGetJob(db, input.jobId);
        const batch = await mustGetBatch(db, job.batch_id);
        const script = await findScript(db, { batchId: job.batch_id, titleIndex: job.title_index, variation: job.variation, language: job.language });
        if (!script) throw new Error(`no script for job ${job.id} in ${job.language}`);
        const key = `${jobPrefix({ batchId: batch.id, language: job.language, titleIndex: job.title_index, variation: job.variation, title: job.title })}script.txt`;
        await storage.put(key, `${script.title}\n\n${script.blocks.join('\n\n')}\n`, 'text/plain; charset=utf-8');
        await updateJob(db, job.id, { script_key: key });
        return { scriptKey: key };
      });
    },

    async completeJob(input: { jobId: string }): Promise<void> {
      const moved = await withStage(Stage.bookkeeping, () => transitionJob(db, input.jobId, 'completed', { finished_at: new Date(), stage: null }));
      // Counted when the job moved, so a retried activity does not count it twice.
      if (moved) metrics?.jobsCompleted.inc();
    },

    async failJob(input: { jobId: string; stage: string; code: string; message: string }): Promise<void> {
      const moved = await withStage(Stage.bookkeeping, () =>
        transitionJob(db, input.jobId, 'failed', {
          finished_at: new Date(),
          error_stage: input.stage,
          error_code: input.code,
          error_message: input.message.slice(0, 2000),
        }),
      );
      if (moved) metrics?.jobsFailed.inc({ code: input.code, stage: input.stage });
    },

    async cancelJob(input: { jobId: string }): Promise<void> {
      await withStage(Stage.bookkeeping, () => transitionJob(db, input.jobId, 'cancelled', { finished_at: new Date() }));
    },

    /** Marks the batch finished and returns its final counters. */
    async finishBatch(input: { batchId: string; status?: 'completed' | 'cancelled' | 'budget_exhausted' }) {
      return withStage(Stage.bookkeeping, async () => {
        const batch = await mustGetBatch(db, input.batchId);
        const status = input.status ?? (batch.status === 'cancelled' ? 'cancelled' : 'completed');
        // The real figures land with the final status, in one write; a retry rewrites the same figures.
        await setBatchStatus(db, input.batchId, status, await batchActuals(db, input.batchId, { endedAt: new Date() }));
        return { status, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled, total: batch.total_jobs };
      });
    },
  };
}

/** Gemini activities; they run on the Gemini task queue, whose rate limit protects the quota. */
export function createScriptActivities({ db, gemini, geminiModel = 'default', prices = shippedCatalog().prices, metrics }: Pick<ActivityDeps, 'db' | 'gemini' | 'geminiModel' | 'prices' | 'metrics'>) {
  return {
    /** An admin's test of one Gemini key (runs where Gemini keys are opened). */
    testGeminiKey: (input: { keyId: string }) => probeKey(gemini, input.keyId),

    /** Ensures the master script of the job's (title, variation) exists, writing it at most once. */
    async writeMasterScript(input: { jobId: string }): Promise<{ produced: boolean; cached: boolean }> {
      return withStage(Stage.master, async () => {
        const job = await mustGetJob(db, input.jobId);
        const batch = await mustGetBatch(db, job.batch_id);
        const identity = { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: batch.master_language };
        const { premisePrompt, structurePrompt, tone, targetMinutes } = batch.options.agent;
        const cacheKey = contentKey({ kind: 'master', title: job.title, variation: job.variation, language: batch.master_language, model: geminiModel, agent: { premisePrompt, structurePrompt, tone, targetMinutes } });
        const { produced, cached } = await onceForScript(
          db,
          identity,
          async () => {
            const prompt = masterPrompt(batch.options.agent, job.title, batch.master_language, job.variation);
            // Checked before any speech is bought; a regeneration's tokens and cost add to this script's.
            const s = await writeCheckedScript({ db, gemini, prices, kind: 'master', identity, jobId: job.id, agent: batch.options.agent, prompt });
            metrics?.spendUsd.inc({ provider: 'gemini' }, s.costUsd);
            return { kind: 'master', title: s.title, blocks: JSON.stringify(s.blocks), model: s.model, input_tokens: s.inputTokens, output_tokens: s.outputTokens, cost_usd: s.costUsd };
          },
          cacheKey,
        );
        if (cached) metrics?.cacheHits.inc({ kind: 'script' });
        return { produced, cached };
      });
    },

    /** Ensures the job's language has its adaptation of the master script. */
    async adaptScript(input: { jobId: string }): Promise<{ produced: boolean; cached: boolean }> {
      return withStage(Stage.adaptation, async () => {
        const job = await mustGetJob(db, input.jobId);
        const batch = await mustGetBatch(db, job.batch_id);
        const master = await findScript(db, { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: batch.master_language });
        if (!master) throw new Error(`master script missing for job ${job.id}`);
        const identity = { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: job.language };
        const { tone, targetMinutes } = batch.options.agent;
        const source = contentKey({ title: master.title, blocks: master.blocks });
        const cacheKey = contentKey({ kind: 'adaptation', source, language: job.language, model: geminiModel, agent: { tone, targetMinutes } });
        const { produced, cached } = await onceForScript(
          db,
          identity,
          async () => {
            const prompt = adaptationPrompt(batch.options.agent, master, job.language);
            const s = await writeCheckedScript({ db, gemini, prices, kind: 'adaptation', identity, jobId: job.id, agent: batch.options.agent, prompt });
            metrics?.spendUsd.inc({ provider: 'gemini' }, s.costUsd);
            return { kind: 'adaptation', title: s.title, blocks: JSON.stringify(s.blocks), model: s.model, input_tokens: s.inputTokens, output_tokens: s.outputTokens, cost_usd: s.costUsd };
          },
          cacheKey,
        );
        if (cached) metrics?.cacheHits.inc({ kind: 'script' });
        return { produced, cached };
      });
    },
  };
}

/** TTS activities; they run on the TTS task queue. */
export function createSpeechActivities({ db, storage, tts, prices = shippedCatalog().prices, metrics }: Pick<ActivityDeps, 'db' | 'storage' | 'tts' | 'prices' | 'metrics'>) {
  return {
    /** An admin's test of one TTS key (runs where TTS keys are opened). */
    testTtsKey: (input: { keyId: string }) => probeKey(tts, input.keyId),

    /**
     * Speaks the job's script and stores one audio file with its SRT and VTT subtitles beside it; a retry
     * after a stored upload calls nothing. Subtitles are written first, so stored audio implies subtitles.
     */
    async synthesizeSpeech(input: { jobId: string }): Promise<{ audioKey: string; durationMs: number; bytes: number; subtitleKeys: { srt: string; vtt: string } }> {
      return withStage(Stage.synthesis, async () => {
        const job = await mustGetJob(db, input.jobId);
        const batch = await mustGetBatch(db, job.batch_id);
        const prefix = jobPrefix({ batchId: batch.id, language: job.language, titleIndex: job.title_index, variation: job.variation, title: job.title });
        const subtitleKeys = { srt: `${prefix}subtitles.srt`, vtt: `${prefix}subtitles.vtt` };
        if (job.audio_key && job.audio_duration_ms !== null && job.audio_bytes !== null && (await storage.size(job.audio_key)) === job.audio_bytes) {
          return { audioKey: job.audio_key, durationMs: job.audio_duration_ms, bytes: job.audio_bytes, subtitleKeys };
        }
        const script = await findScript(db, { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: job.language });
        if (!script) throw new Error(`no script for job ${job.id} in ${job.language}`);
        heartbeat();
        const style = styleFor(job.voice, batch.options.agent.voiceStyle);
        if (style.note && job.note !== style.note) await updateJob(db, job.id, { note: style.note });
        const request: NarrationRequest = {
          text: script.blocks.join('\n\n'),
          language: job.language,
          voice: job.voice,
          encoding: batch.options.audioEncoding,
          speakingRate: batch.options.speakingRate,
          pitch: batch.options.pitch,
          ...(style.prompt ? { prompt: style.prompt } : {}),
          ...(prices.geminiTts ? { geminiTts: { limits: prices.geminiTts.limits, tokens: prices.geminiTts.tokens } } : {}),
          ...narrationQuality(batch.options),
        };
        // The style prompt changes the speech, so it is part of the narration's content address.
        const cacheKey = contentKey({
          text: request.text, voice: job.voice, language: job.language, encoding: request.encoding, speakingRate: request.speakingRate ?? null, pitch: request.pitch ?? null,
          ...(style.prompt ? { prompt: style.prompt } : {}),
          ...qualityKey(request),
        });
        const { narration, cached, assembled, copiedFrom } = await narrateOnce({ db, storage, tts, prices, metrics }, { jobId: job.id, batchId: batch.id, prefix, subtitleKeys }, request, cacheKey);
        await storeWhenPostgresIsBack(async () => {
          if (assembled) await recordNarrationQuality(db, job.id, assembled);
          if (copiedFrom) await copyNarrationQuality(db, job.id, copiedFrom);
        });
        if (cached) metrics?.cacheHits.inc({ kind: 'audio' });
        const key = narration.audioKey;
        await storeWhenPostgresIsBack(async () => {
          if (cached) await countCacheHit(db, batch.id);
          // Chunks this job bought are already in its figures; a job that bought none shows zero.
          await recordTtsSpend(db, { jobId: job.id, batchId: batch.id, characters: 0, usd: 0 });
          await updateJob(db, job.id, { audio_key: key, audio_bytes: narration.bytes, audio_duration_ms: narration.durationMs });
        });
        return { audioKey: key, durationMs: narration.durationMs, bytes: narration.bytes, subtitleKeys };
      });
    },

    /** Speaks a voice's short preview once and keeps it; a stored preview is returned without a call. */
    async synthesizeVoicePreview(input: { voice: string; language: string }): Promise<{ key: string; bytes: number }> {
      return withStage(Stage.synthesis, async () => {
        const text = previewText(input.language);
        const key = previewKey(input.voice, input.language);
        const size = await storage.size(key);
        if (size !== undefined) return { key, bytes: size };
        const request: NarrationRequest = { text, language: input.language, voice: input.voice, encoding: 'MP3' };
        const model = geminiVoice(input.voice)?.model;
        const narration = await tts.run({ stage: Stage.synthesis, cost: countTtsRequests(request), ...(model ? { model } : {}) }, (client) => synthesizeNarration(client, request));
        await withStage(Stage.storage, () => storage.put(key, narration.body, narration.contentType));
        return { key, bytes: narration.body.length };
      });
    },
  };
}

/**
 * The agent's style prompt as a voice takes it: sent (`input.prompt`) to families that take one, otherwise
 * left out with a note for the job, so a dropped style is never silent.
 */
export function styleFor(voice: string, voiceStyle: string | undefined): { prompt?: string; note?: string } {
  if (!voiceStyle) return {};
  const family = familyOf(voice);
  if (family && FAMILY_CAPABILITIES[family].prompt) return { prompt: voiceStyle };
  const label = family ? FAMILY_CAPABILITIES[family].label : 'this';
  return { note: `voiceStyle ignored: ${label} voices take no style prompt (only Gemini-TTS voices do)` };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;
export type ScriptActivities = ReturnType<typeof createScriptActivities>;
export type SpeechActivities = ReturnType<typeof createSpeechActivities>;
