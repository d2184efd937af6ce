// The local stack, used by `npm start`, the tests and the benchmarks: Temporal, PostgreSQL, storage,
// provider simulators, workers and the API, started in order, health-checked, and stopped in reverse.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { loadCatalog } from '../adapters/catalog-files';
import { poolQueueRates } from '../adapters/key-pool';
import { asLog, createLogger, type Log } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { startTracing } from '../adapters/tracing';
import { openProviders, type Providers } from '../adapters/providers';
import { openStorage, S3Storage, type ObjectStorage, type S3StorageOptions } from '../adapters/storage';
import { DestinationGuard, type GuardOptions } from '../adapters/webhook-net';
import { connectClient, connectNative, resolveTemporalTarget } from '../adapters/temporal-connection';
import { activityWaiting } from '../activities/paid-once';
import { createApp } from '../api/app';
import { startReconciler } from '../api/batch-control';
import { serveApi } from '../api/serve';
import { createDb } from '../db/connection';
import { sealingKeyPair, type MasterKey } from '../domain/crypto';
import { migrateToLatest } from '../db/migrator';
import { ensureAdminAtStart } from '../db/users';
import { newPassword } from '../domain/credentials';
import type { Database } from '../db/schema';
import type { Config } from '../domain/config';
import { startSimulators, type SimulatorServer } from '../simulators/server';
import { startWorkerEndpoints, workerReadiness } from '../workers/observability';
import { BoltWorkers, createWorkers, loadWorkflowBundle, installRuntime, workerPoolSize } from '../workers/worker';
import { startPostgres, type PostgresServer } from './postgres';
import { startTemporal, type TemporalServer } from './temporal';

export interface StackOptions {
  config: Config;
  /** The process's logger; a plain callback receives each JSON line. @default JSON on stdout at BOLT_LOG_LEVEL */
  log?: Log | ((line: string) => void);
  /** Persist Temporal to SQLite and serve its UI (npm start); in memory and headless otherwise. */
  persistent?: boolean;
  /** S3 settings that override the configuration (tests pass their own S3 server). */
  s3?: S3StorageOptions;
  /** Run workers in this process. @default true */
  worker?: boolean;
  /** Serve the API. @default true */
  api?: boolean;
  /** Reuse an already built workflow bundle. */
  bundle?: WorkflowBundleOption;
  /** Simulator options (latency, faults) when simulators are used. */
  simulators?: Parameters<typeof startSimulators>[0];
  /** Concurrent Gemini and TTS calls of the in-process workers. @default DEFAULT_CONCURRENCY */
  concurrency?: { gemini?: number; tts?: number };
  /** Name resolution and a connection observer for webhooks (tests inject names that resolve to loopback). */
  webhookNet?: Omit<GuardOptions, 'policy'>;
}

