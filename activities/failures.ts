// Turns domain errors into Temporal failures: the code becomes the failure type, retryability decides retries.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { BoltError, ErrorCode, Stage } from '../domain/errors';

/** Details every Bolt IA activity failure carries, for the job's error record. */
export interface FailureDetails {
  stage: Stage;
}

/** Re-throws anything as an ApplicationFailure whose type is a stable error code. */
export function asFailure(err: unknown, stage: Stage): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof BoltError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !err.retryable,
      details: [{ stage: err.options.stage ?? stage } satisfies FailureDetails],
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  // Unknown errors (network blips, a database restart) are worth another attempt.
  return ApplicationFailure.create({ type: ErrorCode.internal, message, nonRetryable: false, details: [{ stage } satisfies FailureDetails] });
}

/**
 * Attempts a provider call gets for faults other than quota (server errors, timeouts), at the least: it gives
 * up once it has had this many and PROVIDER_FAULT_PATIENCE_MS have passed since its first. Quota waits never
 * count: a job waits for quota as long as it takes instead of failing.
 */
export const PROVIDER_FAULT_ATTEMPTS = 10;
/** How long a provider call keeps retrying faults before it gives up (about what 10 doubling backoffs took). */
export const PROVIDER_FAULT_PATIENCE_MS = 5 * 60_000;
/** Longest pause between two attempts after a fault: a job at the end of a batch does not sit out a long backoff alone. */
export const PROVIDER_FAULT_MAX_DELAY_MS = 8_000;
const PROVIDER_STAGES: ReadonlySet<string> = new Set([Stage.master, Stage.adaptation, Stage.synthesis]);

/** The pause before the next attempt after the `attempt`-th fault: 1 s, doubling, at most PROVIDER_FAULT_MAX_DELAY_MS. */
export function providerFaultDelayMs(attempt: number): number {
  return Math.min(PROVIDER_FAULT_MAX_DELAY_MS, 1000 * 2 ** Math.max(0, Math.min(attempt, 16) - 1));
}

function currentAttempt(): { attempt: number; sinceFirstMs: number } {
  try {
    const info = Context.current().info;
    return { attempt: info.attempt, sinceFirstMs: Date.now() - info.scheduledTimestampMs };
  } catch {
    return { attempt: 1, sinceFirstMs: 0 }; // called outside an activity (unit tests)
  }
}

/** Runs an activity body, translating whatever it throws. */
export async function withStage<T>(stage: Stage, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const failure = asFailure(err, stage);
    if (!PROVIDER_STAGES.has(stage) || failure.nonRetryable || failure.type === ErrorCode.quotaExhausted) throw failure;
    const { attempt, sinceFirstMs } = currentAttempt();
    if (attempt >= PROVIDER_FAULT_ATTEMPTS && sinceFirstMs >= PROVIDER_FAULT_PATIENCE_MS) {
      throw ApplicationFailure.create({
        type: failure.type ?? ErrorCode.internal,
        message: `${failure.message} (gave up after ${attempt} attempts)`,
        nonRetryable: true,
        details: failure.details as unknown[],
      });
    }
    // The next attempt comes soon, whatever the workflow's backoff would say (it doubles up to a minute).
    throw ApplicationFailure.create({ type: failure.type ?? undefined, message: failure.message, nonRetryable: false, details: failure.details as unknown[], nextRetryDelay: providerFaultDelayMs(attempt), cause: failure.cause });
  }
}
