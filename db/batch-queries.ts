// Read-side queries the API needs on batches and jobs, always scoped to the user who owns them.
import { sql, type Expression, type Kysely } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { addShardSums, oneWithCounters, shardSumsQuery, withCounters } from './batch-counters';
import { summariseWaits, waitsByReason, type QuotaWait } from './quota-waits';
import type { Batch, BatchStatus, Database, Job, JobStatus } from './schema';

/** One page of rows and how many match in all. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** The user's batches (everyone's when `userId` is undefined: admins only), newest first, optionally in one status. */
export async function listBatches(
  db: Kysely<Database>,
  userId: string | undefined,
  opts: { status?: BatchStatus; limit: number; offset: number },
): Promise<Page<Batch>> {
  let q = db.selectFrom('batches');
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  if (opts.status) q = q.where('status', '=', opts.status);
  const [items, total] = await Promise.all([
    q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: await withCounters(db, items), total: Number(total.n) };
}

const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];

/**
 * Job counts of one batch per (language, status), pairs with no job left out: the sums of its language
 * counter shards (kept by triggers on `jobs`), so the cost does not grow with the batch's jobs.
 */
export async function languageCounts(db: Kysely<Database>, batchId: string): Promise<LanguageCount[]> {
  return languageCountPairs(await languageCountsQuery(db, batchId).execute());
}

export interface LanguageCount {
  language: string;
  status: JobStatus;
  n: number;
}

/** A batch's jobs per language and status from its shards (`batchId` a value, or the outer query's batch id). */
function languageCountsQuery(db: Kysely<Database>, batchId: string | Expression<string>) {
  return db
    .selectFrom('batch_language_counts')
    .select(['language', ...JOB_STATUSES.map((s) => sql<number>`sum(${sql.ref(s)})::int`.as(s))])
    .where('batch_id', '=', batchId)
    .groupBy('language');
}

function languageCountPairs(rows: ReadonlyArray<{ language: string } & Record<(typeof JOB_STATUSES)[number], number | string>>): LanguageCount[] {
  return rows.flatMap((r) => JOB_STATUSES.filter((s) => Number(r[s]) > 0).map((status) => ({ language: r.language, status, n: Number(r[status]) })));
}

/**
 * What a batch's status shows, read in one statement (one round trip, the status poll's whole cost in
 * PostgreSQL): the batch row with its counters made whole, its jobs per language and status, and its calls
 * waiting for a key. Undefined when there is no such batch (of `userId`'s, when given).
 */
export async function readBatchStatus(db: Kysely<Database>, id: string, userId?: string): Promise<{ batch: Batch; languageCounts: LanguageCount[]; quotaWait: QuotaWait } | undefined> {
  let q = db
    .selectFrom('batches')
    .selectAll('batches')
    .select((eb) => [
      jsonObjectFrom(shardSumsQuery(db, eb.ref('batches.id'))).as('shard_sums'),
      jsonArrayFrom(languageCountsQuery(db, eb.ref('batches.id'))).as('language_rows'),
      jsonArrayFrom(waitsByReason(db, eb.ref('batches.id'))).as('wait_rows'),
    ])
    .where('batches.id', '=', id);
  if (userId !== undefined) q = q.where('batches.user_id', '=', userId);
  const row = await q.executeTakeFirst();
  if (!row) return undefined;
  const { shard_sums, language_rows, wait_rows, ...batch } = row;
  return { batch: addShardSums(batch, shard_sums), languageCounts: languageCountPairs(language_rows), quotaWait: summariseWaits(wait_rows) };
}

/** A page of one batch's jobs by seq, filtered by status and language. The batch must already be known to be the caller's. */
export async function listJobs(
  db: Kysely<Database>,
  batchId: string,
  opts: { status?: JobStatus; language?: string; limit: number; offset: number },
): Promise<Page<Job>> {
  let q = db.selectFrom('jobs').where('batch_id', '=', batchId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.language) q = q.where('language', '=', opts.language);
  const [items, total] = await Promise.all([
    q.selectAll().orderBy('seq').limit(opts.limit).offset(opts.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

/** A job with its batch, or undefined when it does not exist or its batch belongs to another user. */
export async function getJobForUser(db: Kysely<Database>, jobId: string, userId: string): Promise<{ job: Job; batch: Batch } | undefined> {
  const job = await db
    .selectFrom('jobs')
    .innerJoin('batches', 'batches.id', 'jobs.batch_id')
    .selectAll('jobs')
    .where('jobs.id', '=', jobId)
    .where('batches.user_id', '=', userId)
    .executeTakeFirst();
  if (!job) return undefined;
  const batch = (await oneWithCounters(db, await db.selectFrom('batches').selectAll().where('id', '=', job.batch_id).executeTakeFirstOrThrow()))!;
  return { job, batch };
}

/** Walks a batch's jobs by seq, a page at a time, so exports of 100k jobs never hold them all. */
export async function* jobsInOrder(db: Kysely<Database>, batchId: string, pageSize = 500): AsyncGenerator<Job> {
  let after = -1;
  for (;;) {
    const page = await db.selectFrom('jobs').selectAll().where('batch_id', '=', batchId).where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    for (const j of page) yield j;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

/** The rows the progress stream watches: status and counters of several batches in one query. */
export async function batchCounters(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('batches')
    .select(['id', 'status', 'total_jobs', 'queued', 'running', 'completed', 'failed', 'cancelled', 'created_at', 'updated_at', 'finished_at'])
    .where('id', 'in', ids)
    .execute();
  return withCounters(db, rows);
}
