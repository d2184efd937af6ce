// The `jobs` table: one narration (title, language, voice, variation) of a batch, its stage, outputs and costs.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { LoudnessReport } from '../../domain/loudness';
import type { PronunciationNotes } from '../../domain/pronunciation';
import type { JobStatus } from '../../domain/statuses';
import type { CreatedAt, NullableJson, UpdatedAt } from './columns';

export interface JobTable {
  id: string;
  batch_id: string;
  seq: number;
  title_index: number;
  title: string;
  language: string;
  voice: string;
  variation: number;
  uses_master_directly: boolean;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  stage: string | null;
  script_key: string | null;
  audio_key: string | null;
  audio_bytes: number | null;
  audio_duration_ms: number | null;
  error_stage: string | null;
  error_code: string | null;
  error_message: string | null;
  /** Characters sent to TTS for this job's audio (0 when the narration came from the cache). */
  tts_characters: ColumnType<number | null, number | null | undefined, number | null>;
  /** What that synthesis cost, in USD; set once, with the batch's spend, when the audio is made. */
  tts_cost_usd: ColumnType<number | null, number | null | undefined, number | null>;
  /** Something the job did differently from what was asked, e.g. a style prompt its voice family ignores. */
  note: ColumnType<string | null, string | null | undefined, string | null>;
  /** Gemini-TTS only: the model and the tokens billed (text and prompt in, audio out). */
  tts_model: ColumnType<string | null, string | null | undefined, string | null>;
  tts_input_tokens: ColumnType<number | null, number | null | undefined, number | null>;
  tts_output_tokens: ColumnType<number | null, number | null | undefined, number | null>;
  /** Integrated loudness and true peak measured before and after normalisation (null before synthesis). */
  loudness: NullableJson<LoudnessReport>;
  /** Pronunciations the voice could not take, noted when the audio was made. */
  pronunciation_notes: NullableJson<PronunciationNotes>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  started_at: Date | null;
  finished_at: Date | null;
}

export type Job = Selectable<JobTable>;
export type NewJob = Insertable<JobTable>;
export type JobUpdate = Updateable<JobTable>;
