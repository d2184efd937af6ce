// Activities the batch workflow uses to steer itself: paging jobs, pause state, retry-failed, cancel.
import type { Kysely } from 'kysely';
import { setBatchStatus } from '../db/batches';
import { pageJobs, transitionAll } from '../db/jobs';
import type { Database } from '../db/schema';
import { Stage } from '../domain/errors';
import { withStage } from './failures';

/** A job the batch workflow may start: ids and the few facts its workflow id and search attributes need. */
export interface JobRef {
  jobId: string;
  seq: number;
  usesMasterDirectly: boolean;
  language: string;
  /** Attempts already made; a retry gets a new workflow id so earlier runs stay visible. */
  attempts: number;
  /** For the memo that makes rows readable in the Temporal Web UI. */
  title: string;
  variation: number;
}

export function createOrchestrationActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** The next queued jobs after `afterSeq`, by seq. */
    async nextJobPage(input: { batchId: string; afterSeq: number; limit: number }): Promise<JobRef[]> {
      return withStage(Stage.bookkeeping, async () => {
        const rows = await pageJobs(db, input.batchId, ['queued'], input.afterSeq, input.limit);
        return rows.map((r) => ({ jobId: r.id, seq: r.seq, usesMasterDirectly: r.uses_master_directly, language: r.language, attempts: r.attempts, title: r.title, variation: r.variation }));
      });
    },

    /** Mirrors pause and resume on the batch row, so the API shows them. */
    async setRunState(input: { batchId: string; state: 'paused' | 'running' }): Promise<void> {
      await withStage(Stage.bookkeeping, () => setBatchStatus(db, input.batchId, input.state));
    },

    /** Puts every failed job back in the queue; returns how many. */
    async requeueFailed(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, async () => {
        const n = await transitionAll(db, input.batchId, 'failed', 'queued');
        await setBatchStatus(db, input.batchId, 'running');
        return n;
      });
    },

    /** Cancels every job that never started (the batch was cancelled); returns how many. */
    async cancelQueued(input: { batchId: string }): Promise<number> {
      return withStage(Stage.bookkeeping, () => transitionAll(db, input.batchId, 'queued', 'cancelled'));
    },
  };
}

export type OrchestrationActivities = ReturnType<typeof createOrchestrationActivities>;
