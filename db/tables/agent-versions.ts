// The `agent_versions` table: one immutable version of an agent (prompts, tone, voice style, pronunciations).
import type { ColumnType, Insertable, JSONColumnType, Selectable } from 'kysely';
import type { Pronunciation } from '../../domain/pronunciation';
import type { CreatedAt } from './columns';

export interface AgentVersionTable {
  agent_id: string;
  version: number;
  name: string;
  premise_prompt: string;
  structure_prompt: string;
  tone: string;
  target_minutes: number;
  master_language: string | null;
  /** Style prompt for voices that take one (Gemini-TTS); null when the version has none. */
  voice_style: ColumnType<string | null, string | null | undefined, string | null>;
  /** Terms with their pronunciation (IPA or X-SAMPA), versioned with the agent. */
  pronunciations: JSONColumnType<Pronunciation[], string | undefined>;
  /** `off`, `-23`, `-16` or `-14` (LUFS); null means the default. */
  loudness_target: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export type AgentVersion = Selectable<AgentVersionTable>;
export type NewAgentVersion = Insertable<AgentVersionTable>;
