// The `script_cache` table: a script anyone may reuse, keyed by the hash of everything that decides its content.
import type { Generated, JSONColumnType } from 'kysely';
import type { CreatedAt } from './columns';

export interface ScriptCacheTable {
  key: string;
  kind: 'master' | 'adaptation';
  title: string;
  blocks: JSONColumnType<string[]>;
  model: string;
  hits: Generated<number>;
  created_at: CreatedAt;
}
