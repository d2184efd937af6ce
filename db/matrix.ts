// Reads of the batch matrix: every job's place (title, language, variation) once, and the compact status
// string (one letter per job, by seq) that the progress stream re-reads while a batch runs.
import { sql, type Kysely } from 'kysely';
import { MATRIX_STATUS_CODE } from '../domain/matrix';
import type { Database } from './schema';

const codeSql = sql<string>`string_agg(case status ${sql.join(
  Object.entries(MATRIX_STATUS_CODE).map(([s, c]) => sql`when ${s} then ${c}`),
  sql` `,
)} else 'q' end, '' order by seq)`;

/** Each batch's status string, for the given batches. */
export async function matrixStatuses(db: Kysely<Database>, batchIds: readonly string[]): Promise<Map<string, string>> {
  if (batchIds.length === 0) return new Map();
  const rows = await db.selectFrom('jobs').select(['batch_id', codeSql.as('codes')]).where('batch_id', 'in', batchIds).groupBy('batch_id').execute();
  return new Map(rows.map((r) => [r.batch_id, r.codes ?? '']));
}

/** Every job of a batch in seq order: id, title index, language, variation and status letter. */
export async function matrixCells(db: Kysely<Database>, batchId: string) {
  return db.selectFrom('jobs').select(['id', 'seq', 'title_index', 'language', 'variation', 'status']).where('batch_id', '=', batchId).orderBy('seq').execute();
}
