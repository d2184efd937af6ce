// Scripts Gemini wrote: one master per (batch, title, variation) and one adaptation per further language.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { addSpend } from './batches';
import type { Database, NewScript, Script } from './schema';

export interface ScriptIdentity {
  batchId: string;
  titleIndex: number;
  variation: number;
  language: string;
}

export async function findScript(db: Kysely<Database> | Transaction<Database>, id: ScriptIdentity): Promise<Script | undefined> {
  return db
    .selectFrom('scripts')
    .selectAll()
    .where('batch_id', '=', id.batchId)
    .where('title_index', '=', id.titleIndex)
    .where('variation', '=', id.variation)
    .where('language', '=', id.language)
    .executeTakeFirst();
}

/** Inserts a script unless one with the same identity exists; returns the stored row either way. */
export async function saveScript(db: Kysely<Database> | Transaction<Database>, script: NewScript): Promise<Script> {
  await db.insertInto('scripts').values(script).onConflict((oc) => oc.columns(['batch_id', 'title_index', 'variation', 'language']).doNothing()).execute();
  const row = await findScript(db, { batchId: script.batch_id, titleIndex: script.title_index, variation: script.variation, language: script.language });
  if (!row) throw new Error('script vanished after insert');
  return row;
}

/** Counts one piece of work a batch got from the cache instead of a paid call. */
export async function countCacheHit(db: Kysely<Database> | Transaction<Database>, batchId: string): Promise<void> {
  await db.updateTable('batches').set({ cache_hits: sql<number>`cache_hits + 1` }).where('id', '=', batchId).execute();
}

/** Hash of a value's canonical JSON (object keys sorted): the content address of a cached script. */
export function contentKey(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}

type Produced = Omit<NewScript, 'batch_id' | 'title_index' | 'variation' | 'language'>;

/**
 * Runs `produce` at most once per script identity across every worker: a transaction-scoped
 * advisory lock serialises concurrent callers, and the second finds the first one's row.
 * A crash releases the lock with the connection, so only the call in flight is ever repeated.
 * With a `cacheKey`, a script made earlier for the same content (any batch) is reused instead:
 * no paid call, zero tokens on this batch's row, and one more cache hit on the batch.
 */
export async function onceForScript(
  db: Kysely<Database>,
  id: ScriptIdentity,
  produce: () => Promise<Produced>,
  cacheKey?: string,
): Promise<{ script: Script; produced: boolean; cached: boolean }> {
  const existing = await findScript(db, id);
  if (existing) return { script: existing, produced: false, cached: false };
  return db.transaction().execute(async (trx) => {
    const lockKey = `script:${id.batchId}:${id.titleIndex}:${id.variation}:${id.language}`;
    await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx);
    const again = await findScript(trx, id);
    if (again) return { script: again, produced: false, cached: false };
    const identity = { batch_id: id.batchId, title_index: id.titleIndex, variation: id.variation, language: id.language };
    if (cacheKey) {
      // Same lock for the same content in other batches: two batches never pay for one script.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`cache:${cacheKey}`}, 0))`.execute(trx);
      const hit = await trx.updateTable('script_cache').set({ hits: sql<number>`hits + 1` }).where('key', '=', cacheKey).returningAll().executeTakeFirst();
      if (hit) {
        const script = await saveScript(trx, { ...identity, kind: hit.kind, title: hit.title, blocks: JSON.stringify(hit.blocks), model: hit.model, input_tokens: 0, output_tokens: 0 });
        await countCacheHit(trx, id.batchId);
        return { script, produced: false, cached: true };
      }
    }
    const made = await produce();
    const script = await saveScript(trx, { ...made, ...identity });
    // Same transaction as the script row: the spend moves exactly when the script is first stored.
    await addSpend(trx, id.batchId, script.cost_usd);
    if (cacheKey) {
      await trx
        .insertInto('script_cache')
        .values({ key: cacheKey, kind: script.kind, title: script.title, blocks: JSON.stringify(script.blocks), model: script.model })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    return { script, produced: true, cached: false };
  });
}
