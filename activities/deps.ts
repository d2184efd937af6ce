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
import { getBatch, type BatchSettings } from '../db/batches';
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

/** The batch with its counters made whole (its shards added up); a job's activities read only {@link mustGetJobAndBatch}. */
export async function mustGetBatch(db: Kysely<Database>, batchId: string) {
  const batch = await getBatch(db, batchId);
  if (!batch) throw new Error(`batch ${batchId} does not exist`);
  return batch;
}

/** What a job's own activities read of its batch: settings fixed when the batch was created. */
export type JobBatch = Pick<BatchSettings, 'id' | 'master_language' | 'options'>;

/** The master script a job's language is adapted from, as its adaptation reads it. */
export interface MasterText {
  title: string;
  blocks: string[];
}

/**
 * A job's row, its batch's {@link JobBatch} and its master script's text (undefined until written), in one query
 * (a read of each before).
 */
export async function mustGetJobAndBatch(db: Kysely<Database>, jobId: string): Promise<{ job: Job; batch: JobBatch; master?: MasterText }> {
  const row = await db
    .selectFrom('jobs')
    .innerJoin('batches', 'batches.id', 'jobs.batch_id')
    .leftJoin('scripts as master', (j) =>
      j
        .onRef('master.batch_id', '=', 'jobs.batch_id')
        .onRef('master.title_index', '=', 'jobs.title_index')
        .onRef('master.variation', '=', 'jobs.variation')
        .onRef('master.language', '=', 'batches.master_language'),
    )
    .selectAll('jobs')
    .select(['batches.master_language as batch_master_language', 'batches.options as batch_options', 'master.title as master_title', 'master.blocks as master_blocks'])
    .where('jobs.id', '=', jobId)
    .executeTakeFirst();
  if (!row) throw new Error(`job ${jobId} does not exist`);
  const { batch_master_language, batch_options, master_title, master_blocks, ...job } = row;
  const master = master_title !== null && master_blocks !== null ? { title: master_title, blocks: master_blocks } : undefined;
  return { job, batch: { id: job.batch_id, master_language: batch_master_language, options: batch_options }, master };
}
