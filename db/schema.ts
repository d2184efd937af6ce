// The Kysely view of the database: one interface per table, typed for selects, inserts and updates.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** jsonb column: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** Statuses of a batch. */
export const BatchStatus = {
  running: 'running',
  paused: 'paused',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
  budgetExhausted: 'budget_exhausted',
} as const;
export type BatchStatus = (typeof BatchStatus)[keyof typeof BatchStatus];

/** Statuses of a job; each has a counter column on its batch. */
export const JobStatus = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** A saved script template, as the batch captured it. */
export interface AgentSnapshot {
  name: string;
  premisePrompt: string;
  structurePrompt: string;
  tone: string;
  targetMinutes: number;
}

/** Options a batch runs with, kept as one document. */
export interface BatchOptions {
  agent: AgentSnapshot;
  audioEncoding: 'MP3' | 'LINEAR16';
  speakingRate?: number;
  pitch?: number;
  priority: 'low' | 'normal' | 'high';
}

export interface BatchTable {
  id: string;
  user_id: string;
  mode: string;
  status: BatchStatus;
  titles: Json<string[]>;
  languages: Json<Array<{ language: string; voice: string }>>;
  variations: number;
  master_language: string;
  options: Json<BatchOptions>;
  total_jobs: number;
  queued: Generated<number>;
  running: Generated<number>;
  completed: Generated<number>;
  failed: Generated<number>;
  cancelled: Generated<number>;
  workflow_id: string;
  idempotency_key: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  finished_at: Date | null;
}

export interface JobTable {
  id: string;
  batch_id: string;
  seq: number;
  title_index: number;
  title: string;
  language: string;
  voice: string;
  variation: number;
  uses_master_directly: boolean;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  stage: string | null;
  script_key: string | null;
  audio_key: string | null;
  audio_bytes: number | null;
  audio_duration_ms: number | null;
  error_stage: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A script written by Gemini: the master of a (title, variation), or its adaptation to one language. */
export interface ScriptTable {
  id: Generated<string>;
  batch_id: string;
  title_index: number;
  variation: number;
  language: string;
  kind: 'master' | 'adaptation';
  title: string;
  blocks: Json<string[]>;
  model: string;
  input_tokens: number;
  output_tokens: number;
  created_at: CreatedAt;
}

/** Every table Bolt IA owns. */
export interface Database {
  batches: BatchTable;
  jobs: JobTable;
  scripts: ScriptTable;
}

export type Batch = Selectable<BatchTable>;
export type NewBatch = Insertable<BatchTable>;
export type BatchUpdate = Updateable<BatchTable>;
export type Job = Selectable<JobTable>;
export type NewJob = Insertable<JobTable>;
export type JobUpdate = Updateable<JobTable>;
export type Script = Selectable<ScriptTable>;
export type NewScript = Insertable<ScriptTable>;
