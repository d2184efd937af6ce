// Scripts Gemini wrote: one master per (batch, title, variation) and one adaptation per further language.
import { sql, type Kysely, type Transaction } from 'kysely';
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

/**
 * Runs `produce` at most once per script identity across every worker: a transaction-scoped
 * advisory lock serialises concurrent callers, and the second finds the first one's row.
 * A crash releases the lock with the connection, so only the call in flight is ever repeated.
 */
export async function onceForScript(
  db: Kysely<Database>,
  id: ScriptIdentity,
  produce: () => Promise<Omit<NewScript, 'batch_id' | 'title_index' | 'variation' | 'language'>>,
): Promise<{ script: Script; produced: boolean }> {
  const existing = await findScript(db, id);
  if (existing) return { script: existing, produced: false };
  return db.transaction().execute(async (trx) => {
    const lockKey = `script:${id.batchId}:${id.titleIndex}:${id.variation}:${id.language}`;
    await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx);
    const again = await findScript(trx, id);
    if (again) return { script: again, produced: false };
    const made = await produce();
    const script = await saveScript(trx, { ...made, batch_id: id.batchId, title_index: id.titleIndex, variation: id.variation, language: id.language });
    return { script, produced: true };
  });
}
