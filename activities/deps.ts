// What every task queue's activities are built from (ActivityDeps), and the look-ups they share.
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { Kysely } from 'kysely';
import type { DestinationGuard } from '../adapters/webhook-net';
import type { MasterKey } from '../domain/crypto';
import type { GeminiScriptWriter } from '../adapters/gemini';
import type { KeyedProvider, KeyProbeResult } from '../adapters/keyed-provider';
import type { BoltMetrics } from '../adapters/metrics';
import type { ObjectStorage } from '../adapters/storage';
import type { PriceTable } from '../domain/catalog';
import { getBatch, getBatchSettings } from '../db/batches';
import { getJob } from '../db/jobs';
import type { Database, Job } from '../db/schema';

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
export function probeKey(provider: KeyedProvider<unknown>, keyId: string): Promise<KeyProbeResult> {
  if (!provider.probe) throw new Error('this worker cannot test keys');
  return provider.probe(keyId);
}

export async function mustGetJob(db: Kysely<Database>, jobId: string): Promise<Job> {
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`job ${jobId} does not exist`);
  return job;
}

/** The batch with its counters made whole (its shards added up); a job's activities need only {@link mustGetBatchSettings}. */
export async function mustGetBatch(db: Kysely<Database>, batchId: string) {
  const batch = await getBatch(db, batchId);
  if (!batch) throw new Error(`batch ${batchId} does not exist`);
  return batch;
}

/** The batch's settings, without its counters (one query fewer than {@link mustGetBatch}). */
export async function mustGetBatchSettings(db: Kysely<Database>, batchId: string) {
  const batch = await getBatchSettings(db, batchId);
  if (!batch) throw new Error(`batch ${batchId} does not exist`);
  return batch;
}
