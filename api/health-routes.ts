// The routes of operations, without a token: liveness, readiness (PostgreSQL and Temporal), the providers in
// use, and the Prometheus metrics of this process.
import { sql } from 'kysely';
import { z } from 'zod';
import type { BoltMetrics } from '../adapters/metrics';
import { route, type Api, type ApiDeps } from './http';

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

/** Whether a dependency answers within 3 s. The driver's error text (host names, ports, user names) goes to the log only. */
const reachable = (deps: ApiDeps, name: string, fn: () => Promise<unknown>) =>
  withTimeout(fn(), 3000).then(
    () => 'ok' as const,
    (err: unknown) => {
      deps.log(`readyz: ${name} unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      return 'unreachable' as const;
    },
  );

/** Readiness: 200 when PostgreSQL and Temporal answer, else 503 naming the ones that do not. */
async function readiness(deps: ApiDeps): Promise<{ status: number; body: Record<string, unknown> }> {
  const [postgres, temporal] = await Promise.all([
    reachable(deps, 'postgres', () => sql`select 1`.execute(deps.db)),
    reachable(deps, 'temporal', () => deps.temporal.workflowService.getSystemInfo({})),
  ]);
  const ok = postgres === 'ok' && temporal === 'ok';
  const failing = Object.entries({ postgres, temporal }).filter(([, v]) => v !== 'ok').map(([k]) => k);
  if (!ok) return { status: 503, body: { ok, checks: { postgres, temporal }, failing, message: `not ready: ${failing.join(' and ')} unreachable` } };
  return { status: 200, body: { ok, checks: { postgres, temporal } } };
}

const Providers = z.object({ providers: z.object({ gemini: z.enum(['google', 'simulator']), tts: z.enum(['google', 'simulator']) }) });

export function healthRoutes(api: Api, metrics: BoltMetrics): void {
  const { deps } = api;
  const open = { tag: 'health', auth: false } as const;
  route(api, { method: 'get', path: '/healthz', ...open, summary: 'Liveness: the process answers', responses: { 200: { description: 'alive', schema: z.object({ ok: z.literal(true) }) } } }, ({ res }) => {
    res.json({ ok: true });
  });
  const notReady = { description: 'a dependency is unreachable; `failing` names it (the driver error is logged, not returned)' };
  route(api, { method: 'get', path: '/readyz', ...open, summary: 'Readiness: PostgreSQL and Temporal are reachable', responses: { 200: { description: 'ready' }, 503: notReady } }, async ({ res }) => {
    const { status, body } = await readiness(deps);
    res.status(status).json(body);
  });
  route(api, { method: 'get', path: '/api/status', ...open, summary: 'Which providers are real and which simulated', responses: { 200: { description: 'providers', schema: Providers } } }, ({ res }) => {
    res.json({ providers: deps.providers });
  });
  const metricsSummary = 'Prometheus metrics of this process (batches, keys, jobs, provider calls, spend, HTTP)';
  route(api, { method: 'get', path: '/metrics', ...open, summary: metricsSummary, responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } } }, async ({ res }) => {
    const { contentType, body } = await metrics.scrape();
    res.type(contentType).send(body);
  });
}
