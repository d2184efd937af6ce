// The `audio_cache` table: a narration anyone may reuse, keyed by the hash of its text, voice and audio settings.
import type { Generated } from 'kysely';
import type { CreatedAt } from './columns';

export interface AudioCacheTable {
  key: string;
  audio_key: string;
  srt_key: string;
  vtt_key: string;
  bytes: number;
  duration_ms: number;
  hits: Generated<number>;
  created_at: CreatedAt;
}
