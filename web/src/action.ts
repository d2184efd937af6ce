// Running a form's action: busy while it runs, its error kept to show where it happened, and a form that
// fails the API's own schema turned into the API's validation error shape.
import { useState } from 'preact/hooks';
import { ApiFailure } from './api';

export interface Action {
  busy: boolean;
  error: unknown;
  setError(error: unknown): void;
  /** Runs `work` with busy set; a failure becomes `error`. */
  run(work: () => Promise<void>): Promise<void>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A schema's issues as the API would report them; `root` names an issue about the whole form. */
export function validationFailure(message: string, issues: Array<{ path: PropertyKey[]; message: string }>, root = ''): ApiFailure {
  return new ApiFailure(
    400,
    'validation_error',
    message,
    issues.map((i) => ({ path: i.path.join('.') || root, message: i.message })),
  );
}
