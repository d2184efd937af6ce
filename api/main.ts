// Standalone API process (`npm run api`): serves the REST API against an existing Temporal and PostgreSQL.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadCatalog } from '../adapters/catalog-files';
import { createLogger } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { startTracing } from '../adapters/tracing';
import { LocalFolderStorage, S3Storage, type ObjectStorage } from '../adapters/storage';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrator';
import { ensureAdminAtStart } from '../db/users';
import { loadConfig } from '../domain/config';
import { newPassword } from '../domain/credentials';
import { createApp } from './app';
import { startReconciler } from './batch-starter';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, name: 'api' });
  const tracing = startTracing({ endpoint: config.observability.otlpEndpoint, serviceName: config.observability.serviceName ?? 'bolt-api' });
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required for a standalone API');
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required for a standalone API');
  const db = createDb(config.databaseUrl, 10, log);
  await migrateToLatest(db as Kysely<unknown>);
  await ensureAdminAtStart(db, config.admin, log, newPassword);
  let storage: ObjectStorage;
  if (config.s3) {
    const s3 = new S3Storage({ ...config.s3 });
    await s3.ensureBucket();
    storage = s3;
  } else {
    storage = new LocalFolderStorage(path.join(config.dataDir, 'outputs'));
  }
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace, interceptors: tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined });
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
    catalog: loadCatalog(config.catalog),
    geminiModel: config.gemini.model,
    maxJobsPerBatch: config.maxJobsPerBatch,
    trustProxy: config.trustProxy,
  });
  // Batches whose workflow could not be started (Temporal unreachable) start from here later.
  const reconciler = startReconciler({ db, temporal: client, taskQueue: config.temporal.taskQueue, log });
  const server = app.listen(config.port, () => log(`listening on :${config.port}`));
  const stop = () => {
    app.locals.progress.stop();
    void reconciler.stop();
    server.closeAllConnections();
    server.close(() => void Promise.all([db.destroy(), connection.close(), tracing?.shutdown()]).then(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[api] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
