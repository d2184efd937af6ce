// Batch counters in shards: jobs per status, spend, cache hits and attempts. A batch's figure is its own
// column (the base: the jobs it was created with, and anything from before shards) plus the sum of its
// shard rows. A job's changes go to the shard of its seq, so jobs moving at once lock different rows;
// readers add the shards up (at most COUNTER_SHARDS small rows per batch).
import { sql, type Expression, type Kysely, type Transaction } from 'kysely';
import type { Batch, Database } from './schema';

type Db = Kysely<Database> | Transaction<Database>;

/** Shard rows per batch (and per user and day for daily usage). */
export const COUNTER_SHARDS = 16;

/** The counter columns a batch row has and its shards add to. */
export const BATCH_COUNTERS = ['queued', 'running', 'completed', 'failed', 'cancelled', 'cache_hits', 'spent_usd', 'started_attempts', 'granted_attempts'] as const;
export type BatchCounter = (typeof BATCH_COUNTERS)[number];

/** The shard a job's changes go to. */
export const shardOfSeq = (seq: number): number => ((seq % COUNTER_SHARDS) + COUNTER_SHARDS) % COUNTER_SHARDS;

/** How many of `rows` fall in each counter shard, by shard ascending (the order counter rows are locked in). */
export function countPerShard(rows: ReadonlyArray<{ seq: number }>): Array<[shard: number, n: number]> {
  const perShard = new Map<number, number>();
  for (const { seq } of rows) perShard.set(shardOfSeq(seq), (perShard.get(shardOfSeq(seq)) ?? 0) + 1);
  return [...perShard].sort(([a], [b]) => a - b);
}

/** A shard for a change that belongs to no one job (a script's spend, a cache hit, a grant). */
export const anyShard = (): number => Math.floor(Math.random() * COUNTER_SHARDS);

/** Adds `deltas` to one shard of the batch's counters, creating the shard's row the first time. */
export async function bumpCounters(db: Db, batchId: string, shard: number, deltas: Partial<Record<BatchCounter, number>>): Promise<void> {
  const changed = BATCH_COUNTERS.filter((c) => (deltas[c] ?? 0) !== 0);
  if (changed.length === 0) return;
  await db
    .insertInto('batch_counters')
    .values({ batch_id: batchId, shard, ...Object.fromEntries(changed.map((c) => [c, deltas[c]])) })
    .onConflict((oc) =>
      oc.columns(['batch_id', 'shard']).doUpdateSet(Object.fromEntries(changed.map((c) => [c, sql`${sql.ref(`batch_counters.${c}`)} + ${sql.ref(`excluded.${c}`)}`]))),
    )
    .execute();
}

/** Moves `n` jobs of one shard from one status counter to another. */
export async function moveCount(db: Db, batchId: string, shard: number, from: BatchCounter, to: BatchCounter, n = 1): Promise<void> {
  await bumpCounters(db, batchId, shard, { [from]: -n, [to]: n });
}

/** The shards' sums of several batches, by batch id (batches with no shard row are absent). */
async function shardSums(db: Db, ids: readonly string[]): Promise<Map<string, Record<BatchCounter, number>>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('batch_counters')
    .select(['batch_id', ...shardSumColumns()])
    .where('batch_id', 'in', ids)
    .groupBy('batch_id')
    .execute();
  return new Map(rows.map((r) => [r.batch_id, Object.fromEntries(BATCH_COUNTERS.map((c) => [c, Number(r[c])])) as Record<BatchCounter, number>]));
}

/** Each counter's sum over the shard rows selected (float8: exact for counts, and JSON-safe). */
const shardSumColumns = () => BATCH_COUNTERS.map((c) => sql<number | null>`sum(${sql.ref(`batch_counters.${c}`)})::float8`.as(c));

/** The shards' sums of one batch (`batchId` a value or the outer query's batch id), for {@link addShardSums}. */
export function shardSumsQuery(db: Db, batchId: string | Expression<string>) {
  return db.selectFrom('batch_counters').select(shardSumColumns()).where('batch_counters.batch_id', '=', batchId);
}

/**
 * Rows of batches with their counters made whole: each counter column the row has gets its shards' sum
 * added. Every reader of a batch's counters goes through this (or {@link counterTotal} in SQL).
 */
export async function withCounters<T extends Pick<Batch, 'id'> & Partial<Pick<Batch, BatchCounter>>>(db: Db, rows: T[]): Promise<T[]> {
  const sums = await shardSums(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => addShardSums(row, sums.get(row.id)));
}

/** A batch row with its shards' sums added to each counter column it has (a sum may be null: no shard has it). */
export function addShardSums<T extends Partial<Pick<Batch, BatchCounter>>>(row: T, sums: Partial<Record<BatchCounter, number | null>> | null | undefined): T {
  if (!sums) return row;
  const whole: T = { ...row };
  for (const c of BATCH_COUNTERS) if (typeof row[c] === 'number') (whole as Record<BatchCounter, number>)[c] = row[c] + Number(sums[c] ?? 0);
  return whole;
}

/** One batch row with its counters made whole; undefined stays undefined. */
export async function oneWithCounters<T extends Pick<Batch, 'id'> & Partial<Pick<Batch, BatchCounter>>>(db: Db, row: T | undefined): Promise<T | undefined> {
  return row ? (await withCounters(db, [row]))[0] : undefined;
}

/** SQL for a counter's whole value on the row aliased `batches` (its column plus its shards), for aggregates. */
export const counterTotal = (c: BatchCounter) =>
  sql<number>`(batches.${sql.ref(c)} + coalesce((select sum(k.${sql.ref(c)}) from batch_counters k where k.batch_id = batches.id), 0))`;
