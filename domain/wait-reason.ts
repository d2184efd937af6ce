// Why a provider call waits for a key, as a batch shows it: the quota, the provider's errors, or keys resting.
import type { CallOutcome } from './breaker';

/** Why a key rests (its breaker is open): a spent quota (429), or server errors and timeouts. */
export type RestReason = 'quota' | 'failures';

/**
 * Why no key can serve: `quota` (a key or project has used its requests of the minute or day, or got a 429),
 * `provider_errors` (every key rests after server errors or timeouts: the provider is failing), `keys_resting`
 * (keys rest after errors of their own, or a probe is deciding), `no_key` (no active key).
 */
export type WaitReason = 'quota' | 'provider_errors' | 'keys_resting' | 'no_key';

/** The rest an outcome starts when it opens a key's breaker. */
export function restReasonOf(outcome: CallOutcome): RestReason | undefined {
  if (outcome.kind === 'quota') return 'quota';
  if (outcome.kind === 'failure') return 'failures';
  return undefined;
}

/** Why none of the active `keys` can be leased now (each with its breaker and the reason it rests). */
export function waitReason(keys: ReadonlyArray<{ circuit: string; restReason: RestReason | null }>): WaitReason {
  if (keys.length === 0) return 'no_key';
  // A closed key that cannot serve has no room left under its (or its project's) limits.
  if (keys.some((k) => k.circuit === 'closed' || k.restReason === 'quota')) return 'quota';
  if (keys.every((k) => k.circuit === 'open' && k.restReason === 'failures')) return 'provider_errors';
  return 'keys_resting';
}

/** The words a batch uses for a wait. */
export const WAIT_REASON_TEXT: Readonly<Record<WaitReason, string>> = {
  quota: 'waiting for quota',
  provider_errors: 'waiting out provider errors',
  keys_resting: 'waiting for resting keys',
  no_key: 'waiting for a key to be added or enabled',
};
