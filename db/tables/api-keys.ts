// The `api_keys` table: one API key of the pool, the key itself only encrypted, with its breaker and usage windows.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { KeyService, KeyStatus, KeyTarget } from '../../domain/pooled-keys';
import type { RestReason } from '../../domain/wait-reason';
import type { CreatedAt, MinuteLog, UpdatedAt } from './columns';

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
  /** Why the breaker last opened (quota | failures); null while it never has. */
  rest_reason: RestReason | null;
  last_error: string | null;
  last_error_at: Date | null;
  last_used_at: Date | null;
  last_success_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type ApiKey = Selectable<ApiKeyTable>;
export type NewApiKey = Insertable<ApiKeyTable>;
export type ApiKeyUpdate = Updateable<ApiKeyTable>;
