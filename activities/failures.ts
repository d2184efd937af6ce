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
 * Attempts a provider call gets for faults other than quota (server errors, timeouts). Quota waits
 * never count: a job waits for quota as long as it takes instead of failing.
 */
export const PROVIDER_FAULT_ATTEMPTS = 10;
const PROVIDER_STAGES: ReadonlySet<string> = new Set([Stage.master, Stage.adaptation, Stage.synthesis]);

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (unit tests)
  }
}

/** Runs an activity body, translating whatever it throws. */
export async function withStage<T>(stage: Stage, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const failure = asFailure(err, stage);
    const attempt = currentAttempt();
    if (PROVIDER_STAGES.has(stage) && !failure.nonRetryable && failure.type !== ErrorCode.quotaExhausted && attempt >= PROVIDER_FAULT_ATTEMPTS) {
      throw ApplicationFailure.create({
        type: failure.type ?? ErrorCode.internal,
        message: `${failure.message} (gave up after ${attempt} attempts)`,
        nonRetryable: true,
        details: failure.details as unknown[],
      });
    }
    throw failure;
  }
}
