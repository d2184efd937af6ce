// A job's narration bought once, chunk by chunk: each TTS request's PCM is kept in storage as soon as it
// is bought, so a new key, a Temporal retry or a new worker resumes after the last chunk it has.
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { Kysely } from 'kysely';
import type { KeyedProvider } from '../adapters/keyed-provider';
import type { ObjectStorage } from '../adapters/storage';
import { assembleNarration, planNarration, synthesizeChunk, type ChunkAudio, type Narration, type NarrationRequest } from '../adapters/tts';
import type { SpeechRequest } from '../domain/chunking';
import { countAudioHit, findCachedAudio, storeCachedAudio, type CachedAudio } from '../db/audio-cache';
import type { Lease } from '../db/leases';
import { dropChunk, dropChunks, listChunks, storeChunk } from '../db/narration-chunks';
import type { Database } from '../db/schema';
import { pcmDurationMs } from '../domain/audio/pcm';
import { decodeWav, encodeWav } from '../domain/audio/wav';
import { contentTypeOf } from '../domain/content-types';
import type { PriceTable } from '../domain/catalog';
import type { BoltMetrics } from '../adapters/metrics';
import { billedRequestCharacters, ttsUsd } from '../domain/costs';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { audioTokens, DEFAULT_GEMINI_TTS_TOKENS, geminiTtsUsd, geminiVoice, textTokens } from '../domain/gemini-tts';
import { beat, storeWhenPostgresIsBack, withLease } from './paid-once';

export interface NarrationDeps {
  db: Kysely<Database>;
  storage: ObjectStorage;
  tts: KeyedProvider<TextToSpeechClient>;
  prices: PriceTable;
  /** Counts the spend of each chunk bought for /metrics. */
  metrics?: BoltMetrics;
}

/** Who a narration is for and where its files go. */
export interface NarrationTarget {
  jobId: string;
  batchId: string;
  /** Storage prefix of the job's outputs. */
  prefix: string;
  subtitleKeys: { srt: string; vtt: string };
}

/**
 * The job's narration: copied from the content-addressed cache when the same one exists (`cached: true`),
 * else bought under the lease on its content key, resuming from the chunks already bought.
 */
export async function narrateOnce(deps: NarrationDeps, target: NarrationTarget, request: NarrationRequest, cacheKey: string): Promise<{ narration: CachedAudio; cached: boolean; assembled?: Narration; copiedFrom?: string }> {
  const { db, storage } = deps;
  return withLease(db, `narration:${cacheKey}`, async (lease) => {
    const hit = await storeWhenPostgresIsBack(() => findCachedAudio(db, cacheKey));
    // This job's own narration, stored by an attempt that died before it could say so: nothing to copy.
    if (hit && hit.audioKey.startsWith(target.prefix) && (await storage.size(hit.audioKey)) === hit.bytes) return { narration: hit, cached: false };
    if (hit && (await storage.size(hit.audioKey)) === hit.bytes && (await storage.size(hit.srtKey)) !== undefined && (await storage.size(hit.vttKey)) !== undefined) {
      // The same narration exists (another job, any batch): copy it, pay nothing.
      const key = `${target.prefix}${hit.audioKey.slice(hit.audioKey.lastIndexOf('/') + 1)}`;
      await storage.put(target.subtitleKeys.srt, await storage.get(hit.srtKey), 'application/x-subrip; charset=utf-8');
      await storage.put(target.subtitleKeys.vtt, await storage.get(hit.vttKey), 'text/vtt; charset=utf-8');
      await storage.put(key, await storage.get(hit.audioKey), contentTypeOf(key));
      await storeWhenPostgresIsBack(() => countAudioHit(db, cacheKey));
      return { narration: { ...hit, audioKey: key, srtKey: target.subtitleKeys.srt, vttKey: target.subtitleKeys.vtt }, cached: true, copiedFrom: hit.audioKey };
    }
    const chunks = await buyChunks(deps, target, request, cacheKey, lease);
    const narration = await assembleNarration(request, planNarration(request), chunks);
    const key = `${target.prefix}audio.${narration.extension}`;
    // Subtitles first, so stored audio implies subtitles.
    await storage.put(target.subtitleKeys.srt, narration.subtitles.srt, 'application/x-subrip; charset=utf-8');
    await storage.put(target.subtitleKeys.vtt, narration.subtitles.vtt, 'text/vtt; charset=utf-8');
    await storage.put(key, narration.body, narration.contentType);
    const stored = { audioKey: key, srtKey: target.subtitleKeys.srt, vttKey: target.subtitleKeys.vtt, bytes: narration.body.length, durationMs: narration.durationMs };
    await storeWhenPostgresIsBack(() => storeCachedAudio(db, lease, cacheKey, stored));
    // Assembled and stored: the chunks have served. Left-overs (a failed delete) are harmless.
    const objects = await dropChunks(db, cacheKey).catch(() => [] as string[]);
    await Promise.all(objects.map((o) => storage.remove(o).catch(() => undefined)));
    return { narration: stored, cached: false, assembled: narration };
  });
}

