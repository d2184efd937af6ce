// The narration cache: where an earlier job's audio and subtitles for the same content are stored.
import { sql, type Kysely } from 'kysely';
import { LeaseLostError, type Lease } from './leases';
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

/**
 * Records a narration just assembled under `lease`; refused (LeaseLostError) when the lease was taken over. One
 * statement: the fence (the lease row, locked while its token is still this lease's) is the row the insert selects
 * from, so nothing is written once another holder has the lease; an expired lease nobody took over still admits
 * its holder, as `assertLease` does.
 */
export async function storeCachedAudio(db: Kysely<Database>, lease: Lease, key: string, made: CachedAudio): Promise<void> {
  const { rows } = await sql<{ key: string }>`
    with fence as (select 1 from paid_leases where key = ${lease.key} and token = ${lease.token} for update)
    insert into audio_cache (key, audio_key, srt_key, vtt_key, bytes, duration_ms)
    select ${key}::text, ${made.audioKey}::text, ${made.srtKey}::text, ${made.vttKey}::text, ${made.bytes}::integer, ${made.durationMs}::integer from fence
    on conflict (key) do update set audio_key = excluded.audio_key, srt_key = excluded.srt_key, vtt_key = excluded.vtt_key, bytes = excluded.bytes,
      duration_ms = excluded.duration_ms
    returning key`.execute(db);
  if (rows.length === 0) throw new LeaseLostError(lease);
}
