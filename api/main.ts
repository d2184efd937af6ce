// Standalone API process (`npm run api`): serves the REST API against an existing Temporal and PostgreSQL.
import { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { createLogger } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { startTracing } from '../adapters/tracing';
import { openStorage } from '../adapters/storage';
import { connectClient, describeTarget, resolveTemporalTarget } from '../adapters/temporal-connection';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrator';
import { ensureAdminAtStart } from '../db/users';
import { loadConfig } from '../domain/config';
import { newPassword } from '../domain/credentials';
import { createApp } from './app';
import { startReconciler } from './batch-control';
import { serveApi } from './serve';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel, name: 'api' });
  const tracing = startTracing({ endpoint: config.observability.otlpEndpoint, serviceName: config.observability.serviceName ?? 'bolt-api' });
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required for a standalone API');
  const target = resolveTemporalTarget(config.temporal);
  if (!target.address) throw new Error('TEMPORAL_ADDRESS (or a Temporal config profile with an address) is required for a standalone API');
  const db = createDb(config.databaseUrl, 10, log);
  await migrateToLatest(db as Kysely<unknown>);
  await ensureAdminAtStart(db, config.admin, log, newPassword);
  const storage = await openStorage(config.s3, config.dataDir);
  const connection = await connectClient(target);
  const client = new Client({ connection, namespace: target.namespace, interceptors: tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined });
  const app = createApp({
    db,
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    storage,
    providers: { gemini: config.gemini.apiKey ? 'google' : 'simulator', tts: config.tts.apiKey ? 'google' : 'simulator' },
    log,
    metrics: new BoltMetrics().watchDatabase(db),
    tracing: !!tracing,
    corsOrigins: config.corsOrigins,
    urlSigningSecret: config.urlSigningSecret,
    config,
  });
  // Batches whose workflow could not be started (Temporal unreachable) start from here later.
  const reconciler = startReconciler({ db, temporal: client, taskQueue: config.temporal.taskQueue, log });
  const serving = await serveApi(app, config.port, '0.0.0.0', log);
  log(`listening on :${serving.port}; Temporal ${describeTarget(target)}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void reconciler
      .stop()
      .then(() => serving.close(Math.min(config.shutdownGraceSeconds * 1000, 30_000)))
      .then(() => Promise.all([db.destroy(), connection.close(), tracing?.shutdown()]))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`[api] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