/** What one chunk cost: Gemini-TTS by tokens (its text and the style prompt in, its audio out), other families by characters sent. */
function chunkCost(prices: PriceTable, request: NarrationRequest, part: SpeechRequest, audio: ChunkAudio): { usd: number; tokens?: { model: string; input: number; output: number } } {
  const gemini = geminiVoice(request.voice);
  if (!gemini) return { usd: ttsUsd(prices, request.voice, billedRequestCharacters(part.input)) };
  const rates = request.geminiTts?.tokens ?? DEFAULT_GEMINI_TTS_TOKENS;
  const text = part.units.map((u) => u.text).join('');
  const tokens = { model: gemini.model, input: textTokens(text, rates) + textTokens(request.prompt ?? '', rates), output: audioTokens(pcmDurationMs(audio.pcm), rates) };
  return { usd: geminiTtsUsd(prices.geminiTts, gemini.model, tokens.input, tokens.output), tokens };
}

/**
 * Every chunk of the narration in plan order: those already bought are read back from storage, the
 * others bought one request at a time, each kept (storage, then its row behind the fence) before the next.
 */
async function buyChunks(deps: NarrationDeps, target: NarrationTarget, request: NarrationRequest, cacheKey: string, lease: Lease): Promise<ChunkAudio[]> {
  const { db, storage, tts, prices } = deps;
  const plan = planNarration(request);
  if (plan.length === 0) throw new BoltError(ErrorCode.badRequest, 'the script has no text to speak', { stage: Stage.synthesis });
  const kept = await storeWhenPostgresIsBack(() => listChunks(db, cacheKey));
  const chunks: ChunkAudio[] = [];
  for (const [idx, part] of plan.entries()) {
    const have = kept.get(idx);
    if (have && (await storage.size(have.objectKey)) !== undefined) {
      chunks.push({ pcm: decodeWav(await storage.get(have.objectKey)), marks: new Map(Object.entries(have.marks)) });
      continue;
    }
    if (have) await storeWhenPostgresIsBack(() => dropChunk(db, cacheKey, idx)); // its object is gone: buy it again
    // One request per call: a quota answer moves only this chunk to another key.
    const model = geminiVoice(request.voice)?.model;
    const audio = await tts.run({ stage: Stage.synthesis, jobId: target.jobId, batchId: target.batchId, cost: 1, ...(model ? { model } : {}) }, (client) => synthesizeChunk(client, request, part));
    const objectKey = `narration-chunks/${cacheKey}/${lease.token}/${idx}.wav`;
    await storage.put(objectKey, encodeWav(audio.pcm), 'audio/wav');
    const characters = billedRequestCharacters(part.input);
    const chunk = { narrationKey: cacheKey, idx, objectKey, marks: Object.fromEntries(audio.marks), characters, ...chunkCost(prices, request, part, audio), jobId: target.jobId, batchId: target.batchId };
    await storeWhenPostgresIsBack(() => storeChunk(db, lease, chunk));
    deps.metrics?.spendUsd.inc({ provider: 'tts' }, chunk.usd);
    chunks.push(audio);
    beat({ done: idx + 1, total: plan.length });
  }
  return chunks;
}
