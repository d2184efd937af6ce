// Builds the four workers of one process: workflows + bookkeeping, Gemini activities, TTS activities, and the
// batches' looks for ended jobs.
import fs from 'node:fs';
import path from 'node:path';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, type ActivityInterceptorsFactory, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activitiesByQueue, type ActivityDeps } from '../activities';
import { taskQueues } from '../workflows/definitions';
import { createLogger, temporalLogger, type Log } from '../adapters/logger';
import type { BoltMetrics } from '../adapters/metrics';
import type { Tracing } from '../adapters/tracing';
import { heartbeatInterceptor } from './heartbeat';
import { observabilityInterceptor } from './observability';

let runtimeInstalled = false;

/** What the Temporal SDK's runtime of this process is set up with. */
export interface RuntimeSetup {
  /** The process's logger: SDK, core and workflow lines go through it. @default warnings and errors as JSON on stdout */
  log?: Log;
  /** Port of the SDK's own Prometheus exporter (worker and client metrics); off when absent or 0. */
  temporalMetricsPort?: number;
}

/** Installs the Temporal SDK's runtime (logger, SDK metrics); call before the first NativeConnection. */
export function installRuntime(o: RuntimeSetup = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const log = o.log ?? createLogger({ level: 'warn', name: 'bolt' });
  const debug = log.pino.isLevelEnabled('debug');
  try {
    Runtime.install({
      logger: temporalLogger(log),
      telemetryOptions: {
        // Core's own lines are forwarded to the same logger instead of going to the console.
        logging: { filter: { core: debug ? 'INFO' : 'WARN', other: 'ERROR' }, forward: {} },
        ...(o.temporalMetricsPort ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${o.temporalMetricsPort}`, countersTotalSuffix: true, useSecondsForDurations: true } } } : {}),
      },
    });
  } catch {
    // Something already created the runtime (a connection made first): keep its logger.
  }
}

/**
 * Bundles the workflow code once; reuse the bundle for every worker of a process or test run. With
 * `tracing`, Temporal's OpenTelemetry workflow interceptors are bundled too (they only add headers).
 */
export async function bundleWorkflows(o: { tracing?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  const workflowInterceptorModules = [require.resolve('../workflows/log-attributes')];
  if (o.tracing) workflowInterceptorModules.push(require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'));
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), workflowInterceptorModules, logger: quietBundlerLogger });
}

/**
 * The workflow bundle a worker runs: the file `npm run build:server` wrote (production: no bundler, no
 * TypeScript at start), else a bundle made now from the sources (development, tests).
 */
export async function loadWorkflowBundle(configured?: string, o: { tracing?: boolean } = {}): Promise<WorkflowBundleOption> {
  // Compiled code (dist/workers/worker.js) finds the bundle the build wrote beside it: dist/workflow-bundle.js,
  // or dist/workflow-bundle.tracing.js (with the OpenTelemetry workflow interceptors) when tracing is on.
  const besideBuild = path.join(__dirname, '..', o.tracing ? 'workflow-bundle.tracing.js' : 'workflow-bundle.js');
  const prebuilt = configured ?? (__filename.endsWith('.js') && fs.existsSync(besideBuild) ? besideBuild : undefined);
  if (prebuilt) {
    if (!fs.existsSync(prebuilt)) throw new Error(`BOLT_WORKFLOW_BUNDLE points to ${prebuilt}, which does not exist (run npm run build:server)`);
    return { codePath: prebuilt };
  }
  return bundleWorkflows(o);
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundleOption;
  deps: ActivityDeps;
  /**
   * How long a stopping worker lets running activities finish (they are paid calls) before cancelling them.
   * @default 60_000
   */
  shutdownGraceMs?: number;
  /** Concurrent Gemini calls in this process. @default 10 */
  geminiConcurrency?: number;
  /** Concurrent TTS calls in this process. @default 8 */
  ttsConcurrency?: number;
  /** Stage durations (and, through `deps`, job, provider and spend counters). */
  metrics?: BoltMetrics;
  /** Tracing in effect: activities get spans, workflow spans are exported; the bundle must be built with `tracing`. */
  tracing?: Tracing;
}

/**
 * Concurrent activities per worker of one process, by default. A provider slot is a paid call in flight, nearly
 * all of it waiting on Google (a Gemini script takes seconds): a key pool allowing R requests a minute for calls of
 * L seconds needs R × L / 60 slots to use its quota, so 10 slots could never spend 180 RPM of 6-second calls.
 * The key lease, not the slots, paces the calls; BOLT_GEMINI_SLOTS and BOLT_TTS_SLOTS set them per process.
 */
export const DEFAULT_CONCURRENCY = { main: 20, gemini: 64, tts: 32, follow: 100 } as const;

/**
 * PostgreSQL connections a worker process needs. A paid call holds none across the call (activities/paid-once.ts
 * keeps its at-most-once lease in a row, not a transaction), so the pool follows the short queries, not the slots:
 * the main queue's activities and the follow queue's looks, with room for the provider activities' bookkeeping.
 */
export function workerPoolSize(): number {
  return DEFAULT_CONCURRENCY.main + 30;
}

/** A set of workers that run and stop together. */
export class BoltWorkers {
  constructor(readonly workers: Worker[]) {}
  run(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.run())).then(() => undefined);
  }
  /** 'ok' while every worker polls; otherwise the first state that is not RUNNING (for /readyz). */
  state(): string {
    const notRunning = this.workers.find((w) => w.getState() !== 'RUNNING');
    return notRunning ? `worker ${notRunning.getState().toLowerCase()}` : 'ok';
  }
  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }
  /** Runs the workers until `fn` settles, then shuts them down. */
  async runUntil<T>(fn: Promise<T>): Promise<T> {
    const running = this.run();
    try {
      return await fn;
    } finally {
      this.shutdown();
      await running;
    }
  }
}

/** Interceptors of every activity: heartbeats, log context and stage timing, and spans when tracing. */
function activityInterceptors(o: WorkerOptions): ActivityInterceptorsFactory[] {
  const list: ActivityInterceptorsFactory[] = [heartbeatInterceptor, observabilityInterceptor(o.metrics)];
  if (o.tracing) list.push((ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }));
  return list;
}

export async function createWorkers(o: WorkerOptions): Promise<BoltWorkers> {
  installRuntime();
  const queues = taskQueues(o.taskQueue);
  // The SDK's default grace is 0: a stop would cancel calls already paid for, to be bought again elsewhere.
  const grace = o.shutdownGraceMs ?? 60_000;
  const activities = activitiesByQueue(o.deps);
  // With tracing, workflows that activities start (a batch's jobs, its masters) carry the activity's trace on.
  const client = o.tracing ? { client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {};
  const common = { connection: o.connection, namespace: o.namespace, interceptors: { activity: activityInterceptors(o), ...client }, shutdownGraceTime: grace };
  // Workflow spans leave the sandbox through this sink, to the same exporter as the activities' spans.
  const sinks = o.tracing ? { exporter: makeWorkflowExporter(o.tracing.spanProcessor, o.tracing.resource) } : undefined;
  const main = await Worker.create({
    ...common,
    taskQueue: queues.main,
    workflowBundle: o.bundle,
    ...(sinks ? { sinks } : {}),
    activities: activities.main,
    maxConcurrentActivityTaskExecutions: DEFAULT_CONCURRENCY.main,
  });
  // A provider's queue: activities only, with this process's slots. No queue-wide start rate: the key lease paces
  // every call by the quotas as the provider counts them (per key and project, per minute and day), read from the
  // pool at each lease, so a key added, removed or re-limited counts at once; Temporal's rate spreads starts
  // evenly, fixed at Worker.create, and counts tasks that make no paid call.
  const providerWorker = (taskQueue: string, acts: object, slots: number) => Worker.create({ ...common, taskQueue, activities: acts, maxConcurrentActivityTaskExecutions: slots });
  const gemini = await providerWorker(queues.gemini, activities.gemini, o.geminiConcurrency ?? DEFAULT_CONCURRENCY.gemini);
  const tts = await providerWorker(queues.tts, activities.tts, o.ttsConcurrency ?? DEFAULT_CONCURRENCY.tts);
  // One look per running batch, mostly waiting (a short query every 100 ms): slots of its own.
  const follow = await Worker.create({ ...common, taskQueue: queues.follow, activities: activities.follow, maxConcurrentActivityTaskExecutions: DEFAULT_CONCURRENCY.follow });
  return new BoltWorkers([main, gemini, tts, follow]);
}
