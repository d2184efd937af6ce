// Names shared by workflows, workers and clients: task queues, search attributes, inputs and outcomes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { MASTER_WAITER_SIGNAL } from '../domain/master-script';

/** Task queues derived from one base name: bookkeeping and workflows, Gemini, TTS, and the batches' looks for ended jobs. */
export function taskQueues(base: string) {
  return { main: base, gemini: `${base}-gemini`, tts: `${base}-tts`, follow: `${base}-follow` } as const;
}

/** Custom search attributes, registered on the Temporal server at start. */
export const SearchAttr = {
  BatchId: defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD),
  UserId: defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD),
  Mode: defineSearchAttributeKey('Mode', SearchAttributeType.KEYWORD),
  Language: defineSearchAttributeKey('Language', SearchAttributeType.KEYWORD),
} as const;

/** Search attribute names and types, for registering them with the dev server. */
export { SEARCH_ATTRIBUTES } from '../domain/job-workflow';

/** Batch priorities and the Temporal priority key each maps to (1 is served first). */
export const PRIORITY_KEYS = { high: 1, normal: 3, low: 5 } as const;
export type BatchPriority = keyof typeof PRIORITY_KEYS;

/** Most child jobs a batch may run at once (Temporal allows 2,000 pending children per workflow). */
export const MAX_WINDOW = 1000;

/** Stop starting jobs; running ones finish. */
export const pauseSignal = defineSignal('pause');
/** Start jobs again after a pause. */
export const resumeSignal = defineSignal('resume');
/** Re-run every failed job as a new attempt (its earlier attempts stay in history). */
export const retryFailedSignal = defineSignal('retryFailed');
/** Changes the window of concurrently running jobs; rejected outside 1..MAX_WINDOW. */
export const setConcurrencyUpdate = defineUpdate<{ window: number }, [number]>('setConcurrency');
/** What the batch workflow is doing now, for operators (`temporal workflow query --name progress`). */
export const progressQuery = defineQuery<BatchProgress>('progress');

/** A job (started by this run or an earlier one) has ended: sent by the job to its batch's workflow id. */
export const jobEndedSignal = defineSignal<[JobEnded]>('jobEnded');
/**
 * Jobs waiting on their master script (a workflow id, or several from the activity that started them): the master
 * workflow tells each when the master is written.
 */
export const masterWaiterSignal = defineSignal<[string | string[]]>(MASTER_WAITER_SIGNAL);
/** The master script a job waits on is written (or failed): sent by the master workflow to each waiting job. */
export const masterDoneSignal = defineSignal<[MasterOutcome]>('masterDone');

export interface JobEnded {
  seq: number;
  /** The attempt that ended (a retried job's earlier attempt must not end its new one). */
  workflowId: string;
}

/** A running child job, as handed over at continue-as-new. */
export interface RunningJob {
  seq: number;
  jobId: string;
  workflowId: string;
}

/** How a master script workflow ended: written (or found), failed, or to be asked for again (it was cancelled). */
export interface MasterOutcome {
  ok: boolean;
  retry?: boolean;
  stage?: string;
  code?: string;
  message?: string;
}

export interface BatchProgress {
  paused: boolean;
  window: number;
  running: number;
  /** Last job seq started (by any run). */
  cursor: number;
  startedThisRun: number;
  /** How many runs (continue-as-new) came before this one. */
  run: number;
}

export interface BatchWorkflowInput {
  batchId: string;
  userId: string;
  mode: string;
  /** Most child jobs running at once. @default 200 */
  window?: number;
  /** Jobs fetched from Postgres per page. @default 100 */
  pageSize?: number;
  /** Jobs started per run before continuing as new, to keep each history small. @default 500 */
  jobsPerRun?: number;
  /** @default 'normal' */
  priority?: BatchPriority;
  /** Last seq started by earlier runs (continue-as-new state). */
  cursor?: number;
  /** Continue-as-new state: paused flag, pending retry request, run count. */
  paused?: boolean;
  retryRequested?: boolean;
  run?: number;
  /** Continue-as-new state: children still running, handed over to this run (they signal their end). */
  running?: RunningJob[];
}

export interface JobWorkflowInput {
  batchId: string;
  jobId: string;
  seq: number;
  usesMasterDirectly: boolean;
  /** Temporal priority key for the job's activities. @default 3 */
  priorityKey?: number;
  /** Signal the end to the parent batch's workflow id (the batch may have continued as new meanwhile). */
  reportEnd?: boolean;
  /**
   * Set by the activity that started the job (`startJobs`), which already moved its row to running and found its
   * master written (`ready`) or registered the job with the master's workflow (`asked`): the job asks nothing
   * before its own calls. Absent for jobs started before (they ask through `requestMaster`).
   */
  master?: 'ready' | 'asked';
}

export interface MasterWorkflowInput {
  /** The job whose master script this is (the first to ask for it). */
  jobId: string;
  priorityKey?: number;
  /** Its starter found the master unwritten as it started this run: the run writes it without looking first. */
  unwritten?: boolean;
}

export interface JobOutcome {
  status: 'completed' | 'failed';
  stage?: string;
  code?: string;
}

export interface BatchOutcome {
  status: string;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Workflow id of one attempt of a job: `job-<batchId>-<seq>` for the first, `…-a<n>` for the nth. */
export const jobAttemptWorkflowId = (batchId: string, job: { seq: number; attempts: number }): string =>
  job.attempts === 0 ? `job-${batchId}-${job.seq}` : `job-${batchId}-${job.seq}-a${job.attempts + 1}`;
