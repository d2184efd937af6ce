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
  api_keys: ApiKeyTable;
  api_key_projects: ApiKeyProjectTable;
  quota_waits: QuotaWaitTable;
}

export type Batch = Selectable<BatchTable>;
export type NewBatch = Insertable<BatchTable>;
export type BatchUpdate = Updateable<BatchTable>;
export type Job = Selectable<JobTable>;
export type NewJob = Insertable<JobTable>;
export type JobUpdate = Updateable<JobTable>;
export type Script = Selectable<ScriptTable>;
export type NewScript = Insertable<ScriptTable>;

/** Services a pooled API key can serve. */
export const KeyService = { gemini: 'gemini', tts: 'tts' } as const;
export type KeyService = (typeof KeyService)[keyof typeof KeyService];

/** Where a pooled key's requests go: Google, or the local simulators (the embedded default). */
export const KeyTarget = { google: 'google', simulator: 'simulator' } as const;
export type KeyTarget = (typeof KeyTarget)[keyof typeof KeyTarget];

/** Whether a key may be leased at all; a disabled key keeps its reason. */
export const KeyStatus = { active: 'active', disabled: 'disabled' } as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];

/** One API key of the pool: the key itself only encrypted, with its breaker and usage windows. */
export interface ApiKeyTable {
  id: string;
  service: KeyService;
  target: Generated<KeyTarget>;
  account_email: string;
  /** Google Cloud project; quotas are counted per project. Null: the key is its own project. */
  project: string | null;
  label: string | null;
  /** AES-256-GCM: IV, tag and ciphertext, bound to `id`. */
  secret: Buffer;
  /** Which master key sealed `secret` (a fingerprint, not the key). */
  master_key_id: string;
  /** HMAC of the key under the master key, to refuse duplicates. */
  lookup_hash: string;
  last4: string;
  status: Generated<KeyStatus>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  circuit: Generated<'closed' | 'open' | 'half_open'>;
  consecutive_failures: Generated<number>;
  openings: Generated<number>;
  reopen_at: Date | null;
  rpm: number | null;
  rpd: number | null;
  minute_window: Date | null;
  minute_count: Generated<number>;
  /** Pacific-time day (`YYYY-MM-DD`) that `day_count` counts. */
  day_window: string | null;
  day_count: Generated<number>;
  requests_total: Generated<number>;
  last_error: string | null;
  last_error_at: Date | null;
  last_used_at: Date | null;
  last_success_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Limits and usage of one Google Cloud project, shared by all its keys of a service. */
export interface ApiKeyProjectTable {
  service: KeyService;
  project: string;
  rpm: number | null;
  rpd: number | null;
  minute_window: Date | null;
  minute_count: Generated<number>;
  day_window: string | null;
  day_count: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** A job whose provider call is waiting because no key can serve right now. */
export interface QuotaWaitTable {
  job_id: string;
  service: KeyService;
  batch_id: string;
  since: CreatedAt;
  /** The earliest time a key is expected back, when known. */
  until: Date | null;
}

export type ApiKey = Selectable<ApiKeyTable>;
export type NewApiKey = Insertable<ApiKeyTable>;
export type ApiKeyUpdate = Updateable<ApiKeyTable>;
export type ApiKeyProject = Selectable<ApiKeyProjectTable>;
