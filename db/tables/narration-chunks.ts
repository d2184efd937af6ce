// The `narration_chunks` table: one bought TTS chunk of a narration not yet assembled; its PCM is in storage at `object_key`.
import type { JSONColumnType } from 'kysely';
import type { CreatedAt } from './columns';

export interface NarrationChunkTable {
  narration_key: string;
  idx: number;
  token: number;
  object_key: string;
  /** Mark name → seconds from the start of the chunk. */
  marks: JSONColumnType<Record<string, number>>;
  characters: number;
  cost_usd: number;
  job_id: string | null;
  created_at: CreatedAt;
}