export interface Stack {
  config: Config;
  temporal: TemporalServer;
  postgres: PostgresServer;
  db: Kysely<Database>;
  storage: ObjectStorage;
  simulators?: SimulatorServer;
  providers: Providers;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleOption;
  workers?: BoltWorkers;
  apiUrl?: string;
  /** The metrics of this process (served at the API's /metrics). */
  metrics: BoltMetrics;
  /** Port of the workers' /metrics, /healthz and /readyz, when BOLT_METRICS_PORT asked for them. */
  workerMetricsPort?: number;
  taskQueue: string;
  /** Master keys in use (current first): they open pooled keys and sealed webhook secrets. */
  masterKeys: MasterKey[];
  stop(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const { config } = o;
  const log = o.log ? asLog(o.log, config.logLevel) : createLogger({ level: config.logLevel, name: 'bolt' });
  // Off (nothing registered, no-op spans) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing({ endpoint: config.observability.otlpEndpoint, serviceName: config.observability.serviceName ?? 'bolt' });
  const metrics = new BoltMetrics();
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      await s().catch((err: unknown) => log.warn(`stop: ${err instanceof Error ? err.message : String(err)}`));
    }
    stops.length = 0;
  };
  if (tracing) stops.push(() => tracing.shutdown());
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    // An address from the environment or a Temporal config profile means an existing server (TLS, API key…).
    const target = resolveTemporalTarget(config.temporal);
    const [temporal, postgres] = await Promise.all([
      startTemporal({
        address: target.address,
        cliPath: config.temporal.cliPath,
        namespace: target.namespace,
        dbFile: o.persistent ? path.join(config.dataDir, 'temporal.sqlite') : undefined,
        port: o.persistent ? config.temporal.port : undefined,
        uiPort: o.persistent ? config.temporal.uiPort : undefined,
        log,
      }),
      startPostgres({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'postgres'), log }),
    ]);
    stops.push(() => temporal.stop(), () => postgres.stop());

    const catalog = loadCatalog(config.catalog);
    // One pool for the in-process workers and the API: the workers' need plus the API's ten.
    const db = createDb(postgres.url, workerPoolSize(o.concurrency) + 10, log);
    stops.push(() => db.destroy());
    await migrateToLatest(db as Kysely<unknown>);
    metrics.watchDatabase(db);
    await ensureAdminAtStart(db, config.admin, log, newPassword);

    const storage = await openStorage(o.s3 ?? config.s3, config.dataDir);
    if (storage instanceof S3Storage) stops.push(async () => storage.client.destroy());

    // Keys live encrypted in the pool; the master key comes from BOLT_MASTER_KEY or the data directory.
    const { providers, masterKeys, simulators } = await openProviders({ db, config, createMasterKey: true, startSimulators: () => startSimulators(o.simulators), log, metrics, ...activityWaiting });
    if (simulators) stops.push(() => simulators.close());

    // The SDK's runtime must be installed before the first native connection instantiates a default one.
    installRuntime({ log, temporalMetricsPort: config.observability.temporalMetricsPort });
    const connectTo = { ...target, address: temporal.address };
    const connection = await connectNative(connectTo);
    stops.push(() => connection.close());
    const clientConnection = await connectClient(connectTo);
    stops.push(() => clientConnection.close());
    const interceptors = tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
    const client = new Client({ connection: clientConnection, namespace: target.namespace, interceptors });

    const webhookGuard = new DestinationGuard({ ...o.webhookNet, policy: config.webhooks });
    const bundle = o.bundle ?? (await loadWorkflowBundle(config.workflowBundlePath, { tracing: !!tracing }));
    const taskQueue = config.temporal.taskQueue;
    let workers: BoltWorkers | undefined;
    if (o.worker ?? true) {
      const rates = await poolQueueRates(db);
      const w = await createWorkers({
        connection,
        namespace: target.namespace,
        taskQueue,
        bundle,
        deps: { db, storage, gemini: providers.gemini, tts: providers.tts, geminiModel: config.gemini.model, prices: catalog.prices, webhookGuard, masterKeys: [masterKeys.current, ...masterKeys.others], metrics },
        geminiPerSecond: rates.gemini,
        ttsPerSecond: rates.tts,
        geminiConcurrency: o.concurrency?.gemini,
        ttsConcurrency: o.concurrency?.tts,
        shutdownGraceMs: config.shutdownGraceSeconds * 1000,
        metrics,
        tracing,
      });
      const running = w.run();
      stops.push(async () => {
        w.shutdown();
        await running;
      });
      workers = w;
    }
    let workerMetricsPort: number | undefined;
    if (workers && config.observability.metricsPort) {
      const w = workers;
      const endpoints = await startWorkerEndpoints({ port: config.observability.metricsPort, metrics, ready: () => workerReadiness(w, db) });
      stops.push(() => endpoints.close());
      workerMetricsPort = endpoints.port;
    }

    let apiUrl: string | undefined;
    if (o.api ?? true) {
      const app = createApp({
        db,
        temporal: client,
        taskQueue,
        storage,
        providers: providers.kind,
        log,
        metrics,
        tracing: !!tracing,
        corsOrigins: config.corsOrigins,
        urlSigningSecret: config.urlSigningSecret,
        catalog,
        config,
        webhookGuard,
        webhookSealingKey: async () => sealingKeyPair(masterKeys.current),
      });
      // Batches whose workflow could not be started (Temporal unreachable) start from here later.
      const reconciler = startReconciler({ db, temporal: client, taskQueue, log });
      stops.push(() => reconciler.stop());
      const serving = await serveApi(app, config.port, '0.0.0.0', log);
      stops.push(() => serving.close(Math.min(config.shutdownGraceSeconds * 1000, 10_000)));
      apiUrl = `http://localhost:${serving.port}`;
    }

    return { config, temporal, postgres, db, storage, simulators, providers, client, connection, bundle, workers, apiUrl, taskQueue, masterKeys: [masterKeys.current, ...masterKeys.others], metrics, workerMetricsPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
