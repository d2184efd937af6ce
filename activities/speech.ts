// TTS activities (the TTS task queue): a job's narration with its subtitles, a voice's preview, a TTS key's test.
import { heartbeat } from '@temporalio/activity';
import { countTtsRequests, synthesizeNarration, type NarrationRequest } from '../adapters/tts';
import { recordNarrationStored, updateJob } from '../db/jobs';
import { contentKey, countCacheHit, findScript } from '../db/scripts';
import { FAMILY_CAPABILITIES, familyOf, shippedCatalog, type PriceTable } from '../domain/catalog';
import { Stage } from '../domain/errors';
import { geminiVoice } from '../domain/gemini-tts';
import { previewKey, previewText } from '../domain/preview';
import { completeJobRow, readJobRows, storeJobScript, type JobRows } from './bookkeeping';
import { mustGetJobAndBatch, probeKey, type ActivityDeps } from './deps';
import { withStage } from './failures';
import { narrateOnce } from './narration';
import { copyNarrationQuality, narrationQuality, narrationQualityColumns, qualityKey } from './narration-quality';
import { jobPrefix } from './outputs';
import { storeWhenPostgresIsBack } from './paid-once';

type SpeechDeps = Pick<ActivityDeps, 'db' | 'storage' | 'tts' | 'metrics'> & { prices: PriceTable };

/** A job's stored narration: the audio and the subtitles beside it. */
export interface SpokenJob {
  audioKey: string;
  durationMs: number;
  bytes: number;
  subtitleKeys: { srt: string; vtt: string };
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

/**
 * Speaks the job's script and stores one audio file with its SRT and VTT subtitles beside it; a retry
 * after a stored upload calls nothing. Subtitles are written first, so stored audio implies subtitles.
 */
async function speakJob(deps: SpeechDeps, jobId: string, rows?: JobRows): Promise<SpokenJob> {
  const { db, storage, prices, metrics } = deps;
  const { job, batch } = rows ?? (await mustGetJobAndBatch(db, jobId));
  const prefix = jobPrefix({ batchId: batch.id, language: job.language, titleIndex: job.title_index, variation: job.variation, title: job.title });
  const subtitleKeys = { srt: `${prefix}subtitles.srt`, vtt: `${prefix}subtitles.vtt` };
  if (job.audio_key && job.audio_duration_ms !== null && job.audio_bytes !== null && (await storage.size(job.audio_key)) === job.audio_bytes) {
    return { audioKey: job.audio_key, durationMs: job.audio_duration_ms, bytes: job.audio_bytes, subtitleKeys };
  }
  const script = rows ? rows.script : await findScript(db, { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: job.language });
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
  const { narration, cached, assembled, copiedFrom } = await narrateOnce(deps, { jobId: job.id, batchId: batch.id, prefix, subtitleKeys }, request, cacheKey);
  if (copiedFrom) await storeWhenPostgresIsBack(() => copyNarrationQuality(db, job.id, copiedFrom));
  if (cached) metrics?.cacheHits.inc({ kind: 'audio' });
  const key = narration.audioKey;
  await storeWhenPostgresIsBack(async () => {
    if (cached) await countCacheHit(db, batch.id);
    // Chunks this job bought are already in its figures; a job that bought none shows zero. The loudness and
    // pronunciation notes of a narration this job assembled go in the same statement as its audio.
    const quality = assembled ? narrationQualityColumns(assembled) : {};
    await recordNarrationStored(db, job.id, { audio_key: key, audio_bytes: narration.bytes, audio_duration_ms: narration.durationMs, ...quality });
  });
  return { audioKey: key, durationMs: narration.durationMs, bytes: narration.bytes, subtitleKeys };
}

/** The TTS task queue's activities. */
export function createSpeechActivities({ db, storage, tts, prices = shippedCatalog().prices, metrics }: Pick<ActivityDeps, 'db' | 'storage' | 'tts' | 'prices' | 'metrics'>) {
  const deps: SpeechDeps = { db, storage, tts, prices, metrics };
  return {
    /** An admin's test of one TTS key (runs where TTS keys are opened). */
    testTtsKey: (input: { keyId: string }) => probeKey(tts, input.keyId),

    /**
     * Speaks and stores the job's narration and subtitles (see {@link speakJob}). With `finish` (jobs started since
     * the `narration-finishes-job` patch), it first stores the script text and then completes the job: one
     * activity where there were three, so two fewer round trips through Temporal per job (each a workflow task
     * and an activity task, and on Temporal Cloud two billed actions). Each step is safe to repeat on a retry.
     */
    async synthesizeSpeech(input: { jobId: string; finish?: boolean }): Promise<SpokenJob> {
      if (!input.finish) return withStage(Stage.synthesis, () => speakJob(deps, input.jobId));
      // The job's rows are read once for storing the script and speaking it.
      const rows = await withStage(Stage.storage, () => readJobRows(db, input.jobId));
      await storeJobScript(deps, input.jobId, rows);
      const spoken = await withStage(Stage.synthesis, () => speakJob(deps, input.jobId, rows));
      await completeJobRow(deps, input.jobId);
      return spoken;
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

export type SpeechActivities = ReturnType<typeof createSpeechActivities>;
