// The narration cache: where an earlier job's audio and subtitles for the same content are stored.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

export interface CachedAudio {
  audioKey: string;
  srtKey: string;
  vttKey: string;
  bytes: number;
  durationMs: number;
}

/**
 * Runs `produce` unless a usable narration for `key` exists; `usable` checks the cached objects are
 * still in storage. An advisory lock on the key makes concurrent identical jobs (any batch) wait for
 * the first instead of paying twice. Returns the cached entry on a hit, undefined after producing.
 */
export async function onceForAudio(
  db: Kysely<Database>,
  key: string,
  usable: (entry: CachedAudio) => Promise<boolean>,
  produce: () => Promise<CachedAudio>,
): Promise<CachedAudio | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`audio:${key}`}, 0))`.execute(trx);
    const row = await trx.selectFrom('audio_cache').selectAll().where('key', '=', key).executeTakeFirst();
    if (row) {
      const entry = { audioKey: row.audio_key, srtKey: row.srt_key, vttKey: row.vtt_key, bytes: row.bytes, durationMs: row.duration_ms };
      if (await usable(entry)) {
        await trx.updateTable('audio_cache').set({ hits: sql<number>`hits + 1` }).where('key', '=', key).execute();
        return entry;
      }
    }
    const made = await produce();
    const values = { audio_key: made.audioKey, srt_key: made.srtKey, vtt_key: made.vttKey, bytes: made.bytes, duration_ms: made.durationMs };
    await trx
      .insertInto('audio_cache')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
    return undefined;
  });
}
