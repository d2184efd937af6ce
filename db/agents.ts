// Agents (saved script templates) and their immutable versions: an edit adds a version, never rewrites one.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parseLoudnessTarget, type LoudnessTarget } from '../domain/loudness';
import type { Pronunciation } from '../domain/pronunciation';
import type { AgentVersion, Database } from './schema';

/** The fields of one agent version, as the API speaks them. */
export interface AgentFields {
  name: string;
  premisePrompt: string;
  structurePrompt: string;
  tone: string;
  targetMinutes: number;
  masterLanguage: string | null;
  /** Style prompt for voices that take one (Gemini-TTS); null for none. */
  voiceStyle: string | null;
  /** Terms and how to say them, versioned with the agent. */
  pronunciations: Pronunciation[];
  /** null: the default loudness target. */
  loudness: LoudnessTarget | null;
}

/** An agent with the fields of one of its versions. */
export interface AgentWithVersion extends AgentFields {
  id: string;
  version: number;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
  versionCreatedAt: Date;
}

const toRow = (f: AgentFields) => ({
  name: f.name,
  premise_prompt: f.premisePrompt,
  structure_prompt: f.structurePrompt,
  tone: f.tone,
  target_minutes: f.targetMinutes,
  master_language: f.masterLanguage,
  voice_style: f.voiceStyle,
  pronunciations: JSON.stringify(f.pronunciations),
  loudness_target: f.loudness === null ? null : String(f.loudness),
});

function fromRows(a: { id: string; current_version: number; created_at: Date; updated_at: Date }, v: AgentVersion): AgentWithVersion {
  return {
    id: a.id,
    version: v.version,
    currentVersion: a.current_version,
    name: v.name,
    premisePrompt: v.premise_prompt,
    structurePrompt: v.structure_prompt,
    tone: v.tone,
    targetMinutes: v.target_minutes,
    masterLanguage: v.master_language,
    voiceStyle: v.voice_style,
    pronunciations: v.pronunciations,
    loudness: parseLoudnessTarget(v.loudness_target) ?? null,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
    versionCreatedAt: v.created_at,
  };
}

/** Creates an agent at version 1. */
export async function createAgent(db: Kysely<Database>, userId: string, fields: AgentFields): Promise<AgentWithVersion> {
  return db.transaction().execute(async (trx) => {
    const agent = await trx.insertInto('agents').values({ id: randomUUID(), user_id: userId, current_version: 1 }).returningAll().executeTakeFirstOrThrow();
    const version = await trx
      .insertInto('agent_versions')
      .values({ agent_id: agent.id, version: 1, ...toRow(fields) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRows(agent, version);
  });
}

/** One of the user's agents at `version` (the current one by default); undefined for anyone else's. */
export async function getAgent(db: Kysely<Database>, userId: string, agentId: string, version?: number): Promise<AgentWithVersion | undefined> {
  const agent = await db.selectFrom('agents').selectAll().where('id', '=', agentId).where('user_id', '=', userId).executeTakeFirst();
  if (!agent) return undefined;
  const v = await db
    .selectFrom('agent_versions')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('version', '=', version ?? agent.current_version)
    .executeTakeFirst();
  return v ? fromRows(agent, v) : undefined;
}

/** The user's agents at their current versions, newest first. */
export async function listAgents(db: Kysely<Database>, userId: string, page: { limit: number; offset: number }): Promise<{ items: AgentWithVersion[]; total: number }> {
  const rows = await db
    .selectFrom('agents as a')
    .innerJoin('agent_versions as v', (j) => j.onRef('v.agent_id', '=', 'a.id').onRef('v.version', '=', 'a.current_version'))
    .selectAll('v')
    .select(['a.id', 'a.current_version', 'a.created_at as agent_created_at', 'a.updated_at'])
    .where('a.user_id', '=', userId)
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const total = await db.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => fromRows({ id: r.id, current_version: r.current_version, created_at: r.agent_created_at, updated_at: r.updated_at }, r)),
    total: Number(total.n),
  };
}

/** Every version of one of the user's agents, oldest first; undefined for anyone else's agent. */
export async function listAgentVersions(db: Kysely<Database>, userId: string, agentId: string): Promise<AgentWithVersion[] | undefined> {
  const agent = await db.selectFrom('agents').selectAll().where('id', '=', agentId).where('user_id', '=', userId).executeTakeFirst();
  if (!agent) return undefined;
  const versions = await db.selectFrom('agent_versions').selectAll().where('agent_id', '=', agentId).orderBy('version').execute();
  return versions.map((v) => fromRows(agent, v));
}

/**
 * Saves new fields as the agent's next version (the row lock orders concurrent edits); undefined
 * when the user has no such agent.
 */
export async function updateAgent(db: Kysely<Database>, userId: string, agentId: string, fields: AgentFields): Promise<AgentWithVersion | undefined> {
  return db.transaction().execute(async (trx) => {
    const agent = await trx.selectFrom('agents').selectAll().where('id', '=', agentId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!agent) return undefined;
    const next = agent.current_version + 1;
    const version = await trx
      .insertInto('agent_versions')
      .values({ agent_id: agentId, version: next, ...toRow(fields) })
      .returningAll()
      .executeTakeFirstOrThrow();
    const updated = await trx
      .updateTable('agents')
      .set({ current_version: next, updated_at: new Date() })
      .where('id', '=', agentId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRows(updated, version);
  });
}

/** Deletes one of the user's agents and its versions; batches keep their own snapshot. */
export async function deleteAgent(db: Kysely<Database>, userId: string, agentId: string): Promise<boolean> {
  const res = await db.deleteFrom('agents').where('id', '=', agentId).where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
