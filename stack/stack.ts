// The local stack, used by `npm start`, the tests and the benchmarks: Temporal, PostgreSQL, storage,
// provider simulators, workers and the API, started in order, health-checked, and stopped in reverse.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { loadCatalog } from '../adapters/catalog-files';
import { asLog, createLogger, type Log } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { startTracing, type Tracing } from '../adapters/tracing';
import { openProviders, type Providers } from '../adapters/providers';
import { openStorage, S3Storage, type ObjectStorage, type S3StorageOptions } from '../adapters/storage';
import { DestinationGuard, type GuardOptions } from '../adapters/webhook-net';
import { connectClient, connectNative, resolveTemporalTarget, type TemporalTarget } from '../adapters/temporal-connection';
import { createApp } from '../api/app';
import type { ApiDeps } from '../api/http';
import { activityWaiting } from '../activities/paid-once';
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
import { BoltWorkers, createWorkers, loadWorkflowBundle, installRuntime, workerPoolSize, type WorkerOptions } from '../workers/worker';
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

/** What a started stack must stop: each stop runs in reverse order of the starts; a failing one is logged. */
class Stops {
  private readonly fns: Array<() => Promise<void>> = [];
  constructor(private readonly log: Log) {}
  push(...fns: Array<() => Promise<void>>): void {
    this.fns.push(...fns);
  }
  async run(): Promise<void> {
    for (const s of this.fns.reverse()) {
      await s().catch((err: unknown) => this.log.warn(`stop: ${err instanceof Error ? err.message : String(err)}`));
    }
    this.fns.length = 0;
  }
}

/** Temporal (the configured server, or a dev server of our own) and PostgreSQL, started side by side. */
async function startServers(o: StackOptions, log: Log) {
  const { config } = o;
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
      metricsPort: config.temporal.metricsPort,
      log,
    }),
    startPostgres({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'postgres'), log }),
  ]);
  return { target, temporal, postgres };
}

/** The native connection the workers poll with, and the client (traced when tracing is on). */
async function connectTemporal(o: { target: TemporalTarget; address: string; config: Config; log: Log; tracing?: Tracing }, stops: Stops) {
  // The SDK's runtime must be installed before the first native connection instantiates a default one.
  installRuntime({ log: o.log, temporalMetricsPort: o.config.observability.temporalMetricsPort });
  const connectTo = { ...o.target, address: o.address };
  const connection = await connectNative(connectTo);
  stops.push(() => connection.close());
  const clientConnection = await connectClient(connectTo);
  stops.push(() => clientConnection.close());
  const interceptors = o.tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  const client = new Client({ connection: clientConnection, namespace: o.target.namespace, interceptors });
  return { connection, client };
}

/** What the in-process workers are built from; the rest comes from the stack's options and configuration. */
type InProcessWorkers = Pick<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'bundle' | 'deps' | 'tracing'> & { metrics: BoltMetrics };

/** The in-process workers (unless `worker: false`), run until the stack stops, and their /metrics, /healthz and /readyz when configured. */
async function runWorkers(o: StackOptions, w: InProcessWorkers, stops: Stops): Promise<{ workers?: BoltWorkers; workerMetricsPort?: number }> {
  const { config } = o;
  if (!(o.worker ?? true)) return {};
  const workers = await createWorkers({
    ...w,
    geminiConcurrency: o.concurrency?.gemini ?? config.providerSlots.gemini,
    ttsConcurrency: o.concurrency?.tts ?? config.providerSlots.tts,
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
  });
  const running = workers.run();
  stops.push(async () => {
    workers.shutdown();
    await running;
  });
  let workerMetricsPort: number | undefined;
  if (config.observability.metricsPort) {
    const endpoints = await startWorkerEndpoints({ port: config.observability.metricsPort, metrics: w.metrics, ready: () => workerReadiness(workers, w.deps.db) });
    stops.push(() => endpoints.close());
    workerMetricsPort = endpoints.port;
  }
  return { workers, workerMetricsPort };
}

/** The API and the reconciler that starts batches whose workflow could not be started; returns the API's URL. */
async function serveStackApi(config: Config, deps: ApiDeps & { log: Log }, stops: Stops): Promise<string> {
  const app = createApp(deps);
  // Batches whose workflow could not be started (Temporal unreachable) start from here later.
  const reconciler = startReconciler({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log });
  stops.push(() => reconciler.stop());
  const serving = await serveApi(app, config.port, '0.0.0.0', deps.log);
  stops.push(() => serving.close(Math.min(config.shutdownGraceSeconds * 1000, 10_000)));
  return `http://localhost:${serving.port}`;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const { config } = o;
  const log = o.log ? asLog(o.log, config.logLevel) : createLogger({ level: config.logLevel, name: 'bolt' });
  // Off (nothing registered, no-op spans) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing({ endpoint: config.observability.otlpEndpoint, serviceName: config.observability.serviceName ?? 'bolt' });
  const metrics = new BoltMetrics();
  const stops = new Stops(log);
  const stop = () => stops.run();
  if (tracing) stops.push(() => tracing.shutdown());
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const { target, temporal, postgres } = await startServers(o, log);
    stops.push(() => temporal.stop(), () => postgres.stop());

    const catalog = loadCatalog(config.catalog);
    // One pool for the in-process workers and the API: the workers' need plus the API's ten.
    const db = createDb(postgres.url, workerPoolSize() + 10, log);
    stops.push(() => db.destroy());
    await migrateToLatest(db as Kysely<unknown>);
    metrics.watchDatabase(db);
    await ensureAdminAtStart(db, config.admin, log, newPassword);

    const storage = await openStorage(o.s3 ?? config.s3, config.dataDir);
    if (storage instanceof S3Storage) stops.push(async () => storage.client.destroy());

    // Keys live encrypted in the pool; the master key comes from BOLT_MASTER_KEY or the data directory.
    const { providers, masterKeys, simulators } = await openProviders({ db, config, createMasterKey: true, startSimulators: () => startSimulators(o.simulators), log, metrics, ...activityWaiting });
    if (simulators) stops.push(() => simulators.close());
    void providers.pool.warm(); // the keys' clients, built before the first leases need them

    const { connection, client } = await connectTemporal({ target, address: temporal.address, config, log, tracing }, stops);
    const webhookGuard = new DestinationGuard({ ...o.webhookNet, policy: config.webhooks });
    const bundle = o.bundle ?? (await loadWorkflowBundle(config.workflowBundlePath, { tracing: !!tracing }));
    const taskQueue = config.temporal.taskQueue;
    const allKeys = [masterKeys.current, ...masterKeys.others];
    const deps = { db, storage, gemini: providers.gemini, tts: providers.tts, geminiModel: config.gemini.model, prices: catalog.prices, webhookGuard, masterKeys: allKeys, metrics };
    const { workers, workerMetricsPort } = await runWorkers(o, { connection, namespace: target.namespace, taskQueue, bundle, deps, metrics, tracing }, stops);
    const api: ApiDeps & { log: Log } = {
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
    };
    const apiUrl = (o.api ?? true) ? await serveStackApi(config, api, stops) : undefined;

    return { config, temporal, postgres, db, storage, simulators, providers, client, connection, bundle, workers, apiUrl, taskQueue, masterKeys: allKeys, metrics, workerMetricsPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
