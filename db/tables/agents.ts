// The `agents` table: a user's saved agent, pointing at its current version.
import type { Selectable } from 'kysely';
import type { CreatedAt, UpdatedAt } from './columns';

export interface AgentTable {
  id: string;
  user_id: string;
  current_version: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type Agent = Selectable<AgentTable>;
