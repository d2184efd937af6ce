// Batch rows: creation with their jobs in one short transaction (multi-row inserts), reads, and status changes.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { BatchActualFigures, BatchEstimate } from '../domain/estimates';
import { planJobs, type BatchMode, type PlannedJob } from '../domain/plan';
import { anyShard, bumpCounters, oneWithCounters, type BatchCounter } from './batch-counters';
import type { Batch, BatchOptions, BatchStatus, Database } from './schema';
import { addUserSpend } from './user-limits';

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
  /** @default 'running' (tests that start the workflow themselves); the API writes `pending_start`. */
  status?: 'pending_start' | 'running';
  /**
   * Leave the job rows to the batch workflow's first activity ({@link writeMissingJobs}), so a big batch
   * is accepted at once; the plan is in the batch row. @default false
   */
  deferJobs?: boolean;
}

/** Workflow id of a batch: meaningful in the Temporal Web UI and the CLI. */
export const batchWorkflowId = (batchId: string): string => `batch-${batchId}`;

/** Jobs per INSERT: each chunk is one statement with nine array parameters, whatever its size. */
const JOB_INSERT_CHUNK = 5000;

/**
 * Writes a batch and all its jobs atomically. With an idempotency key already used by
 * this user, returns the existing batch instead (`created: false`). The API writes it as
 * `pending_start` and marks it `running` once its workflow has started.
 */
export async function createBatch(db: Kysely<Database>, input: CreateBatchInput): Promise<{ batch: Batch; created: boolean }> {
  try {
    return await insertBatch(db, input);
  } catch (err) {
    // Two requests with one Idempotency-Key at once: the loser's insert waits on the winner's row in the
    // unique index, then fails with 23505; by then the winner has committed, so its batch is the answer.
    if (input.idempotencyKey && (err as { code?: string }).code === '23505') {
      const existing = await db.selectFrom('batches').selectAll().where('user_id', '=', input.userId).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
      if (existing) return { batch: (await oneWithCounters(db, existing))!, created: false };
    }
    throw err;
  }
}

async function insertBatch(db: Kysely<Database>, input: CreateBatchInput): Promise<{ batch: Batch; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    if (input.idempotencyKey) {
      const existing = await findByIdempotencyKey(trx, input.userId, input.idempotencyKey);
      if (existing) return { batch: (await oneWithCounters(trx, existing))!, created: false };
    }
    const id = randomUUID();
    const batch = await trx
      .insertInto('batches')
      .values({
        id,
        user_id: input.userId,
        mode: input.mode,
        status: input.status ?? 'running',
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
    if (!input.deferJobs) for (let i = 0; i < input.jobs.length; i += JOB_INSERT_CHUNK) await insertJobs(trx, id, input.jobs.slice(i, i + JOB_INSERT_CHUNK));
    return { batch, created: true };
  });
}

/**
 * One multi-row INSERT from column arrays (`unnest`): a 20,000-job batch is four statements of nine
 * parameters each, instead of 180,000 bound values.
 */
async function insertJobs(trx: Kysely<Database> | Transaction<Database>, batchId: string, jobs: PlannedJob[]): Promise<void> {
  const col = <T>(f: (j: PlannedJob) => T): T[] => jobs.map(f);
  await sql`
    insert into jobs (id, batch_id, seq, title_index, title, language, voice, variation, uses_master_directly)
    select gen_random_uuid(), ${batchId}::uuid, t.* from unnest(
      ${col((j) => j.seq)}::int[], ${col((j) => j.titleIndex)}::int[], ${col((j) => j.title)}::text[],
      ${col((j) => j.language)}::text[], ${col((j) => j.voice)}::text[], ${col((j) => j.variation)}::int[],
      ${col((j) => j.usesMasterDirectly)}::boolean[]
    ) as t
    on conflict (batch_id, seq) do nothing`.execute(trx);
}

/**
 * Writes the job rows a batch created with `deferJobs` does not have yet, from the plan in its row, a
 * chunk per transaction (a retry after a crash goes on where it stopped). Returns how many it wrote.
 */
export async function writeMissingJobs(db: Kysely<Database>, batchId: string, onChunk: () => void = () => undefined): Promise<number> {
  const batch = await getBatch(db, batchId);
  if (!batch) throw new Error(`batch ${batchId} does not exist`);
  const have = Number((await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batchId).executeTakeFirstOrThrow()).n);
  if (have >= batch.total_jobs) return 0;
  const jobs = planJobs({ mode: batch.mode as BatchMode, titles: batch.titles, languages: batch.languages, variations: batch.variations, masterLanguage: batch.master_language });
  for (let i = 0; i < jobs.length; i += JOB_INSERT_CHUNK) {
    await insertJobs(db, batchId, jobs.slice(i, i + JOB_INSERT_CHUNK));
    onChunk();
  }
  return jobs.length - have;
}

/** Marks a batch whose workflow has started as running; false when it had left `pending_start` already. */
export async function markStarted(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.updateTable('batches').set({ status: 'running', updated_at: new Date() }).where('id', '=', id).where('status', '=', 'pending_start').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

async function findByIdempotencyKey(trx: Transaction<Database>, userId: string, key: string): Promise<Batch | undefined> {
  return trx.selectFrom('batches').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** A batch with its counters made whole, or undefined when it does not exist or belongs to another user. */
export async function getBatch(db: Kysely<Database>, id: string, userId?: string): Promise<Batch | undefined> {
  let q = db.selectFrom('batches').selectAll().where('id', '=', id);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return oneWithCounters(db, await q.executeTakeFirst());
}

/** A batch's row without its counters (its settings). */
export type BatchSettings = Omit<Batch, BatchCounter>;

/** Sets the batch's status; terminal statuses also stamp `finished_at` (and store the real figures, when given). */
export async function setBatchStatus(db: Kysely<Database>, id: string, status: BatchStatus, actuals?: BatchActualFigures): Promise<void> {
  const terminal = status !== 'running' && status !== 'paused' && status !== 'pending_start';
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

/**
 * Adds a paid call's cost to the batch's spend (in counter shard `shard`, see db/batch-counters.ts) and to
 * its owner's day; callers make this exactly-once (same transaction as the row it pays for).
 */
export async function addSpend(db: Kysely<Database> | Transaction<Database>, batchId: string, usd: number, shard = anyShard()): Promise<void> {
  if (!(usd > 0)) return;
  await bumpCounters(db, batchId, shard, { spent_usd: usd });
  await addUserSpend(db, batchId, usd, shard);
}
