// Pure budget rules: how many more job attempts a batch may start under its spending cap.

/** No cap: effectively unlimited attempts. */
export const UNLIMITED = 1_000_000_000;

/**
 * Attempts a batch may still start. Each attempt is charged the estimated cost of one job (the
 * batch estimate's total divided by its jobs), running ones included, so the batch stops starting
 * jobs before estimated spend plus in-flight cost would pass the cap.
 */
export function attemptsAllowed(capUsd: number | undefined, perJobUsd: number, attemptsSoFar: number): number {
  if (capUsd === undefined) return UNLIMITED;
  if (!(perJobUsd > 0)) return UNLIMITED;
  return Math.max(0, Math.floor(capUsd / perJobUsd + 1e-9) - attemptsSoFar);
}

/** The message a batch stopped by its cap shows. */
export function budgetMessage(capUsd: number, perJobUsd: number, attempts: number): string {
  return `stopped by the budget cap of $${capUsd.toFixed(2)}: ${attempts} job attempts at an estimated $${perJobUsd.toFixed(4)} each; starting another would exceed it`;
}
