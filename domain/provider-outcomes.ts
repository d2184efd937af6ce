// Provider outcome classes, defined once: how every Gemini and TTS answer maps to an error code and a retry decision.
import { BoltError, ErrorCode, QuotaScope, type Stage } from './errors';

/** The ways a provider call can end other than success. */
export const Outcome = {
  contentRefusal: 'content_refusal',
  truncated: 'truncated',
  quota: 'quota',
  keyProblem: 'key_problem',
  serverFault: 'server_fault',
  badRequest: 'bad_request',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** How one outcome class is reported and handled. */
export interface OutcomeClass {
  code: ErrorCode;
  /** Whether another attempt (after `retryAfterMs`, or on another key) can succeed. */
  retryable: boolean;
  triggers: string;
  handling: string;
}

/** The outcome table: the single place that decides codes and retryability for both providers. */
export const OUTCOMES: Readonly<Record<Outcome, OutcomeClass>> = {
  content_refusal: {
    code: ErrorCode.contentBlocked,
    retryable: false,
    triggers: 'finishReason SAFETY / RECITATION / PROHIBITED_CONTENT / BLOCKLIST / SPII / IMAGE_SAFETY, or promptFeedback.blockReason',
    handling: 'the job fails with the reason',
  },
  truncated: {
    code: ErrorCode.truncated,
    retryable: false,
    triggers: 'finishReason MAX_TOKENS',
    handling: 'the job fails clearly; a cut script is never stored',
  },
  quota: {
    code: ErrorCode.quotaExhausted,
    retryable: true,
    triggers: 'HTTP 429 / RESOURCE_EXHAUSTED',
    handling: 'retried after the RetryInfo delay; QuotaFailure quotaId tells per-minute from per-day quota',
  },
  key_problem: {
    code: ErrorCode.keyInvalid,
    retryable: true,
    triggers: 'HTTP 400 API_KEY_INVALID, 401, 403',
    handling: 'reported as key_invalid so the key pool disables the key; the job moves to another key',
  },
  server_fault: {
    code: ErrorCode.providerUnavailable,
    retryable: true,
    triggers: 'HTTP 408 / 500 / 502 / 503 / 504, timeouts, connection errors, empty or malformed answers',
    handling: 'retried with backoff',
  },
  bad_request: {
    code: ErrorCode.badRequest,
    retryable: false,
    triggers: 'any other 4xx (invalid argument, unknown voice or model, input too long)',
    handling: 'the job fails with the provider message',
  },
};

/** Gemini finish reasons that mean the model refused or was stopped by a content filter. */
export const REFUSAL_FINISH_REASONS: ReadonlySet<string> = new Set(['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'IMAGE_SAFETY']);

/** What a provider error response says, in the shape of Google's error JSON. */
export interface ProviderErrorFacts {
  /** HTTP status; absent for network failures and timeouts. */
  status?: number;
  /** `error.status` (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`, …). */
  statusName?: string;
  message: string;
  /** `error.details`: ErrorInfo, RetryInfo, QuotaFailure entries. */
  details?: unknown[];
  /** True when the call was abandoned for taking too long. */
  timedOut?: boolean;
}

/** The classification of one failed call. */
export interface Classified {
  outcome: Outcome;
  retryAfterMs?: number;
  quotaScope?: QuotaScope;
  reason?: string;
}

const typeOf = (d: unknown): string => String((d as { '@type'?: unknown })['@type'] ?? '');

/** Reads a protobuf Duration as JSON (`"13s"`, `"1.5s"`) or as an object (`{ seconds, nanos }`) into ms. */
export function durationMs(d: unknown): number | undefined {
  if (typeof d === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(d.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (d && typeof d === 'object') {
    const { seconds, nanos } = d as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds ?? 0);
    const n = Number(nanos ?? 0);
    if (Number.isFinite(s) && Number.isFinite(n)) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}

/** Per-minute or per-day, from QuotaFailure quota ids (`…PerMinute…`, `…PerDay…`) or, failing that, the message. */
export function quotaScopeOf(details: unknown[], message: string): QuotaScope | undefined {
  const ids: string[] = [];
  for (const d of details) {
    if (!typeOf(d).endsWith('google.rpc.QuotaFailure') && !('violations' in (d as object))) continue;
    for (const v of ((d as { violations?: unknown[] }).violations ?? []) as Array<Record<string, unknown>>) {
      const id = v.quotaId ?? v.quota_id;
      if (typeof id === 'string') ids.push(id);
    }
  }
  const all = ids.join(' ');
  if (/per\s*day/i.test(all)) return QuotaScope.day;
  if (/per\s*minute/i.test(all)) return QuotaScope.minute;
  if (/per\s*day/i.test(message)) return QuotaScope.day;
  if (/per\s*minute/i.test(message)) return QuotaScope.minute;
  return undefined;
}

/** Google's error JSON (`{ error: { code, status, message, details } }`) found in a text, such as an SDK error message. */
export function googleErrorIn(text: string): { code?: number; status?: string; message?: string; details?: unknown[] } | undefined {
  const at = text.indexOf('{');
  if (at < 0) return undefined;
  try {
    const parsed = JSON.parse(text.slice(at)) as { error?: { code?: number; status?: string; message?: string; details?: unknown[] } };
    return parsed.error && typeof parsed.error === 'object' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** Classifies a failed provider call from its status, Google error status and details. */
export function classifyFailure(f: ProviderErrorFacts): Classified {
  const details = f.details ?? [];
  const info = details.find((d) => typeOf(d).endsWith('google.rpc.ErrorInfo') || (d && typeof d === 'object' && 'reason' in d && 'domain' in d)) as
    | { reason?: string }
    | undefined;
  const retry = details.find((d) => typeOf(d).endsWith('google.rpc.RetryInfo') || (d && typeof d === 'object' && 'retryDelay' in d)) as
    | { retryDelay?: unknown }
    | undefined;
  const reason = info?.reason;
  const retryAfterMs = retry ? durationMs(retry.retryDelay) : undefined;
  const { status, statusName, message } = f;
  if (status === 429 || statusName === 'RESOURCE_EXHAUSTED') {
    return { outcome: Outcome.quota, retryAfterMs, quotaScope: quotaScopeOf(details, message), reason: reason ?? 'RESOURCE_EXHAUSTED' };
  }
  if (reason === 'API_KEY_INVALID' || /API key not valid/i.test(message) || status === 401 || status === 403 || statusName === 'PERMISSION_DENIED' || statusName === 'UNAUTHENTICATED') {
    return { outcome: Outcome.keyProblem, reason: reason ?? statusName };
  }
  if (f.timedOut || status === undefined || status === 408 || status >= 500) {
    return { outcome: Outcome.serverFault, retryAfterMs, reason: statusName ?? (f.timedOut ? 'TIMEOUT' : undefined) };
  }
  if (status >= 400) return { outcome: Outcome.badRequest, reason: reason ?? statusName };
  return { outcome: Outcome.serverFault, reason: statusName };
}

/** Classifies a Gemini answer that came back 200 but did not finish normally; undefined when it did. */
export function classifyFinish(r: { finishReason?: string; blockReason?: string }): Classified | undefined {
  if (r.blockReason && r.blockReason !== 'BLOCKED_REASON_UNSPECIFIED') return { outcome: Outcome.contentRefusal, reason: r.blockReason };
  if (r.finishReason && REFUSAL_FINISH_REASONS.has(r.finishReason)) return { outcome: Outcome.contentRefusal, reason: r.finishReason };
  if (r.finishReason === 'MAX_TOKENS') return { outcome: Outcome.truncated, reason: 'MAX_TOKENS' };
  return undefined;
}

/** Builds the BoltError of a classified failure, with the code and retryability of its outcome class. */
export function outcomeError(c: Classified, message: string, extra: { stage?: Stage; status?: number } = {}): BoltError {
  const cls = OUTCOMES[c.outcome];
  return new BoltError(cls.code, message, {
    stage: extra.stage,
    status: extra.status,
    retryable: cls.retryable,
    retryAfterMs: c.retryAfterMs,
    quotaScope: c.quotaScope,
    reason: c.reason,
  });
}
