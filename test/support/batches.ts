// Test helpers that create batches directly (rows + workflow), so orchestration tests can force
// windows, page sizes and continue-as-new frequencies the API does not expose.
import { batchWorkflowPriority } from '../../api/batch-control';
import type { WorkflowHandle } from '@temporalio/client';
import { createBatch, getBatch } from '../../db/batches';
import type { Batch } from '../../db/schema';
import { planJobs } from '../../domain/plan';
import type { batchWorkflow } from '../../workflows';
import { SearchAttr, type BatchPriority, type BatchWorkflowInput } from '../../workflows/definitions';
import { eventually, type TestStack } from './stack';

export interface LaunchOptions {
  titles: number;
  /** Exact titles (else generated, unique per call). */
  titleList?: string[];
  languages?: Array<{ language: string; voice: string }>;
  variations?: number;
  window?: number;
  pageSize?: number;
  jobsPerRun?: number;
  priority?: BatchPriority;
  userId?: string;
  /** Prefix of the generated titles, to tell batches apart. */
  label?: string;
  /** Task queue of the workers that should run it. @default the test stack's */
  taskQueue?: string;
  /** Spending cap in USD. */
  budgetUsd?: number;
  /** Completion webhook. */
  webhook?: { url: string; secret: string };
  /** @default 'MP3' */
  encoding?: 'MP3' | 'OGG_OPUS' | 'LINEAR16';
  /** Length of the scripts asked for. @default 0.1 */
  targetMinutes?: number;
}

export const DEFAULT_LANGUAGES = [
  { language: 'en-US', voice: 'en-US-Neural2-A' },
  { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
  { language: 'es-ES', voice: 'es-ES-Neural2-A' },
];

/** The batch's rows and jobs only, with no workflow (what {@link launchBatch} starts one for). */
export async function createTestBatch(stack: TestStack, o: Omit<LaunchOptions, 'window'>): Promise<{ batch: Batch; userId: string; titles: string[] }> {
  const languages = o.languages ?? DEFAULT_LANGUAGES;
  const titles = o.titleList ?? Array.from({ length: o.titles }, (_, i) => `${o.label ?? 'Orchestration title'} ${i + 1} ${Math.random().toString(36).slice(2, 8)}`);
  const variations = o.variations ?? 1;
  const masterLanguage = languages[0]!.language;
  const jobs = planJobs({ mode: 'matrix', titles, languages, variations, masterLanguage });
  const userId = o.userId ?? 'orchestration-test';
  const { batch } = await createBatch(stack.db, {
    userId,
    mode: 'matrix',
    titles,
    languages,
    variations,
    masterLanguage,
    options: {
      agent: { name: 'test', premisePrompt: 'Explain.', structurePrompt: 'Hook, body, end.', tone: 'plain', targetMinutes: o.targetMinutes ?? 0.1 },
      audioEncoding: o.encoding ?? 'MP3',
      priority: o.priority ?? 'normal',
      ...(o.budgetUsd !== undefined ? { budgetUsd: o.budgetUsd } : {}),
      ...(o.webhook ? { webhook: o.webhook } : {}),
    },
    jobs,
  });
  return { batch, userId, titles };
}

export async function launchBatch(stack: TestStack, o: LaunchOptions): Promise<{ batchId: string; input: BatchWorkflowInput; handle: WorkflowHandle<typeof batchWorkflow>; titles: string[] }> {
  const { batch, userId, titles } = await createTestBatch(stack, o);
  const input: BatchWorkflowInput = {
    batchId: batch.id,
    userId,
    mode: 'matrix',
    window: o.window,
    pageSize: o.pageSize,
    jobsPerRun: o.jobsPerRun,
    priority: o.priority,
  };
  const handle = await stack.client.workflow.start<typeof batchWorkflow>('batchWorkflow', {
    workflowId: batch.workflow_id,
    taskQueue: o.taskQueue ?? stack.taskQueue,
    args: [input],
    // As the API starts it: a priority step ahead of its jobs.
    priority: batchWorkflowPriority(batch),
    typedSearchAttributes: [
      { key: SearchAttr.BatchId, value: batch.id },
      { key: SearchAttr.UserId, value: userId },
      { key: SearchAttr.Mode, value: 'matrix' },
    ],
  });
  return { batchId: batch.id, input, handle, titles };
}

/** Waits until the batch row reaches one of `statuses`. */
export async function waitForBatch(stack: TestStack, batchId: string, statuses: string[], timeoutMs = 120_000): Promise<Batch> {
  return eventually(async () => {
    const b = await getBatch(stack.db, batchId);
    return b && statuses.includes(b.status) ? b : undefined;
  }, `batch ${batchId} to reach ${statuses.join('/')}`, timeoutMs);
}

/** Event counts of every run (continue-as-new included) of a workflow id. */
export async function historySizes(stack: TestStack, workflowId: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await stack.client.workflow.getHandle(workflowId, w.runId).fetchHistory();
    sizes.push(history.events?.length ?? 0);
  }
  return sizes;
}

/** Counts of a batch's jobs by status, computed from the rows (to check the counters against). */
export async function countRows(stack: TestStack, batchId: string): Promise<Record<string, number>> {
  const rows = await stack.db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('batch_id', '=', batchId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Runs `fn` with extra Gemini latency at the simulator, so jobs are still running when a test steers the batch. */
export async function withGeminiLatency<T>(stack: TestStack, ms: number, fn: () => Promise<T>): Promise<T> {
  const options = stack.simulators!.gemini.options as { latencyMs?: number };
  const before = options.latencyMs;
  options.latencyMs = ms;
  try {
    return await fn();
  } finally {
    options.latencyMs = before;
  }
}
