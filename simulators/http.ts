// Small HTTP helpers shared by the simulators: JSON bodies and Google's error envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** gRPC status names Google puts in `error.status`, by HTTP code. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
    readonly statusName = STATUS_NAMES[status] ?? 'UNKNOWN',
  ) {
    super(message);
  }
}

const MAX_BODY = 10 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request payload size exceeds the limit.');
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Invalid JSON payload received. Unexpected token.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)); // bytes that already are JSON, or a value
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': bytes.length });
  res.end(bytes);
}

/** Writes Google's error JSON: `{ error: { code, message, status, details } }`. */
export function sendGoogleError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { code: err.status, message: err.message, status: err.statusName, details: err.details } });
}

/** The header in which the simulators' front door (front-door.ts) says when a request reached it, in ms since the epoch. */
export const ARRIVAL_HEADER = 'x-bolt-sim-arrived';

/**
 * When a request reached the simulators, as a provider counts it: the front door's note (never later than now),
 * else now, for a request that came to the simulators' own server directly.
 */
export function arrivalOf(req: IncomingMessage): number {
  const now = Date.now();
  const noted = Number(req.headers[ARRIVAL_HEADER]);
  return Number.isFinite(noted) && noted > 0 ? Math.min(noted, now) : now;
}

/** The API key of a request: the `x-goog-api-key` header or the `key` query parameter. */
export function apiKeyOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-goog-api-key'];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined;
}

/** An `ErrorInfo` detail saying the key is invalid, as Google sends it. */
export const apiKeyInvalidDetail = (service: string) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason: 'API_KEY_INVALID',
  domain: 'googleapis.com',
  metadata: { service },
});

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown by a simulator to answer the way an overloaded backend does: not at all, until the client gives up. */
export class Hang extends Error {
  constructor(readonly maxMs: number) {
    super('simulated timeout');
  }
}

/** Waits until the client closes the connection or `maxMs` passes; true when the client is still there. */
export function hang(req: IncomingMessage, res: ServerResponse, maxMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!res.destroyed), maxMs);
    res.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.resume();
  });
}

/** A latency distribution: log-normal around `medianMs` (fixed when `sigma` is 0), capped at `maxMs`. */
export interface LatencyDistribution {
  medianMs: number;
  /** Spread of the log-normal distribution; 0 gives a fixed latency. @default 0.5 */
  sigma?: number;
  /** @default 10 × medianMs */
  maxMs?: number;
}

/** Draws one latency from the distribution. */
export function sampleLatency(d: LatencyDistribution, random: () => number = Math.random): number {
  const sigma = d.sigma ?? 0.5;
  // Box–Muller: one standard normal draw.
  const u = Math.max(Number.EPSILON, random());
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return Math.min(d.maxMs ?? d.medianMs * 10, Math.max(0, d.medianMs * Math.exp(sigma * z)));
}

/** Requests-per-minute and per-day quotas, per key and per project (Gemini's quotas are per project). */
export interface QuotaOptions {
  perKeyPerMinute?: number;
  perProjectPerMinute?: number;
  perKeyPerDay?: number;
  perProjectPerDay?: number;
}

/** A key whose quota is spent no matter the traffic: every call gets 429 with this delay. */
export interface ExhaustedKey {
  /** Delay put in RetryInfo. @default 30 */
  retryDelaySeconds?: number;
  /** Which quota is reported as spent. @default 'minute' */
  scope?: 'minute' | 'day';
}

/** Options every simulator shares: keys, quotas, latency and injected faults. */
export interface CommonSimOptions {
  /** Keys the simulator accepts; any non-empty key when absent. */
  validKeys?: string[];
  /** Keys answered with 400 API_KEY_INVALID. */
  invalidKeys?: string[];
  /** Keys answered with 403 PERMISSION_DENIED (API not enabled for the key's project). */
  deniedKeys?: string[];
  /** Fixed latency added to every call, in ms. @default 0 */
  latencyMs?: number;
  /** Random latency added to every call (on top of `latencyMs`). */
  latency?: LatencyDistribution;
  /** Fraction (0–1) of calls answered with `errorStatus`. @default 0 */
  errorRate?: number;
  /** Status of injected server errors: 500, 503 or 504. @default 503 */
  errorStatus?: number;
  /** Fraction (0–1) of calls never answered until the client gives up (or `hangMs` passes, then 504). @default 0 */
  timeoutRate?: number;
  /** @default 300000 */
  hangMs?: number;
  quota?: QuotaOptions;
  exhaustedKeys?: Record<string, ExhaustedKey>;
  /** Project of each key, for per-project quotas; a key not listed is its own project. */
  projects?: Record<string, string>;
}

/** What a simulator names its quotas in 429 answers. */
export interface QuotaNames {
  service: string;
  /** Quota ids without the scope words, such as `GenerateRequests…PerProjectPerModel`. */
  minuteId: (per: 'Key' | 'Project') => string;
  dayId: (per: 'Key' | 'Project') => string;
  metric: string;
  dimensions?: Record<string, string>;
}

/** Milliseconds to the next midnight in Google's quota day (Pacific time, taken as UTC−8). */
function msToQuotaDayEnd(now: number): number {
  const shifted = now - 8 * 3_600_000;
  return 86_400_000 - (shifted % 86_400_000);
}

