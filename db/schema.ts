// The Kysely view of the database: one interface per table, typed for selects, inserts and updates.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AgentSnapshot } from '../domain/prompts';
import type { BatchActualFigures, BatchEstimate } from '../domain/estimates';
import type { LoudnessReport, LoudnessTarget } from '../domain/loudness';
import type { Pronunciation, PronunciationNotes } from '../domain/pronunciation';
import type { ScriptCheckAttempt, ScriptCheckOutcome } from '../domain/script-check';

/** jsonb column: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** Statuses of a batch. */
export const BatchStatus = {
  /** Written, but its workflow is not started yet (Temporal was unreachable); the reconciler starts it. */
  pendingStart: 'pending_start',
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
  /** Work served from the content-addressed cache instead of a paid call. */
  cache_hits: Generated<number>;
  /** Why the batch ended as it did, when that needs saying (for example the budget cap). */
  status_message: ColumnType<string | null, string | null | undefined, string | null>;
  /** The estimate taken when the batch was created (null when it could not be made). */
  estimate: ColumnType<BatchEstimate | null, string | null | undefined, string | null>;
  /** USD spent on paid calls so far: each Gemini script and each synthesis adds its cost once. */
  spent_usd: Generated<number>;
  /** What the batch really used, written when it ends, to set beside `estimate`. */
  actuals: ColumnType<BatchActualFigures | null, string | null | undefined, string | null>;
  /** Why the batch's next job is not starting now (a user limit), while that lasts. */
  waiting_for: ColumnType<WaitingFor | null, string | null | undefined, string | null>;
  /** Attempts granted to the batch workflow by its allowance, and attempts that started (see user limits). */
  granted_attempts: Generated<number>;
  started_attempts: Generated<number>;
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
  /** Characters sent to TTS for this job's audio (0 when the narration came from the cache). */
  tts_characters: ColumnType<number | null, number | null | undefined, number | null>;
  /** What that synthesis cost, in USD; set once, with the batch's spend, when the audio is made. */
  tts_cost_usd: ColumnType<number | null, number | null | undefined, number | null>;
  /** Something the job did differently from what was asked, e.g. a style prompt its voice family ignores. */
  note: ColumnType<string | null, string | null | undefined, string | null>;
  /** Gemini-TTS only: the model and the tokens billed (text and prompt in, audio out). */
  tts_model: ColumnType<string | null, string | null | undefined, string | null>;
  tts_input_tokens: ColumnType<number | null, number | null | undefined, number | null>;
  tts_output_tokens: ColumnType<number | null, number | null | undefined, number | null>;
  /** Integrated loudness and true peak measured before and after normalisation (null before synthesis). */
  loudness: ColumnType<LoudnessReport | null, string | null | undefined, string | null>;
  /** Pronunciations the voice could not take, noted when the audio was made. */
  pronunciation_notes: ColumnType<PronunciationNotes | null, string | null | undefined, string | null>;
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
  /** What the Gemini call cost, in USD (0 for a script served from the cache). */
  cost_usd: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

/** Roles of a user: admins also manage users and the key pool. */
export const UserRole = { admin: 'admin', member: 'member' } as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];

