// The circuit breaker of one API key, as pure transitions: the key pool stores the state in
// PostgreSQL and applies these rules under a lock, so every worker sees the same breaker.
import { QuotaScope } from './errors';
import { nextMinute, nextQuotaMidnight } from './quota';

/** Circuit states of a key. */
export const Circuit = {
  /** Serving requests. */
  closed: 'closed',
  /** Resting until `reopenAt`; no requests. */
  open: 'open',
  /** One probe request is in flight; its outcome closes or re-opens the circuit. */
  halfOpen: 'half_open',
} as const;
export type Circuit = (typeof Circuit)[keyof typeof Circuit];

/** The breaker's part of a key's row. */
export interface BreakerState {
  circuit: Circuit;
  /** Retryable failures in a row while closed. */
  consecutiveFailures: number;
  /** Openings since the circuit was last closed; the backoff doubles with each. */
  openings: number;
  /** Open: when a probe may go. Half-open: when an unanswered probe is given up on. */
  reopenAt: Date | null;
}

/** Tunables of the breaker. */
export interface BreakerPolicy {
  /** Retryable failures in a row that open a closed circuit. @default 3 */
  failureThreshold: number;
  /** First rest after failures. @default 10000 */
  backoffBaseMs: number;
  /** Longest rest after failures. @default 600000 */
  backoffMaxMs: number;
  /** How long a probe may stay unanswered (a crashed worker) before another probe may go. @default 300000 */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 3,
  backoffBaseMs: 10_000,
  backoffMaxMs: 600_000,
  probeTimeoutMs: 300_000,
};

/** Which quota a 429 spent (one definition, in domain/errors.ts): per-minute quotas reset at the next minute, per-day ones at midnight Pacific. */
export { QuotaScope };

/** What a call with the key led to, as far as the key's health is concerned. */
export type CallOutcome =
  /** The key worked (including answers such as "content blocked" that say nothing bad about the key). */
  | { kind: 'success' }
  /**
   * A retryable failure: a 5xx, a timeout, a dropped connection. `shared` when every other key of the
   * service failed lately too (see sharedFailure): the provider's fault, not the key's, so the key does not rest.
   */
  | { kind: 'failure'; shared?: boolean }
  /** A 429: the quota of the key's project is spent until it resets. */
  | { kind: 'quota'; retryAfterMs?: number; scope?: QuotaScope }
  /** Google rejected the key itself. */
  | { kind: 'invalid'; reason: string };

/** A fresh, closed breaker. */
export const closedBreaker = (): BreakerState => ({ circuit: Circuit.closed, consecutiveFailures: 0, openings: 0, reopenAt: null });

/** Whether a key may be leased at `now`: closed, or resting past its reopen time (the probe). */
export function canLease(s: BreakerState, now: Date): boolean {
  if (s.circuit === Circuit.closed) return true;
  return s.reopenAt === null || s.reopenAt.getTime() <= now.getTime();
}

/** When a key that cannot be leased now will be leasable again. */
export function leasableAt(s: BreakerState, now: Date): Date {
  return canLease(s, now) ? now : s.reopenAt!;
}

/**
 * The state after a lease at `now`. A closed circuit stays closed; an open one whose rest is
 * over becomes half-open and this lease is its single probe. Throws when the key is not leasable.
 */
export function onLease(s: BreakerState, now: Date, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY): BreakerState {
  if (!canLease(s, now)) throw new Error('the circuit is open: the key cannot be leased now');
  if (s.circuit === Circuit.closed) return s;
  return { ...s, circuit: Circuit.halfOpen, reopenAt: new Date(now.getTime() + policy.probeTimeoutMs) };
}

/** When a spent quota comes back: the server's retry delay, else the end of the minute or the day. */
export function quotaResetAt(now: Date, outcome: { retryAfterMs?: number; scope?: QuotaScope }): Date {
  if (outcome.scope === QuotaScope.day) return nextQuotaMidnight(now);
  if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs >= 0) return new Date(now.getTime() + outcome.retryAfterMs);
  return nextMinute(now);
}

/** The rest after the `openings`-th opening for failures: base × 2^(openings−1), capped. */
export function backoffMs(openings: number, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY): number {
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, openings - 1));
}

/** What to do with a key after an outcome: its new breaker, and whether to disable it. */
export interface Transition {
  state: BreakerState;
  /** Set when the key must be disabled, with the reason users will see. */
  disable?: string;
  /** Set on a quota 429: the whole project rests until then (quotas are per project). */
  projectReopenAt?: Date;
}

/** The breaker after a call's outcome at `now`. */
export function onOutcome(s: BreakerState, outcome: CallOutcome, now: Date, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY): Transition {
  switch (outcome.kind) {
    case 'success':
      // A late success from before an opening must not cut a quota rest short: only a probe closes.
      if (s.circuit === Circuit.open) return { state: s };
      return { state: closedBreaker() };
    case 'invalid':
      return { state: s, disable: outcome.reason };
    case 'quota': {
      const reset = quotaResetAt(now, outcome);
      const reopenAt = s.circuit === Circuit.open && s.reopenAt && s.reopenAt > reset ? s.reopenAt : reset;
      // A quota rest ends at the quota's reset: it is no failure of the key, so it does not lengthen the next rest for
      // failures (429 bursts every 20 s had pushed a storm's failure rests to minutes).
      return { state: { circuit: Circuit.open, consecutiveFailures: 0, openings: s.openings, reopenAt }, projectReopenAt: reset };
    }
    case 'failure': {
      if (s.circuit === Circuit.open) return { state: s };
      // Resting a key for what every key sees alike only skews the traffic onto the others: the call's own retry waits.
      if (outcome.shared && s.circuit === Circuit.closed) return { state: s };
      const failures = s.consecutiveFailures + 1;
      if (s.circuit === Circuit.halfOpen || failures >= policy.failureThreshold) {
        // A probe that fails as every key does rests the key again, but no longer than last time: while the provider
        // itself fails (a storm), its errors must not double the key's rest up to the maximum.
        const openings = outcome.shared && s.circuit === Circuit.halfOpen ? Math.max(1, s.openings) : s.openings + 1;
        return { state: { circuit: Circuit.open, consecutiveFailures: 0, openings, reopenAt: new Date(now.getTime() + backoffMs(openings, policy)) } };
      }
      return { state: { ...s, consecutiveFailures: failures } };
    }
  }
}

/** How recent another key's error must be to show that the provider, not one key, is failing. @default 60 s */
export const SHARED_FAILURE_WINDOW_MS = 60_000;

/**
 * Whether a key's retryable failure is one every key of its service sees alike: there are other active keys,
 * and each of them has had an error within the window or rests for its failures (a resting key makes no calls,
 * so its last error ages while the provider still fails). A lone key gives no such evidence.
 */
export function sharedFailure(others: ReadonlyArray<{ lastErrorAt: Date | null; restingForFailures?: boolean }>, now: Date, windowMs = SHARED_FAILURE_WINDOW_MS): boolean {
  return others.length > 0 && others.every((o) => o.restingForFailures === true || (o.lastErrorAt !== null && now.getTime() - o.lastErrorAt.getTime() <= windowMs));
}

/** A key in a project that just spent its quota rests until the project's reset (never shortens a longer rest). */
export function onProjectQuota(s: BreakerState, reopenAt: Date): BreakerState {
  if (s.circuit !== Circuit.closed && s.reopenAt && s.reopenAt >= reopenAt) return s;
  return { circuit: Circuit.open, consecutiveFailures: 0, openings: s.openings, reopenAt };
}
