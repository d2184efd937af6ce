// Main-queue activities for master scripts: is a job's master written, and if not, join (or start) the
// per-(batch, title, variation) master workflow that writes it once. No Gemini task is queued to find out.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { findScript } from '../db/scripts';
import { Stage } from '../domain/errors';
import { MASTER_WAITER_SIGNAL, MASTER_WORKFLOW_TYPE, masterWorkflowId } from '../domain/master-script';
import { mustGetBatch, mustGetJob } from './deps';
import { withStage } from './failures';

/** The job's master script identity, and whether it is written. */
async function masterOf(db: Kysely<Database>, jobId: string) {
  const job = await mustGetJob(db, jobId);
  const batch = await mustGetBatch(db, job.batch_id);
  const written = await findScript(db, { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: batch.master_language });
  return { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, written: written !== undefined };
}

export function createMasterActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** True when the job's master script is written. */
    async masterScriptReady(input: { jobId: string }): Promise<boolean> {
      return withStage(Stage.bookkeeping, async () => (await masterOf(db, input.jobId)).written);
    },

    /**
     * `ready` when the job's master script is written; otherwise registers `waiter` with the master workflow
     * (starting it if none runs), which signals the waiter when the master is written.
     */
    async requestMaster(input: { jobId: string; waiter: string; priorityKey: number }): Promise<{ ready: boolean }> {
      return withStage(Stage.bookkeeping, async () => {
        const m = await masterOf(db, input.jobId);
        if (m.written) return { ready: true };
        const { client, info } = Context.current();
        await client.workflow.signalWithStart(MASTER_WORKFLOW_TYPE, {
          workflowId: masterWorkflowId(m.batchId, m.titleIndex, m.variation),
          taskQueue: info.taskQueue,
          args: [{ jobId: input.jobId, priorityKey: input.priorityKey }],
          signal: MASTER_WAITER_SIGNAL,
          signalArgs: [input.waiter],
          // A closed run (written, failed, cancelled) may be followed by a new one: it looks before it writes.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          priority: { priorityKey: input.priorityKey },
        });
        return { ready: false };
      });
    },

    /**
     * Cancels the batch's master workflows still running (one per (title, variation) of its jobs, by id, so
     * none is missed for a visibility store that lags), and with `wait` waits until they have closed.
     * Returns how many were running. A cancelled master makes no further Gemini call.
     */
    async cancelMasters(input: { batchId: string; wait?: boolean }): Promise<number> {
      return withStage(Stage.bookkeeping, async () => {
        const pairs = await db.selectFrom('jobs').select(['title_index', 'variation']).distinct().where('batch_id', '=', input.batchId).execute();
        const { client } = Context.current();
        let running = 0;
        // A few requests at a time: a big batch has thousands of (title, variation) pairs.
        for (let i = 0; i < pairs.length; i += 20) {
          await Promise.all(
            pairs.slice(i, i + 20).map(async (p) => {
              const handle = client.workflow.getHandle(masterWorkflowId(input.batchId, p.title_index, p.variation));
              try {
                await handle.cancel();
              } catch (err) {
                if (err instanceof WorkflowNotFoundError) return; // never started, or already closed
                throw err;
              }
              running++;
              if (input.wait) await handle.result().catch(() => undefined);
            }),
          );
        }
        return running;
      });
    },
  };
}

export type MasterActivities = ReturnType<typeof createMasterActivities>;
