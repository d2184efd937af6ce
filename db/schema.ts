// The Kysely view of the database: the Database interface gathers the tables, one file each under tables/.
import type { AgentVersionTable } from './tables/agent-versions';
import type { AgentTable } from './tables/agents';
import type { ApiKeyModelUsageTable } from './tables/api-key-model-usage';
import type { ApiKeyProjectTable } from './tables/api-key-projects';
import type { ApiKeyTable } from './tables/api-keys';
import type { ApiTokenTable } from './tables/api-tokens';
import type { AudioCacheTable } from './tables/audio-cache';
import type { BatchTable } from './tables/batches';
import type { FavouriteVoiceTable } from './tables/favourite-voices';
import type { JobAttemptTable } from './tables/job-attempts';
import type { JobTable } from './tables/jobs';
import type { LoginThrottleTable } from './tables/login-throttle';
import type { NarrationChunkTable } from './tables/narration-chunks';
import type { PaidLeaseTable } from './tables/paid-leases';
import type { QuotaWaitTable } from './tables/quota-waits';
import type { ScriptCacheTable } from './tables/script-cache';
import type { ScriptCheckTable } from './tables/script-checks';
import type { ScriptTable } from './tables/scripts';
import type { UserDailyUsageTable } from './tables/user-daily-usage';
import type { UserLimitsTable } from './tables/user-limits';
import type { UserTable } from './tables/users';
import type { WebhookDeliveryTable } from './tables/webhook-deliveries';
import type { WebhookSealingKeyTable } from './tables/webhook-sealing-keys';

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

// Row types of each table, and the statuses and kinds their columns hold, for the modules that query them.
export type * from './tables/agent-versions';
export type * from './tables/agents';
export type * from './tables/api-key-model-usage';
export type * from './tables/api-key-projects';
export type * from './tables/api-keys';
export type * from './tables/api-tokens';
export type * from './tables/audio-cache';
export type * from './tables/batches';
export type * from './tables/favourite-voices';
export type * from './tables/job-attempts';
export type * from './tables/jobs';
export type * from './tables/login-throttle';
export type * from './tables/narration-chunks';
export type * from './tables/paid-leases';
export type * from './tables/quota-waits';
export type * from './tables/script-cache';
export type * from './tables/script-checks';
export type * from './tables/scripts';
export type * from './tables/user-daily-usage';
export type * from './tables/user-limits';
export type * from './tables/users';
export type * from './tables/webhook-deliveries';
export type * from './tables/webhook-sealing-keys';
export type { TokenKind, UserRole } from '../domain/accounts';
export type { KeyService, KeyStatus, KeyTarget } from '../domain/pooled-keys';
export type { BatchStatus, JobStatus } from '../domain/statuses';
