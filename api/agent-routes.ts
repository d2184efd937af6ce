// Saved agents (script templates): CRUD where every edit is a new immutable version.
import type { Response } from 'express';
import { z } from 'zod';
import { createAgent, deleteAgent, getAgent, listAgents, listAgentVersions, updateAgent, type AgentWithVersion } from '../db/agents';
import { ApiError, ApiErrorCode } from './errors';
import { removalRoute, route, type Api } from './http';
import { AgentListQuery, AgentSchema, AgentVersionParams, IdParam } from './schemas';

/** The JSON view of an agent version. */
export const agentView = (a: AgentWithVersion) => ({
  id: a.id,
  version: a.version,
  currentVersion: a.currentVersion,
  name: a.name,
  premisePrompt: a.premisePrompt,
  structurePrompt: a.structurePrompt,
  tone: a.tone,
  targetMinutes: a.targetMinutes,
  masterLanguage: a.masterLanguage,
  voiceStyle: a.voiceStyle,
  pronunciations: a.pronunciations,
  loudness: a.loudness,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  versionCreatedAt: a.versionCreatedAt,
});

const AgentView = AgentSchema.extend({
  id: z.string(),
  version: z.number(),
  currentVersion: z.number(),
  masterLanguage: z.string().nullable(),
  voiceStyle: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  versionCreatedAt: z.string(),
});

/** Answers with the agent, or 404 `not_found` when there is none. */
function sendAgent(res: Response, agent: AgentWithVersion | undefined, notFound = 'no such agent'): void {
  if (!agent) throw new ApiError(404, ApiErrorCode.notFound, notFound);
  res.json({ agent: agentView(agent) });
}

export function agentRoutes(api: Api): void {
  const { db } = api.deps;

  route(
    api,
    {
      method: 'get',
      path: '/api/agents',
      tag: 'agents',
      summary: "The caller's agents at their current versions, newest first",
      query: AgentListQuery,
      responses: { 200: { description: 'a page of agents', schema: z.object({ agents: z.array(AgentView), page: z.number(), pageSize: z.number(), total: z.number() }) } },
    },
    async ({ res, query, user }) => {
      const { items, total } = await listAgents(db, user.id, { limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      res.json({ agents: items.map(agentView), page: query.page, pageSize: query.pageSize, total });
    },
  );

  route(
    api,
    { method: 'post', path: '/api/agents', tag: 'agents', summary: 'Create an agent (version 1)', body: AgentSchema, responses: { 201: { description: 'the agent', schema: z.object({ agent: AgentView }) } } },
    async ({ res, body, user }) => {
      res.status(201).json({ agent: agentView(await createAgent(db, user.id, body)) });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/agents/:id',
      tag: 'agents',
      summary: 'One agent at its current version',
      params: IdParam,
      notFoundMessage: 'no such agent',
      responses: { 200: { description: 'the agent', schema: z.object({ agent: AgentView }) }, 404: { description: 'no such agent of yours' } },
    },
    async ({ res, params, user }) => sendAgent(res, await getAgent(db, user.id, params.id)),
  );

  route(
    api,
    {
      method: 'put',
      path: '/api/agents/:id',
      tag: 'agents',
      summary: 'Replace the agent’s fields: saves them as a new version (batches keep the version they ran with)',
      params: IdParam,
      body: AgentSchema,
      notFoundMessage: 'no such agent',
      responses: { 200: { description: 'the agent at its new version', schema: z.object({ agent: AgentView }) }, 404: { description: 'no such agent of yours' } },
    },
    async ({ res, params, body, user }) => sendAgent(res, await updateAgent(db, user.id, params.id, body)),
  );

  const deleted = { path: '/api/agents/:id', tag: 'agents', summary: 'Delete an agent and its versions (batches keep their own copy)', what: 'agent', removed: 'deleted' };
  removalRoute(api, deleted, (user, id) => deleteAgent(db, user.id, id));
  agentVersionRoutes(api);
}

/** GET /api/agents/:id/versions[/:version]: an agent's history. */
function agentVersionRoutes(api: Api): void {
  const { db } = api.deps;

  route(
    api,
    {
      method: 'get',
      path: '/api/agents/:id/versions',
      tag: 'agents',
      summary: 'Every version of an agent, oldest first',
      params: IdParam,
      notFoundMessage: 'no such agent',
      responses: { 200: { description: 'versions', schema: z.object({ versions: z.array(AgentView) }) }, 404: { description: 'no such agent of yours' } },
    },
    async ({ res, params, user }) => {
      const versions = await listAgentVersions(db, user.id, params.id);
      if (!versions) throw new ApiError(404, ApiErrorCode.notFound, 'no such agent');
      res.json({ versions: versions.map(agentView) });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/agents/:id/versions/:version',
      tag: 'agents',
      summary: 'One version of an agent',
      params: AgentVersionParams,
      notFoundMessage: 'no such agent version',
      responses: { 200: { description: 'the version', schema: z.object({ agent: AgentView }) }, 404: { description: 'no such agent or version of yours' } },
    },
    async ({ res, params, user }) => sendAgent(res, await getAgent(db, user.id, params.id, params.version), 'no such agent version'),
  );
}
