// How long a client waits before its next login attempt: free attempts first, then a delay that doubles
// with every further attempt up to a ceiling, so guessing slows down but an owner is never locked out.

/** Limits of one throttle key. */
export interface ThrottleRule {
  /** Attempts allowed back to back before any delay. */
  free: number;
  /** Delay after the first attempt past the free ones, in ms; doubles with each further attempt. */
  baseDelayMs: number;
  /** Ceiling of the delay, in ms. */
  maxDelayMs: number;
}

/** Login limits: per (email, client address) and per client address across emails. */
export interface LoginLimits {
  perEmail: ThrottleRule;
  perAddress: ThrottleRule;
  /** A key with no attempt for this long starts over. */
  forgetAfterMs: number;
  /** Separates the counters of apps that must not share them (a test's own app). @default none */
  scope?: string;
}

/** The defaults: 5 free guesses per email and client, then 30 s, 1 min, 2 min … up to 15 min between guesses. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perEmail: { free: 5, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000 },
  perAddress: { free: 100, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000 },
  forgetAfterMs: 24 * 60 * 60_000,
};

/** The wait, in ms, that follows the `attempts`-th attempt (counted from 1). */
export function delayAfter(attempts: number, rule: ThrottleRule): number {
  if (attempts < rule.free) return 0;
  const steps = attempts - rule.free;
  return Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** Math.min(steps, 30));
}