export interface UserTable {
  id: string;
  /** Stored lower-cased, so logins are case-insensitive. */
  email: string;
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  password_hash: string;
  role: UserRole;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Set when an admin deleted the user: the row stays for the records, logins and tokens stop. */
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Kinds of bearer token: one made by a login (expires), or a personal API token (until revoked). */
export const TokenKind = { session: 'session', personal: 'personal' } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface ApiTokenTable {
  id: string;
  user_id: string;
  kind: TokenKind;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** First characters of the token, to tell tokens apart in lists. */
  prefix: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface AgentTable {
  id: string;
  user_id: string;
  current_version: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One immutable version of an agent. */
export interface AgentVersionTable {
  agent_id: string;
  version: number;
  name: string;
  premise_prompt: string;
  structure_prompt: string;
  tone: string;
  target_minutes: number;
  master_language: string | null;
  /** Style prompt for voices that take one (Gemini-TTS); null when the version has none. */
  voice_style: ColumnType<string | null, string | null | undefined, string | null>;
  /** Terms with their pronunciation (IPA or X-SAMPA), versioned with the agent. */
  pronunciations: ColumnType<Pronunciation[], string | undefined, string>;
  /** `off`, `-23`, `-16` or `-14` (LUFS); null means the default. */
  loudness_target: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

/** The script check of one script (master or adaptation): every attempt and how it ended. */
export interface ScriptCheckTable {
  batch_id: string;
  title_index: number;
  variation: number;
  language: string;
  kind: 'master' | 'adaptation';
  outcome: ScriptCheckOutcome;
  attempts: Json<ScriptCheckAttempt[]>;
  reasons: Json<string[]>;
  created_at: CreatedAt;
}

/** Login attempts counted per (email, client) and per client, before passwords are checked. */
export interface LoginThrottleTable {
  key: string;
  attempts: number;
  next_allowed_at: Date;
  updated_at: Generated<Date>;
}

/** A public key webhook secrets are sealed to, published by workers. */
export interface WebhookSealingKeyTable {
  key_id: string;
  public_key: Buffer;
  published_at: Date;
}

/** Requests of the last minute per (service, project or key, model): quotas a model has apart from its service's. */
export interface ApiKeyModelUsageTable {
  service: string;
  owner: string;
  model: string;
  minute_log: MinuteLog;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One attempt to deliver a batch's completion webhook. */
export interface WebhookDeliveryTable {
  id: string;
  batch_id: string;
  /** Same for every attempt of one delivery, so receivers can de-duplicate. */
  delivery_id: string;
  url: string;
  event: string;
  attempt: number;
  status_code: number | null;
  ok: boolean;
  error: string | null;
  duration_ms: number;
  created_at: CreatedAt;
}

/** One finished attempt of a job; a retried job keeps every earlier attempt here. */
export interface JobAttemptTable {
  job_id: string;
  attempt: number;
  status: JobStatus;
  error_stage: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: Date | null;
  finished_at: Generated<Date>;
}

/** A script anyone may reuse: keyed by the hash of everything that decides its content. */
export interface ScriptCacheTable {
  key: string;
  kind: 'master' | 'adaptation';
  title: string;
  blocks: Json<string[]>;
  model: string;
  hits: Generated<number>;
  created_at: CreatedAt;
}

/** A narration anyone may reuse: keyed by the hash of its text, voice and audio settings. */
export interface AudioCacheTable {
  key: string;
  audio_key: string;
  srt_key: string;
  vtt_key: string;
  bytes: number;
  duration_ms: number;
  hits: Generated<number>;
  created_at: CreatedAt;
}

/** Who may make (and store) one paid call right now; a store must name the current token. */
export interface PaidLeaseTable {
  key: string;
  owner: string;
  token: number;
  expires_at: Date;
  acquired_at: CreatedAt;
}

/** One bought TTS chunk of a narration not yet assembled; its PCM is in storage at `object_key`. */
export interface NarrationChunkTable {
  narration_key: string;
  idx: number;
  token: number;
  object_key: string;
  /** Mark name → seconds from the start of the chunk. */
  marks: ColumnType<Record<string, number>, string, string>;
  characters: number;
  cost_usd: number;
  job_id: string | null;
  created_at: CreatedAt;
}

/** A user's favourite voice for one language. */
export interface FavouriteVoiceTable {
  user_id: string;
  language: string;
  voice: string;
  updated_at: UpdatedAt;
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

/** Per-user limits an admin sets; null means no limit. */
export interface UserLimitsTable {
  user_id: string;
  jobs_per_day: number | null;
  running_jobs: number | null;
  spend_per_day_usd: number | null;
  /** Budget cap of the user's batches that set none. */
  default_budget_usd: number | null;
  updated_at: UpdatedAt;
}

/** What a user used in one UTC day: job attempts started and USD spent on paid calls. */
export interface UserDailyUsageTable {
  user_id: string;
  day: ColumnType<string, string, string>;
  jobs_started: Generated<number>;
  spent_usd: Generated<number>;
}

/** Every table Bolt IA owns. */
export interface Database {
  batches: BatchTable;
  jobs: JobTable;
  scripts: ScriptTable;
  api_keys: ApiKeyTable;
  api_key_projects: ApiKeyProjectTable;
  quota_waits: QuotaWaitTable;
  job_attempts: JobAttemptTable;
  script_cache: ScriptCacheTable;
  audio_cache: AudioCacheTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  agents: AgentTable;
  agent_versions: AgentVersionTable;
  api_key_model_usage: ApiKeyModelUsageTable;
  webhook_deliveries: WebhookDeliveryTable;
  favourite_voices: FavouriteVoiceTable;
  paid_leases: PaidLeaseTable;
  narration_chunks: NarrationChunkTable;
  login_throttle: LoginThrottleTable;
  webhook_sealing_keys: WebhookSealingKeyTable;
  script_checks: ScriptCheckTable;
  user_limits: UserLimitsTable;
  user_daily_usage: UserDailyUsageTable;
}

export type Batch = Selectable<BatchTable>;
export type NewBatch = Insertable<BatchTable>;
export type BatchUpdate = Updateable<BatchTable>;
export type Job = Selectable<JobTable>;
export type NewJob = Insertable<JobTable>;
export type JobUpdate = Updateable<JobTable>;
export type Script = Selectable<ScriptTable>;
export type NewScript = Insertable<ScriptTable>;
export type User = Selectable<UserTable>;
export type ApiToken = Selectable<ApiTokenTable>;
export type Agent = Selectable<AgentTable>;
export type AgentVersion = Selectable<AgentVersionTable>;
export type NewAgentVersion = Insertable<AgentVersionTable>;
export type WebhookDelivery = Selectable<WebhookDeliveryTable>;
export type ScriptCheck = Selectable<ScriptCheckTable>;
export type UserLimits = Selectable<UserLimitsTable>;

/** Services a pooled API key can serve. */
export const KeyService = { gemini: 'gemini', tts: 'tts' } as const;
export type KeyService = (typeof KeyService)[keyof typeof KeyService];

/** Where a pooled key's requests go: Google, or the local simulators (the embedded default). */
export const KeyTarget = { google: 'google', simulator: 'simulator' } as const;
export type KeyTarget = (typeof KeyTarget)[keyof typeof KeyTarget];

/** Whether a key may be leased at all; a disabled key keeps its reason. */
export const KeyStatus = { active: 'active', disabled: 'disabled' } as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];

/** jsonb list of request times; defaults to `[]`. */
type MinuteLog = ColumnType<number[], string | undefined, string>;

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
  /** Times (epoch ms) of the requests inside the sliding RPM window. */
  minute_log: MinuteLog;
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
  minute_log: MinuteLog;
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
