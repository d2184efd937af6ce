// TTS chunks bought for a narration not yet assembled: kept so a retry, a new key or a new worker
// resumes after the last one, and counted in the spend as they are bought, never twice.
import { sql, type Kysely, type Transaction } from 'kysely';
import { addSpend } from './batches';
import { assertLease, LeaseLostError, type Lease } from './leases';
import type { Database } from './schema';

export interface StoredChunk {
  idx: number;
  objectKey: string;
  marks: Record<string, number>;
}

export interface BoughtChunk extends StoredChunk {
  narrationKey: string;
  characters: number;
  usd: number;
  jobId: string;
  batchId: string;
  /** Gemini-TTS: the tokens this chunk was billed. */
  tokens?: { model: string; input: number; output: number };
}

/** Chunks of a narration already bought, by index. */
export async function listChunks(db: Kysely<Database>, narrationKey: string): Promise<Map<number, StoredChunk>> {
  const rows = await db.selectFrom('narration_chunks').select(['idx', 'object_key', 'marks']).where('narration_key', '=', narrationKey).execute();
  return new Map(rows.map((r) => [r.idx, { idx: r.idx, objectKey: r.object_key, marks: r.marks }]));
}

/** Adds characters and dollars to a job's synthesis figures and to its batch's spend. */
async function addChunkSpend(trx: Transaction<Database>, c: Pick<BoughtChunk, 'jobId' | 'batchId' | 'characters' | 'usd' | 'tokens'>): Promise<void> {
  const tokens = c.tokens
    ? {
        tts_model: c.tokens.model,
        tts_input_tokens: sql<number>`coalesce(tts_input_tokens, 0) + ${c.tokens.input}`,
        tts_output_tokens: sql<number>`coalesce(tts_output_tokens, 0) + ${c.tokens.output}`,
      }
    : {};
  await trx
    .updateTable('jobs')
    .set({ tts_characters: sql<number>`coalesce(tts_characters, 0) + ${c.characters}`, tts_cost_usd: sql<number>`coalesce(tts_cost_usd, 0) + ${c.usd}`, ...tokens })
    .where('id', '=', c.jobId)
    .execute();
  await addSpend(trx, c.batchId, c.usd);
}

/**
 * Records a chunk just bought, and its cost, in one short transaction behind the fence. A writer whose
 * lease was taken over keeps nothing but still books what Google billed it, then gets LeaseLostError.
 */
export async function storeChunk(db: Kysely<Database>, lease: Lease, c: BoughtChunk): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      await assertLease(trx, lease);
      const inserted = await trx
        .insertInto('narration_chunks')
        .values({ narration_key: c.narrationKey, idx: c.idx, token: lease.token, object_key: c.objectKey, marks: JSON.stringify(c.marks), characters: c.characters, cost_usd: c.usd, job_id: c.jobId })
        .onConflict((oc) => oc.columns(['narration_key', 'idx']).doNothing())
        .returning('idx')
        .executeTakeFirst();
      if (inserted) await addChunkSpend(trx, c);
    });
  } catch (err) {
    if (err instanceof LeaseLostError) await db.transaction().execute((trx) => addChunkSpend(trx, c));
    throw err;
  }
}

/** Forgets one chunk whose object storage lost, so it is bought (and counted) again. */
export async function dropChunk(db: Kysely<Database>, narrationKey: string, idx: number): Promise<void> {
  await db.deleteFrom('narration_chunks').where('narration_key', '=', narrationKey).where('idx', '=', idx).execute();
}

/** Forgets a narration's chunks once it is assembled and stored; returns their objects to delete. */
export async function dropChunks(db: Kysely<Database>, narrationKey: string): Promise<string[]> {
  const rows = await db.deleteFrom('narration_chunks').where('narration_key', '=', narrationKey).returning('object_key').execute();
  return rows.map((r) => r.object_key);
}
