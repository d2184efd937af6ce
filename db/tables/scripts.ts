// The `scripts` table: a script written by Gemini, the master of a (title, variation) or its adaptation to one language.
import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable } from 'kysely';
import type { CreatedAt } from './columns';

export interface ScriptTable {
  id: Generated<string>;
  batch_id: string;
  title_index: number;
  variation: number;
  language: string;
  kind: 'master' | 'adaptation';
  title: string;
  blocks: JSONColumnType<string[]>;
  model: string;
  input_tokens: number;
  output_tokens: number;
  /** What the Gemini call cost, in USD (0 for a script served from the cache). */
  cost_usd: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export type Script = Selectable<ScriptTable>;
export type NewScript = Insertable<ScriptTable>;
