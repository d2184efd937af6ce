// Domain errors: every failure carries a stable code, the stage it came from and a readable message.

/** Stages of a job, in the order they run. */
export const Stage = {
  master: 'master',
  adaptation: 'adaptation',
  /** The script check between a script and its speech (language, length, artefacts). */
  qa: 'qa',
  synthesis: 'synthesis',
  storage: 'storage',
  bookkeeping: 'bookkeeping',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** Stable error codes shared by the API, activities and the page. */
export const ErrorCode = {
  validation: 'validation_error',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  internal: 'internal_error',
  contentBlocked: 'content_blocked',
  truncated: 'truncated',
  quotaExhausted: 'quota_exhausted',
  keyInvalid: 'key_invalid',
  providerUnavailable: 'provider_unavailable',
  badRequest: 'provider_bad_request',
  storageFailed: 'storage_failed',
  scriptCheckFailed: 'script_check_failed',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Which quota a 429 spent: the per-minute one refills within a minute, the per-day one at midnight Pacific. */
export const QuotaScope = { minute: 'minute', day: 'day' } as const;
export type QuotaScope = (typeof QuotaScope)[keyof typeof QuotaScope];

/** What a BoltError may carry beyond its code and message. */
export interface BoltErrorOptions {
  stage?: Stage;
  retryable?: boolean;
  details?: unknown;
  /** HTTP status the provider answered with, when there was one. */
  status?: number;
  /** How long to wait before another attempt, from the provider's `RetryInfo`. */
  retryAfterMs?: number;
  /** For quota errors: which quota ran out. */
  quotaScope?: QuotaScope;
  /** The provider's own reason (`SAFETY`, `API_KEY_INVALID`, `MAX_TOKENS`, …). */
  reason?: string;
}

/** An error with a stable code; `retryable` tells Temporal whether another attempt can help. */
export class BoltError extends Error {
  override readonly name = 'BoltError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: BoltErrorOptions = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  /** Delay the provider asked for before retrying, if any. */
  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
  /** Which quota ran out, for quota errors. */
  get quotaScope(): QuotaScope | undefined {
    return this.options.quotaScope;
  }
}
