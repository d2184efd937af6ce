// Admin-only view of the key pool: keys masked (last four characters), their circuit and usage; disable,
// enable and remove. Adding keys stays in `npm run keys` (it needs the master key, which the API never holds).
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listKeys, removeKey, setKeyStatus, type ApiKeyView } from '../db/keys';
import type { Database } from '../db/schema';
import { ApiError, ApiErrorCode } from './errors';
import { requireAdmin, route, type Api } from './http';
import { EmptyBody, IdParam } from './schemas';
import type { keyTestWorkflow } from '../workflows';

/** The JSON view of a pooled key: never the key, only `…last4`. */
export const keyView = (k: ApiKeyView) => ({
  id: k.id,
  service: k.service,
  account: k.account_email,
  project: k.project,
  label: k.label,
  key: `…${k.last4}`,
  status: k.status,
  disabledReason: k.disabled_reason,
  circuit: k.circuit,
  consecutiveFailures: k.consecutive_failures,
  reopenAt: k.reopen_at,
  limits: { rpm: k.rpm, rpd: k.rpd },
  usage: { day: k.day_count, total: k.requests_total },
  lastError: k.last_error,
  lastUsedAt: k.last_used_at,
  createdAt: k.created_at,
});

const KeyListQuery = z.object({ service: z.enum(['gemini', 'tts']).optional(), status: z.enum(['active', 'disabled']).optional() }).strict();
const DisableBody = z.object({ reason: z.string().trim().min(1).max(200).default('disabled by an admin') }).strict().prefault({});

/** The pooled key with this id, or 404 `not_found`. */
async function pooledKey(db: Kysely<Database>, id: string): Promise<ApiKeyView> {
  const key = (await listKeys(db)).find((k) => k.id === id);
  if (!key) throw new ApiError(404, ApiErrorCode.notFound, 'no such key');
  return key;
}

export function keyRoutes(api: Api): void {
  const { db } = api.deps;
  const admin = { 403: { description: 'not an admin (`forbidden`)' } };

  route(
    api,
    { method: 'get', path: '/api/keys', tag: 'admin', summary: 'The key pool, masked (admins only)', query: KeyListQuery, responses: { 200: { description: 'keys' }, ...admin } },
    async ({ res, query, user }) => {
      requireAdmin(user);
      res.json({ keys: (await listKeys(db, { service: query.service, status: query.status })).map(keyView) });
    },
  );

  route(
    api,
    { method: 'post', path: '/api/keys/:id/disable', tag: 'admin', summary: 'Stop using a key (admins only)', params: IdParam, body: DisableBody, notFoundMessage: 'no such key', responses: { 204: { description: 'disabled' }, ...admin } },
    async ({ res, params, body, user }) => {
      requireAdmin(user);
      await pooledKey(db, params.id);
      await setKeyStatus(db, params.id, { status: 'disabled', reason: body.reason });
      res.status(204).end();
    },
  );

  route(
    api,
    { method: 'post', path: '/api/keys/:id/enable', tag: 'admin', summary: 'Use a disabled key again, with a closed circuit (admins only)', params: IdParam, notFoundMessage: 'no such key', responses: { 204: { description: 'enabled' }, ...admin } },
    async ({ res, params, user }) => {
      requireAdmin(user);
      await pooledKey(db, params.id);
      await setKeyStatus(db, params.id, { status: 'active' });
      res.status(204).end();
    },
  );

  route(
    api,
    {
      method: 'post',
      path: '/api/keys/:id/test',
      tag: 'admin',
      summary: 'Test a key with one cheap call, made by a worker of its provider (admins only)',
      description: 'Gemini: a five-token answer; TTS: the voice list of one language. The outcome counts like any call: an invalid key is disabled with the reason.',
      params: IdParam,
      body: EmptyBody,
      notFoundMessage: 'no such key',
      responses: { 200: { description: '`{ok, message, latencyMs, key}`: what the test found, and the key after it' }, ...admin, 502: { description: 'no worker answered in time (`provider_unavailable`)' } },
    },
    async ({ res, params, user }) => {
      requireAdmin(user);
      const key = await pooledKey(db, params.id);
      let result;
      try {
        result = await api.deps.temporal.workflow.execute<typeof keyTestWorkflow>('keyTestWorkflow', {
          workflowId: `key-test-${key.id}-${randomUUID()}`,
          taskQueue: api.deps.taskQueue,
          args: [{ keyId: key.id, service: key.service }],
          workflowExecutionTimeout: '90 seconds',
        });
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        throw new ApiError(502, 'provider_unavailable', `the key could not be tested: ${err.cause?.message ?? err.message}`);
      }
      const after = (await listKeys(db)).find((k) => k.id === key.id);
      res.json({ ...result, key: after ? keyView(after) : null });
    },
  );

  route(
    api,
    { method: 'delete', path: '/api/keys/:id', tag: 'admin', summary: 'Remove a key from the pool (admins only)', params: IdParam, notFoundMessage: 'no such key', responses: { 204: { description: 'removed' }, ...admin } },
    async ({ res, params, user }) => {
      requireAdmin(user);
      if (!(await removeKey(db, params.id))) throw new ApiError(404, ApiErrorCode.notFound, 'no such key');
      res.status(204).end();
    },
  );
}
