// What a worker process adds to its activities and shows to operators: the log context of each
// activity (batch, job, workflow, activity, attempt), stage durations, and the HTTP endpoints
// /metrics, /healthz and /readyz on the worker's own port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { sql, type Kysely } from 'kysely';
import { idsFromWorkflowId, withLogContext, type LogFields } from '../adapters/logger';
import type { BoltMetrics } from '../adapters/metrics';
import type { Database } from '../db/schema';

/** The job stage each job activity belongs to, for `bolt_job_stage_duration_seconds` (`master`: once per master script, by its workflow). */
const STAGE_OF: Record<string, string> = {
  startJob: 'bookkeeping',
  writeMasterScript: 'master',
  adaptScript: 'adaptation',
  storeScript: 'storage',
  synthesizeSpeech: 'synthesis',
  completeJob: 'bookkeeping',
  failJob: 'bookkeeping',
};

/** The fields every line logged by this activity attempt carries. */
function activityFields(ctx: Context, args: unknown[]): LogFields {
  const { activityType, attempt } = ctx.info;
  const workflowId = ctx.info.workflowExecution?.workflowId;
  const arg = (args[0] ?? {}) as { batchId?: unknown; jobId?: unknown };
  const batchId = typeof arg.batchId === 'string' ? arg.batchId : workflowId ? idsFromWorkflowId(workflowId).batchId : undefined;
  return {
    ...(batchId ? { batchId } : {}),
    ...(typeof arg.jobId === 'string' ? { jobId: arg.jobId } : {}),
    ...(workflowId ? { workflowId } : {}),
    activity: activityType,
    attempt,
  };
}

/** Log context for every activity, and the duration of each job stage when metrics are on. */
export function observabilityInterceptor(metrics?: BoltMetrics): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    let fields: LogFields = {};
    return {
      inbound: {
        async execute(input, next) {
          fields = activityFields(ctx, input.args);
          const stage = STAGE_OF[ctx.info.activityType];
          const started = performance.now();
          let outcome = 'ok';
          try {
            return await withLogContext(fields, () => next(input));
          } catch (err) {
            outcome = 'error';
            throw err;
          } finally {
            if (stage && metrics) metrics.stageDuration.observe({ stage, outcome }, (performance.now() - started) / 1000);
          }
        },
      },
      // The SDK's own activity lines (started, completed, failed) get the batch and job too.
      outbound: { getLogAttributes: (attrs, next) => next({ batchId: fields.batchId, jobId: fields.jobId, ...attrs }) },
    };
  };
}

/** Readiness of a worker process: its workers poll and PostgreSQL answers (each check 'ok' or why not). */
export async function workerReadiness(workers: { state(): string }, db: Kysely<Database>): Promise<Record<string, string>> {
  const postgres = await Promise.race([
    sql`select 1`.execute(db).then(() => 'ok'),
    new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 3000 ms'), 3000).unref()),
  ]).catch((err: unknown) => `unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  return { workers: workers.state(), postgres };
}

export interface WorkerEndpoints {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves /metrics (Prometheus), /healthz (the process answers) and /readyz (its workers run and its
 * dependencies answer) on the worker's own port. Port 0 picks a free one (tests).
 */
export async function startWorkerEndpoints(o: { port: number; host?: string; metrics: BoltMetrics; ready: () => Promise<Record<string, string>> }): Promise<WorkerEndpoints> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, 'application/json', JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET only' } }));
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ ok: true }));
    if (path === '/readyz') {
      void o.ready().then(
        (checks) => {
          const ok = Object.values(checks).every((c) => c === 'ok');
          send(ok ? 200 : 503, 'application/json', JSON.stringify({ ok, checks }));
        },
        (err: unknown) => send(503, 'application/json', JSON.stringify({ ok: false, checks: { worker: err instanceof Error ? err.message : String(err) } })),
      );
      return;
    }
    if (path === '/metrics') {
      void o.metrics.scrape().then(
        ({ contentType, body }) => send(200, contentType, body),
        (err: unknown) => send(500, 'text/plain', `metrics failed: ${err instanceof Error ? err.message : String(err)}`),
      );
      return;
    }
    send(404, 'application/json', JSON.stringify({ error: { code: 'not_found', message: 'try /metrics, /healthz or /readyz' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
