// The `batches` table: one row per batch, its options, counters per job status, spend and estimate.
import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely';
import type { BatchActualFigures, BatchEstimate } from '../../domain/estimates';
import type { LoudnessTarget } from '../../domain/loudness';
import type { AgentSnapshot } from '../../domain/prompts';
import type { BatchStatus } from '../../domain/statuses';
import type { CreatedAt, NullableJson, UpdatedAt } from './columns';

export type { AgentSnapshot };

/** Options a batch runs with, kept as one document. */
export interface BatchOptions {
  agent: AgentSnapshot;
  audioEncoding: 'MP3' | 'OGG_OPUS' | 'LINEAR16';
  speakingRate?: number;
  pitch?: number;
  priority: 'low' | 'normal' | 'high';
  /** The saved agent and version the snapshot in `agent` was taken from, when the batch named one. */
  agentRef?: { id: string; version: number };
  /** Spending cap in USD, when the user set one. */
  budgetUsd?: number;
  /**
   * Completion webhook; the secret signs deliveries and is never returned by the API. It is stored
   * sealed (`sealedSecret`, base64, to the public key `keyId` derived from the master key); batches made
   * before that keep a plain `secret`.
   */
  webhook?: { url: string; secret?: string; sealedSecret?: string; keyId?: string };
  /** Loudness every narration is normalised to; overrides the agent's. @default the agent's, else -16 */
  loudness?: LoudnessTarget;
}

/** A user limit that holds a batch's next job back, as GET /api/batches/:id shows it. */
export interface WaitingFor {
  reason: 'user_running_jobs_limit' | 'user_jobs_per_day_limit' | 'user_spend_per_day_limit';
  limit: number;
  used: number;
  /** When the limit is expected to allow more (the next UTC day), when known. */
  until: string | null;
  since: string;
}

export interface BatchTable {
  id: string;
  user_id: string;
  mode: string;
  status: BatchStatus;
  titles: JSONColumnType<string[]>;
  languages: JSONColumnType<Array<{ language: string; voice: string }>>;
  variations: number;
  master_language: string;
  options: JSONColumnType<BatchOptions>;
  total_jobs: number;
  queued: Generated<number>;
  running: Generated<number>;
  completed: Generated<number>;
  failed: Generated<number>;
  cancelled: Generated<number>;
  workflow_id: string;
  idempotency_key: string | null;
  /** Work served from the content-addressed cache instead of a paid call. */
  cache_hits: Generated<number>;
  /** Why the batch ended as it did, when that needs saying (for example the budget cap). */
  status_message: ColumnType<string | null, string | null | undefined, string | null>;
  /** The estimate taken when the batch was created (null when it could not be made). */
  estimate: NullableJson<BatchEstimate>;
  /** USD spent on paid calls so far: each Gemini script and each synthesis adds its cost once. */
  spent_usd: Generated<number>;
  /** What the batch really used, written when it ends, to set beside `estimate`. */
  actuals: NullableJson<BatchActualFigures>;
  /** Why the batch's next job is not starting now (a user limit), while that lasts. */
  waiting_for: NullableJson<WaitingFor>;
  /** Attempts granted to the batch workflow by its allowance, and attempts that started (see user limits). */
  granted_attempts: Generated<number>;
  started_attempts: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  finished_at: Date | null;
}

export type Batch = Selectable<BatchTable>;
export type NewBatch = Insertable<BatchTable>;
export type BatchUpdate = Updateable<BatchTable>;
