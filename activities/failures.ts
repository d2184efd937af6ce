// Turns domain errors into Temporal failures: the code becomes the failure type, retryability decides retries.
import { ApplicationFailure } from '@temporalio/common';
import { BoltError, ErrorCode, type Stage } from '../domain/errors';

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

/** Runs an activity body, translating whatever it throws. */
export async function withStage<T>(stage: Stage, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asFailure(err, stage);
  }
}