/** The 429 Google sends: RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo details. */
export function quotaError(names: QuotaNames, scope: 'minute' | 'day', per: 'Key' | 'Project', limit: number | string, retryMs: number): HttpError {
  const quotaId = scope === 'day' ? names.dayId(per) : names.minuteId(per);
  const seconds = Math.max(1, Math.ceil(retryMs / 100) / 10);
  return new HttpError(
    429,
    `Quota exceeded for quota metric '${names.metric}' and limit '${quotaId}' of service '${names.service}'. Please retry in ${seconds}s.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ quotaMetric: `${names.service}/${names.metric}`, quotaId, quotaDimensions: names.dimensions ?? {}, quotaValue: String(limit) }],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about quotas', url: `https://cloud.google.com/docs/quotas` }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
    ],
  );
}

/** Adds `t` to the ascending list `times`, in its place (requests may be handled in another order than they arrived). */
function insertSorted(times: number[], t: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i--;
  times.splice(i, 0, t);
}

/** Sliding-window request counts per key and per project; throws the 429 of the first quota a call would break. */
export class QuotaMeter {
  private readonly minute = new Map<string, number[]>();
  private readonly day = new Map<string, { start: number; count: number }>();

  check(key: string, options: CommonSimOptions, names: QuotaNames, now = Date.now()): void {
    const exhausted = options.exhaustedKeys?.[key];
    if (exhausted) {
      const scope = exhausted.scope ?? 'minute';
      throw quotaError(names, scope, 'Project', 0, (exhausted.retryDelaySeconds ?? 30) * 1000);
    }
    const q = options.quota;
    if (!q) return;
    const project = options.projects?.[key] ?? `key:${key}`;
    const checks: Array<[string, number | undefined, 'minute' | 'day', 'Key' | 'Project']> = [
      [`k:${key}`, q.perKeyPerMinute, 'minute', 'Key'],
      [`p:${project}`, q.perProjectPerMinute, 'minute', 'Project'],
      [`k:${key}`, q.perKeyPerDay, 'day', 'Key'],
      [`p:${project}`, q.perProjectPerDay, 'day', 'Project'],
    ];
    for (const [id, limit, scope, per] of checks) {
      if (limit === undefined) continue;
      if (scope === 'minute') {
        const times = (this.minute.get(id) ?? []).filter((t) => t > now - 60_000);
        this.minute.set(id, times);
        if (times.length >= limit) throw quotaError(names, 'minute', per, limit, times[0]! + 60_000 - now);
      } else {
        const dayStart = now - (86_400_000 - msToQuotaDayEnd(now));
        const d = this.day.get(id);
        const count = d && d.start === dayStart ? d.count : 0;
        if (count >= limit) throw quotaError(names, 'day', per, limit, msToQuotaDayEnd(now));
      }
    }
    // Only calls that pass every quota count against them.
    for (const [id, limit, scope] of checks) {
      if (limit === undefined) continue;
      if (scope === 'minute') insertSorted(this.minute.get(id)!, now);
      else {
        const dayStart = now - (86_400_000 - msToQuotaDayEnd(now));
        const d = this.day.get(id);
        this.day.set(id, { start: dayStart, count: d && d.start === dayStart ? d.count + 1 : 1 });
      }
    }
  }

  reset(): void {
    this.minute.clear();
    this.day.clear();
  }

  /** When this meter counted the requests of `key` within the last minute (ms since the epoch), oldest first. */
  countedFor(key: string): number[] {
    return [...(this.minute.get(`k:${key}`) ?? [])];
  }
}

/** The checks every call goes through before the API looks at the request: key, quota, injected faults. */
export function admit(key: string | undefined, options: CommonSimOptions, quotas: QuotaMeter, names: QuotaNames, arrived = Date.now(), random: () => number = Math.random): string {
  if (!key) throw new HttpError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  if (options.invalidKeys?.includes(key) || (options.validKeys && !options.validKeys.includes(key))) {
    throw new HttpError(400, 'API key not valid. Please pass a valid API key.', [apiKeyInvalidDetail(names.service)]);
  }
  if (options.deniedKeys?.includes(key)) {
    throw new HttpError(403, `${names.service} has not been used in the key's project before or it is disabled.`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: names.service } },
    ]);
  }
  quotas.check(key, options, names, arrived);
  if (options.timeoutRate && random() < options.timeoutRate) throw new Hang(options.hangMs ?? 300_000);
  if (options.errorRate && random() < options.errorRate) {
    const status = options.errorStatus ?? 503;
    const message = status === 500 ? 'Internal error encountered.' : status === 504 ? 'Deadline expired before operation could complete.' : 'The service is currently unavailable.';
    throw new HttpError(status, message);
  }
  return key;
}

/** Sleeps for the configured latency, if any. */
export async function simulateLatency(options: CommonSimOptions): Promise<void> {
  const ms = (options.latencyMs ?? 0) + (options.latency ? sampleLatency(options.latency) : 0);
  if (ms > 0) await sleep(ms);
}

/** Answers a failed call: Google's error JSON, or for a Hang, silence until the client leaves. */
export async function answerError(req: IncomingMessage, res: ServerResponse, err: unknown, record: (status: number) => void): Promise<void> {
  if (err instanceof Hang) {
    const stillThere = await hang(req, res, err.maxMs);
    record(504);
    if (stillThere) sendGoogleError(res, new HttpError(504, 'Deadline expired before operation could complete.'));
    return;
  }
  const e = err instanceof HttpError ? err : new HttpError(500, 'Internal error encountered.');
  record(e.status);
  if (!res.headersSent) sendGoogleError(res, e);
}
