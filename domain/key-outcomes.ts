// What a provider error says about the pooled key that made the call (the breaker outcome of its lease), and the
// same error with the key masked, so no key material travels on in messages.
import type { CallOutcome, QuotaScope } from './breaker';
import { scrubSecret } from './crypto';
import { BoltError, ErrorCode } from './errors';

/** Reads what the pool needs from a provider error: the breaker outcome, or undefined when it says nothing about the key. */
export function outcomeOf(err: unknown): CallOutcome | undefined {
  if (!(err instanceof BoltError)) return undefined;
  const opts = err.options as { retryAfterMs?: number; quotaScope?: string };
  switch (err.code) {
    case ErrorCode.quotaExhausted:
      return {
        kind: 'quota',
        retryAfterMs: typeof opts.retryAfterMs === 'number' ? opts.retryAfterMs : undefined,
        scope: opts.quotaScope === 'day' || opts.quotaScope === 'minute' ? (opts.quotaScope as QuotaScope) : undefined,
      };
    case ErrorCode.keyInvalid:
      return { kind: 'invalid', reason: err.message };
    case ErrorCode.providerUnavailable:
      return { kind: 'failure' };
    default:
      // Content refusals, bad requests, truncation: the key answered, so it works.
      return { kind: 'success' };
  }
}

/** The same error with every occurrence of the key replaced by its mask (SDK messages may quote request URLs). */
export function scrubbedError(err: unknown, secret: string): unknown {
  if (err instanceof BoltError) {
    if (!err.message.includes(secret)) return err;
    return new BoltError(err.code, scrubSecret(err.message, secret), err.options);
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.includes(secret) || (err instanceof Error && err.stack?.includes(secret)) ? new Error(scrubSecret(message, secret)) : err;
}
