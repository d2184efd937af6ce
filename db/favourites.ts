// Favourite voices: one per (user, language), always read and written for the caller only.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface FavouriteVoice {
  language: string;
  voice: string;
  updatedAt: Date;
}

export async function listFavourites(db: Kysely<Database>, userId: string): Promise<FavouriteVoice[]> {
  const rows = await db.selectFrom('favourite_voices').select(['language', 'voice', 'updated_at']).where('user_id', '=', userId).orderBy('language').execute();
  return rows.map((r) => ({ language: r.language, voice: r.voice, updatedAt: r.updated_at }));
}

/** Sets the user's favourite for a language, replacing the one before. */
export async function setFavourite(db: Kysely<Database>, userId: string, language: string, voice: string): Promise<FavouriteVoice> {
  const row = await db
    .insertInto('favourite_voices')
    .values({ user_id: userId, language, voice })
    .onConflict((oc) => oc.columns(['user_id', 'language']).doUpdateSet({ voice, updated_at: new Date() }))
    .returning(['language', 'voice', 'updated_at'])
    .executeTakeFirstOrThrow();
  return { language: row.language, voice: row.voice, updatedAt: row.updated_at };
}

/** Removes the favourite; false when there was none. */
export async function clearFavourite(db: Kysely<Database>, userId: string, language: string): Promise<boolean> {
  const r = await db.deleteFrom('favourite_voices').where('user_id', '=', userId).where('language', '=', language).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
