// What the narration step adds for quality: the loudness target and pronunciations a job speaks with, and the
// measured loudness and pronunciation notes stored with the job.
import type { Kysely } from 'kysely';
import type { Narration, NarrationRequest } from '../adapters/tts';
import { updateJob } from '../db/jobs';
import type { BatchOptions, Database } from '../db/schema';
import { DEFAULT_LOUDNESS } from '../domain/loudness';

/** Loudness target (batch, else agent, else -16 LUFS) and the agent's pronunciations. */
export function narrationQuality(options: Pick<BatchOptions, 'agent' | 'loudness'>): Pick<NarrationRequest, 'loudness' | 'pronunciations'> {
  return {
    loudness: options.loudness ?? options.agent.loudness ?? DEFAULT_LOUDNESS,
    ...(options.agent.pronunciations?.length ? { pronunciations: options.agent.pronunciations } : {}),
  };
}

/** Parts of the audio cache key that change the sound: the loudness target and the pronunciations. */
export function qualityKey(req: Pick<NarrationRequest, 'loudness' | 'pronunciations'>): Record<string, unknown> {
  // The default target adds nothing, so narrations cached before targets existed differ (they were not normalised).
  return { loudness: req.loudness ?? DEFAULT_LOUDNESS, ...(req.pronunciations?.length ? { pronunciations: req.pronunciations } : {}) };
}

/** The job's columns for a narration's measured loudness and pronunciation notes (stored with its audio). */
export function narrationQualityColumns(narration: Pick<Narration, 'loudness' | 'pronunciations'>): { loudness: string; pronunciation_notes: string | null } {
  return { loudness: JSON.stringify(narration.loudness), pronunciation_notes: narration.pronunciations ? JSON.stringify(narration.pronunciations) : null };
}

/** A narration served from the cache sounds like the one it came from: its job's figures are copied. */
export async function copyNarrationQuality(db: Kysely<Database>, jobId: string, sourceAudioKey: string): Promise<void> {
  const source = await db.selectFrom('jobs').select(['loudness', 'pronunciation_notes']).where('audio_key', '=', sourceAudioKey).where('loudness', 'is not', null).executeTakeFirst();
  if (!source) return;
  await updateJob(db, jobId, {
    loudness: source.loudness ? JSON.stringify(source.loudness) : null,
    pronunciation_notes: source.pronunciation_notes ? JSON.stringify(source.pronunciation_notes) : null,
  });
}
