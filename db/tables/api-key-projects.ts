// The `api_key_projects` table: limits and usage of one Google Cloud project, shared by all its keys of a service.
import type { Generated, Selectable } from 'kysely';
import type { KeyService } from '../../domain/pooled-keys';
import type { CreatedAt, MinuteLog, UpdatedAt } from './columns';

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

export type ApiKeyProject = Selectable<ApiKeyProjectTable>;
