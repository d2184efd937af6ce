// The activities a job (and its master script workflow) calls, by task queue and priority, and how a
// failed one is described in the job's error record.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo, type RetryPolicy } from '@temporalio/workflow';
import type { BookkeepingActivities, MasterActivities, ScriptActivities, SpeechActivities } from '../activities';
import { taskQueues } from './definitions';

const NON_RETRYABLE = ['content_blocked', 'truncated', 'provider_bad_request', 'validation_error'];
// Provider activities have no attempt limit here: quota waits must never fail a job. Other faults
// give up after PROVIDER_FAULT_ATTEMPTS, decided in the activity (activities/failures.ts).
const PROVIDER_RETRY: RetryPolicy = { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE };

/** The job's activity proxies on its three task queues, at the batch's priority. */
export function activities(priorityKey: number) {
  const queues = taskQueues(workflowInfo().taskQueue);
  const priority = { priorityKey };
  const bookkeeping = proxyActivities<BookkeepingActivities & MasterActivities>({
    taskQueue: queues.main,
    priority,
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '10 seconds',
    // Postgres may restart under a running batch: keep trying rather than lose the job.
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
  });
  // The worker heartbeats every running activity (workers/heartbeat.ts): a dead worker is seen fast.
  const provider = { priority, heartbeatTimeout: '15 seconds', retry: PROVIDER_RETRY } as const;
  const scripts = proxyActivities<ScriptActivities>({ ...provider, taskQueue: queues.gemini, startToCloseTimeout: '5 minutes' });
  const speech = proxyActivities<SpeechActivities>({ ...provider, taskQueue: queues.tts, startToCloseTimeout: '15 minutes' });
  return { bookkeeping, scripts, speech };
}

/** Stage, code and message of a failed activity, for the job's error record. */
export function describeFailure(err: unknown, stage: string): { stage: string; code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { stage?: string } | undefined;
    return { stage: details?.stage ?? stage, code: cause.type ?? 'internal_error', message: cause.message };
  }
  return { stage, code: 'internal_error', message: err instanceof Error ? err.message : String(err) };
}
