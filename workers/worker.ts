// Builds the three workers of one process: workflows + bookkeeping, Gemini activities, TTS activities.
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogEntry, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createBookkeepingActivities, createScriptActivities, createSpeechActivities, type ActivityDeps } from '../activities';
import { createOrchestrationActivities } from '../activities/orchestration';
import { createWebhookActivities } from '../activities/webhooks';
import { taskQueues } from '../workflows/definitions';
import { heartbeatInterceptor } from './heartbeat';

/**
 * One line per SDK log entry. An activity failure is an expected outcome here (a blocked title, a
 * missing voice) and is recorded on its job, so it is logged as type and message, not a stack dump.
 */
function compactLog(entry: LogEntry): void {
  // The Gemini and TTS workers poll activities only, by design.
  if (entry.message.startsWith('No workflows registered')) return;
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const err = meta.error as { type?: string; message?: string } | undefined;
  const where = [meta.activityType ?? meta.workflowType, meta.workflowId, meta.attempt !== undefined ? `attempt ${String(meta.attempt)}` : undefined]
    .filter((x) => x !== undefined)
    .join(' ');
  const what = err ? `${err.type ?? 'error'}: ${err.message ?? ''}` : '';
  const line = `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${where ? ` (${where})` : ''}${what ? ` — ${what}` : ''}`;
  if (entry.level === 'ERROR' || entry.level === 'WARN') console.error(line);
  else console.log(line);
}

let runtimeInstalled = false;
/** Sets the Temporal SDK's log level for this process; call before the first NativeConnection. @default 'WARN' */
export function installRuntime(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level, compactLog) });
  } catch {
    // Something already created the runtime (a connection made first): keep its logger.
  }
}

/** Bundles the workflow code once; reuse the bundle for every worker of a process or test run. */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
}

/**
 * The workflow bundle a worker runs: the file `npm run build:server` wrote (production: no bundler, no
 * TypeScript at start), else a bundle made now from the sources (development, tests).
 */
export async function loadWorkflowBundle(configured?: string): Promise<WorkflowBundleOption> {
  // Compiled code (dist/workers/worker.js) finds the bundle the build wrote beside it, dist/workflow-bundle.js.
  const besideBuild = path.join(__dirname, '..', 'workflow-bundle.js');
  const prebuilt = configured ?? (__filename.endsWith('.js') && fs.existsSync(besideBuild) ? besideBuild : undefined);
  if (prebuilt) {
    if (!fs.existsSync(prebuilt)) throw new Error(`BOLT_WORKFLOW_BUNDLE points to ${prebuilt}, which does not exist (run npm run build:server)`);
    return { codePath: prebuilt };
  }
  return bundleWorkflows();
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
  /** Queue-wide Gemini activity starts per second, across all workers. */
  geminiPerSecond?: number;
  /** Queue-wide TTS activity starts per second, across all workers. */
  ttsPerSecond?: number;
}

/** Concurrent activities per worker of one process, by default. */
export const DEFAULT_CONCURRENCY = { main: 20, gemini: 10, tts: 8 } as const;

/**
 * PostgreSQL connections a worker process needs: a paid call keeps its connection for the whole call
 * (the at-most-once lock is a transaction), and its key lease and bookkeeping need more besides, so the
 * pool must outnumber every activity slot, or slots sit waiting for connections.
 */
export function workerPoolSize(c: { gemini?: number; tts?: number } = {}): number {
  return DEFAULT_CONCURRENCY.main + (c.gemini ?? DEFAULT_CONCURRENCY.gemini) + (c.tts ?? DEFAULT_CONCURRENCY.tts) + 10;
}

/** A set of workers that run and stop together. */
export class BoltWorkers {
  constructor(readonly workers: Worker[]) {}
  run(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.run())).then(() => undefined);
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

export async function createWorkers(o: WorkerOptions): Promise<BoltWorkers> {
  installRuntime();
  const queues = taskQueues(o.taskQueue);
  // The SDK's default grace is 0: a stop would cancel calls already paid for, to be bought again elsewhere.
  const grace = o.shutdownGraceMs ?? 60_000;
  const main = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: queues.main,
    workflowBundle: o.bundle,
    activities: { ...createBookkeepingActivities(o.deps), ...createOrchestrationActivities(o.deps), ...createWebhookActivities(o.deps) },
    interceptors: { activity: [heartbeatInterceptor] },
    maxConcurrentActivityTaskExecutions: DEFAULT_CONCURRENCY.main,
    shutdownGraceTime: grace,
  });
  const gemini = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: queues.gemini,
    activities: createScriptActivities(o.deps),
    interceptors: { activity: [heartbeatInterceptor] },
    maxConcurrentActivityTaskExecutions: o.geminiConcurrency ?? DEFAULT_CONCURRENCY.gemini,
    shutdownGraceTime: grace,
    ...(o.geminiPerSecond ? { maxTaskQueueActivitiesPerSecond: o.geminiPerSecond } : {}),
  });
  const tts = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: queues.tts,
    activities: createSpeechActivities(o.deps),
    interceptors: { activity: [heartbeatInterceptor] },
    maxConcurrentActivityTaskExecutions: o.ttsConcurrency ?? DEFAULT_CONCURRENCY.tts,
    shutdownGraceTime: grace,
    ...(o.ttsPerSecond ? { maxTaskQueueActivitiesPerSecond: o.ttsPerSecond } : {}),
  });
  return new BoltWorkers([main, gemini, tts]);
}
