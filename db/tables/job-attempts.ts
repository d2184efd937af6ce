// The `job_attempts` table: one finished attempt of a job; a retried job keeps every earlier attempt here.
import type { Generated } from 'kysely';
import type { JobStatus } from '../../domain/statuses';

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
