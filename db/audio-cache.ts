// The narration cache: where an earlier job's audio and subtitles for the same content are stored.
import { sql, type Kysely } from 'kysely';
import { assertLease, type Lease } from './leases';
import type { Database } from './schema';

export interface CachedAudio {
  audioKey: string;
  srtKey: string;
  vttKey: string;
  bytes: number;
  durationMs: number;
}

/** The cached narration for a content key, if any (its objects may since have gone: check before use). */
export async function findCachedAudio(db: Kysely<Database>, key: string): Promise<CachedAudio | undefined> {
  const row = await db.selectFrom('audio_cache').selectAll().where('key', '=', key).executeTakeFirst();
  return row ? { audioKey: row.audio_key, srtKey: row.srt_key, vttKey: row.vtt_key, bytes: row.bytes, durationMs: row.duration_ms } : undefined;
}

/** Counts one reuse of a cached narration. */
export async function countAudioHit(db: Kysely<Database>, key: string): Promise<void> {
  await db.updateTable('audio_cache').set({ hits: sql<number>`hits + 1` }).where('key', '=', key).execute();
}

/** Records a narration just assembled under `lease`; refused (LeaseLostError) when the lease was taken over. */
export async function storeCachedAudio(db: Kysely<Database>, lease: Lease, key: string, made: CachedAudio): Promise<void> {
  const values = { audio_key: made.audioKey, srt_key: made.srtKey, vtt_key: made.vttKey, bytes: made.bytes, duration_ms: made.durationMs };
  await db.transaction().execute(async (trx) => {
    await assertLease(trx, lease);
    await trx
      .insertInto('audio_cache')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  });
}
