// The `api_key_model_usage` table: requests of the last minute per (service, project or key, model), for models with their own quota.
import type { ColumnType } from 'kysely';
import type { MinuteLog } from './columns';

export interface ApiKeyModelUsageTable {
  service: string;
  owner: string;
  model: string;
  minute_log: MinuteLog;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
