// The `quota_waits` table: a job whose provider call is waiting because no key can serve right now.
import type { KeyService } from '../../domain/pooled-keys';
import type { ColumnType } from 'kysely';
import type { WaitReason } from '../../domain/wait-reason';
import type { CreatedAt } from './columns';

export interface QuotaWaitTable {
  job_id: string;
  service: KeyService;
  batch_id: string;
  since: CreatedAt;
  /** The earliest time a key is expected back, when known. */
  until: Date | null;
  /** Why it waits. */
  reason: ColumnType<WaitReason, WaitReason | undefined, WaitReason>;
}
