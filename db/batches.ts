// Batch rows: creation with their jobs in one transaction, reads, and status changes.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { BatchActualFigures, BatchEstimate } from '../domain/estimates';
import type { PlannedJob } from '../domain/plan';
import type { Batch, BatchOptions, BatchStatus, Database } from './schema';

export interface CreateBatchInput {
  userId: string;
  mode: string;
  titles: string[];
  languages: Array<{ language: string; voice: string }>;
  variations: number;
  masterLanguage: string;
  options: BatchOptions;
  /** The estimate taken at launch, kept to judge the batch's real figures against. */
  estimate?: BatchEstimate;
  idempotencyKey?: string;
  jobs: PlannedJob[];
}

/** Workflow id of a batch: meaningful in the Temporal Web UI and the CLI. */
export const batchWorkflowId = (batchId: string): string => `batch-${batchId}`;

const JOB_INSERT_CHUNK = 1000;

/**
 * Writes a batch and all its jobs atomically. With an idempotency key already used by
 * this user, returns the existing batch instead (`created: false`).
 */
export async function createBatch(db: Kysely<Database>, input: CreateBatchInput): Promise<{ batch: Batch; created: boolean }> {
  try {
    return await insertBatch(db, input);
  } catch (err) {
    // Two requests with one Idempotency-Key at once: the loser's insert waits on the winner's row in the
    // unique index, then fails with 23505; by then the winner has committed, so its batch is the answer.
    if (input.idempotencyKey && (err as { code?: string }).code === '23505') {
      const existing = await db.selectFrom('batches').selectAll().where('user_id', '=', input.userId).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
      if (existing) return { batch: existing, created: false };
    }
    throw err;
  }
}

async function insertBatch(db: Kysely<Database>, input: CreateBatchInput): Promise<{ batch: Batch; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    if (input.idempotencyKey) {
      const existing = await findByIdempotencyKey(trx, input.userId, input.idempotencyKey);
      if (existing) return { batch: existing, created: false };
    }
    const id = randomUUID();
    const batch = await trx
      .insertInto('batches')
      .values({
        id,
        user_id: input.userId,
        mode: input.mode,
        status: 'running',
        titles: JSON.stringify(input.titles),
        languages: JSON.stringify(input.languages),
        variations: input.variations,
        master_language: input.masterLanguage,
        options: JSON.stringify(input.options),
        total_jobs: input.jobs.length,
        queued: input.jobs.length,
        workflow_id: batchWorkflowId(id),
        idempotency_key: input.idempotencyKey ?? null,
        estimate: input.estimate ? JSON.stringify(input.estimate) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (let i = 0; i < input.jobs.length; i += JOB_INSERT_CHUNK) {
      await trx
        .insertInto('jobs')
        .values(
          input.jobs.slice(i, i + JOB_INSERT_CHUNK).map((j) => ({
            id: randomUUID(),
            batch_id: id,
            seq: j.seq,
            title_index: j.titleIndex,
            title: j.title,
            language: j.language,
            voice: j.voice,
            variation: j.variation,
            uses_master_directly: j.usesMasterDirectly,
          })),
        )
        .execute();
    }
    return { batch, created: true };
  });
}

async function findByIdempotencyKey(trx: Transaction<Database>, userId: string, key: string): Promise<Batch | undefined> {
  return trx.selectFrom('batches').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** A batch, or undefined when it does not exist or belongs to another user. */
export async function getBatch(db: Kysely<Database>, id: string, userId?: string): Promise<Batch | undefined> {
  let q = db.selectFrom('batches').selectAll().where('id', '=', id);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.executeTakeFirst();
}

/** Sets the batch's status; terminal statuses also stamp `finished_at` (and store the real figures, when given). */
export async function setBatchStatus(db: Kysely<Database>, id: string, status: BatchStatus, actuals?: BatchActualFigures): Promise<void> {
  const terminal = status !== 'running' && status !== 'paused';
  await db
    .updateTable('batches')
    .set({
      status,
      updated_at: new Date(),
      ...(terminal ? { finished_at: new Date() } : { finished_at: null }),
      ...(actuals ? { actuals: JSON.stringify(actuals) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** Adds a paid call's cost to the batch's spend; callers make this exactly-once (same transaction as the row it pays for). */
export async function addSpend(db: Kysely<Database> | Transaction<Database>, batchId: string, usd: number): Promise<void> {
  if (!(usd > 0)) return;
  await db.updateTable('batches').set({ spent_usd: sql<number>`spent_usd + ${usd}` }).where('id', '=', batchId).execute();
}
