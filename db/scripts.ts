// Scripts Gemini wrote: one master per (batch, title, variation) and one adaptation per further language.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { anyShard, bumpCounters } from './batch-counters';
import { addSpend } from './batches';
import { assertLease, type Lease } from './leases';
import type { Database, NewScript, Script } from './schema';

export interface ScriptIdentity {
  batchId: string;
  titleIndex: number;
  variation: number;
  language: string;
}

/** The columns that name one script (and its check), as a filter. */
export const identityFilter = (id: ScriptIdentity) => ({ batch_id: id.batchId, title_index: id.titleIndex, variation: id.variation, language: id.language });

export async function findScript(db: Kysely<Database> | Transaction<Database>, id: ScriptIdentity): Promise<Script | undefined> {
  return db.selectFrom('scripts').selectAll().where((eb) => eb.and(identityFilter(id))).executeTakeFirst();
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
  await bumpCounters(db, batchId, anyShard(), { cache_hits: 1 });
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

/** What a paid Gemini call produced for one script identity. */
export type ProducedScript = Omit<NewScript, 'batch_id' | 'title_index' | 'variation' | 'language'>;

const identityColumns = (id: ScriptIdentity) => ({ batch_id: id.batchId, title_index: id.titleIndex, variation: id.variation, language: id.language });

/**
 * Copies a script made earlier for the same content (any batch) into `id`, if the lease is still ours:
 * no paid call, zero tokens on this batch's row, one more cache hit. Undefined when the cache has none.
 */
export async function takeFromScriptCache(db: Kysely<Database>, lease: Lease, id: ScriptIdentity, cacheKey: string): Promise<Script | undefined> {
  // Most calls find nothing: one read says so, without the fenced transaction (whose lock and update found nothing
  // either). An entry stored after this read is missed, as it would be after the transaction.
  if (!(await db.selectFrom('script_cache').select('key').where('key', '=', cacheKey).executeTakeFirst())) return undefined;
  return db.transaction().execute(async (trx) => {
    await assertLease(trx, lease);
    const hit = await trx.updateTable('script_cache').set({ hits: sql<number>`hits + 1` }).where('key', '=', cacheKey).returningAll().executeTakeFirst();
    if (!hit) return undefined;
    const script = await saveScript(trx, { ...identityColumns(id), kind: hit.kind, title: hit.title, blocks: JSON.stringify(hit.blocks), model: hit.model, input_tokens: 0, output_tokens: 0 });
    await countCacheHit(trx, id.batchId);
    return script;
  });
}

/**
 * Stores what a paid call produced, with its spend and its cache entry, in one short transaction that
 * first checks the lease token (the fence): a writer whose lease was taken over stores nothing.
 */
export async function storeProducedScript(db: Kysely<Database>, lease: Lease, id: ScriptIdentity, made: ProducedScript, cacheKey?: string): Promise<Script> {
  return db.transaction().execute(async (trx) => {
    await assertLease(trx, lease);
    const inserted = await trx
      .insertInto('scripts')
      .values({ ...made, ...identityColumns(id) })
      .onConflict((oc) => oc.columns(['batch_id', 'title_index', 'variation', 'language']).doNothing())
      .returningAll()
      .executeTakeFirst();
    // Same transaction as the script row: the spend moves exactly when the script is first stored.
    if (inserted) await addSpend(trx, id.batchId, inserted.cost_usd);
    if (cacheKey) {
      await trx
        .insertInto('script_cache')
        .values({ key: cacheKey, kind: made.kind, title: made.title, blocks: made.blocks, model: made.model })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    const row = inserted ?? (await findScript(trx, id));
    if (!row) throw new Error('script vanished after insert');
    return row;
  });
}
