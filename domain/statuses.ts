// Statuses of jobs and batches, as stored in their rows and shown by the API and the page, and the moves a job may make.

/** Statuses of a job; each has a counter column on its batch. */
export const JobStatus = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Transitions a job may make; anything else is ignored, which makes repeated calls harmless. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['completed', 'failed', 'cancelled', 'queued'],
  failed: ['queued'],
  cancelled: ['queued'],
  completed: [],
};

/** Statuses that end a job's attempt. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

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
