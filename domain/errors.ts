// Domain errors: every failure carries a stable code, the stage it came from and a readable message.

/** Stages of a job, in the order they run. */
export const Stage = {
  master: 'master',
  adaptation: 'adaptation',
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
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable code; `retryable` tells Temporal whether another attempt can help. */
export class BoltError extends Error {
  override readonly name = 'BoltError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { stage?: Stage; retryable?: boolean; details?: unknown; status?: number } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
