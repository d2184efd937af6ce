// Which agent a new batch runs with: the inline one of the request, or a saved agent (its current version or
// the one asked for), copied into the batch so later edits never change it.
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { getAgent, type AgentWithVersion } from '../db/agents';
import type { AgentSnapshot, Database } from '../db/schema';
import { invalidField } from './errors';
import { AgentInputSchema, type CreateBatchSchema } from './schemas';

/** The agent of a new batch, the saved version it came from, and that agent's master language. */
export interface ResolvedAgent {
  agent: AgentSnapshot;
  agentRef?: { id: string; version: number };
  masterLanguage: string | null;
}

/** The copy of a saved agent version a batch keeps. */
function snapshotOf(saved: AgentWithVersion): AgentSnapshot {
  return {
    name: saved.name,
    premisePrompt: saved.premisePrompt,
    structurePrompt: saved.structurePrompt,
    tone: saved.tone,
    targetMinutes: saved.targetMinutes,
    ...(saved.pronunciations.length > 0 ? { pronunciations: saved.pronunciations } : {}),
    ...(saved.loudness !== null ? { loudness: saved.loudness } : {}),
    ...(saved.voiceStyle ? { voiceStyle: saved.voiceStyle } : {}),
  };
}

/** Resolves the request's agent; an unknown saved agent or version is a 400 naming the field. */
export async function resolveAgent(db: Kysely<Database>, userId: string, input: z.output<typeof CreateBatchSchema>): Promise<ResolvedAgent> {
  if (!input.agentId) return { agent: AgentInputSchema.parse(input.agent ?? {}), masterLanguage: null };
  const saved = await getAgent(db, userId, input.agentId, input.agentVersion);
  if (!saved) {
    throw input.agentVersion ? invalidField('agentVersion', 'no such version of that agent') : invalidField('agentId', 'no such agent');
  }
  return { agent: snapshotOf(saved), agentRef: { id: saved.id, version: saved.version }, masterLanguage: saved.masterLanguage };
}
