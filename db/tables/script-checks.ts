// The `script_checks` table: the script check of one script (master or adaptation), every attempt and how it ended.
import type { JSONColumnType, Selectable } from 'kysely';
import type { ScriptCheckAttempt, ScriptCheckOutcome } from '../../domain/script-check';
import type { CreatedAt } from './columns';

export interface ScriptCheckTable {
  batch_id: string;
  title_index: number;
  variation: number;
  language: string;
  kind: 'master' | 'adaptation';
  outcome: ScriptCheckOutcome;
  attempts: JSONColumnType<ScriptCheckAttempt[]>;
  reasons: JSONColumnType<string[]>;
  created_at: CreatedAt;
}

export type ScriptCheck = Selectable<ScriptCheckTable>;
