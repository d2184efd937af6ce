// Standalone worker process (`npm run worker`): for deployments where workers scale apart from the API.
import type { Kysely } from 'kysely';
import { loadCatalog } from '../adapters/catalog-files';
import { activityWaiting } from '../activities/paid-once';
import { createLogger } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { startTracing } from '../adapters/tracing';
import { openProviders } from '../adapters/providers';
import { openStorage } from '../adapters/storage';
import { DestinationGuard } from '../adapters/webhook-net';
import { connectNative, describeTarget, resolveTemporalTarget } from '../adapters/temporal-connection';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrator';
import { loadConfig } from '../domain/config';
import { startSimulators } from '../simulators/server';
import { startWorkerEndpoints, workerReadiness } from './observability';
import { createWorkers, installRuntime, loadWorkflowBundle, workerPoolSize } from './worker';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel, name: 'worker' });
  const metrics = new BoltMetrics();
  const tracing = startTracing({ endpoint: config.observability.otlpEndpoint, serviceName: config.observability.serviceName ?? 'bolt-worker' });
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required for a standalone worker');
  const target = resolveTemporalTarget(config.temporal);
  if (!target.address) throw new Error('TEMPORAL_ADDRESS (or a Temporal config profile with an address) is required for a standalone worker');
  const catalog = loadCatalog(config.catalog);
  const db = createDb(config.databaseUrl, workerPoolSize(), log);
  // The worker may start before any API has migrated a new database (docker-compose starts both at
  // once), and its first query reads the key pool; Kysely's migration lock makes running both safe.
  await migrateToLatest(db as Kysely<unknown>);
  const storage = await openStorage(config.s3, config.dataDir);
  // Workers decrypt keys, so they need the master key the keys were sealed with.
  const { providers, masterKeys, simulators: sims } = await openProviders({ db, config, createMasterKey: false, simulatorUrl: config.simulatorUrl, startSimulators, log, metrics, ...activityWaiting });
  void providers.pool.warm(); // the keys' clients, built before the first leases need them
  installRuntime({ log, temporalMetricsPort: config.observability.temporalMetricsPort });
  const connection = await connectNative(target);
  const grace = config.shutdownGraceSeconds;
  const workers = await createWorkers({
    connection,
    namespace: target.namespace,
    taskQueue: config.temporal.taskQueue,
    bundle: await loadWorkflowBundle(config.workflowBundlePath, { tracing: !!tracing }),
    shutdownGraceMs: grace * 1000,
    geminiConcurrency: config.providerSlots.gemini,
    ttsConcurrency: config.providerSlots.tts,
    deps: { db, storage, gemini: providers.gemini, tts: providers.tts, geminiModel: config.gemini.model, prices: catalog.prices, webhookGuard: new DestinationGuard({ policy: config.webhooks }), masterKeys: [masterKeys.current, ...masterKeys.others], metrics },
    metrics,
    tracing,
  });
  // /metrics, /healthz and /readyz on the worker's own port (9464 unless BOLT_METRICS_PORT says; 0: none).
  const metricsPort = config.observability.metricsPort ?? 9464;
  const endpoints = metricsPort ? await startWorkerEndpoints({ port: metricsPort, metrics, ready: () => workerReadiness(workers, db) }) : undefined;
  if (endpoints) log(`metrics, healthz and readyz on :${endpoints.port}`);
  // A stop polls no more and lets the activities in flight (paid calls) finish within the grace time.
  const stop = (signal: string) => {
    log(`${signal}: no new tasks; running activities get up to ${grace} s to finish`);
    workers.shutdown();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  log(`polling ${config.temporal.taskQueue} on ${describeTarget(target)}; storage: ${storage.description}; providers: ${JSON.stringify(providers.kind)}`);
  await workers.run();
  await endpoints?.close();
  await tracing?.shutdown();
  log('stopped: every running activity finished or was handed back');
  await connection.close();
  await db.destroy();
  await sims?.close();
}

main().catch((err: unknown) => {
  console.error(`[worker] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
