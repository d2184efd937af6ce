// What the Temporal dev server was asked to do, counted by the server itself: the requests its services served
// (frontend, history, matching) and the persistence operations behind them, by operation, read from its
// Prometheus endpoint (`TEMPORAL_DEV_METRICS_PORT`) before and after a run, so a run's cost in the engine can be
// told apart by kind (activity tasks, workflow tasks, heartbeats, starts, signals, visibility) and per job.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** Counts by `<service>:<operation>` (requests) and by operation (persistence). */
export interface ServerCounts {
  requests: Record<string, number>;
  persistence: Record<string, number>;
}

/** The per-job difference of two readings: totals, and every operation's count a job, largest first. */
export interface ServerCountsPerJob {
  requestsPerJob: number;
  persistencePerJob: number;
  /** Requests by `<service>:<operation>`, a job. */
  requests: Array<{ operation: string; perJob: number }>;
  /** Persistence operations, a job. */
  persistence: Array<{ operation: string; perJob: number }>;
}

function sumBy(text: string, family: string, keyOf: (labels: Record<string, string>) => string): Record<string, number> {
  const found = parsePrometheusTextFormat(text).find((f) => f.name === family);
  const out: Record<string, number> = {};
  for (const sample of found?.metrics ?? []) {
    const key = keyOf(sample.labels ?? {});
    out[key] = (out[key] ?? 0) + Number(sample.value ?? 0);
  }
  return out;
}

/**
 * The server publishes its counters every second or so (its metrics library reports on an interval), so a reading
 * right after a run misses its last requests: each reading waits this long first.
 */
const SETTLE_MS = 2_500;

/** Reads the server's counters, once what it served until now has been published. */
export async function readServerCounts(url: string): Promise<ServerCounts> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`the dev server's metrics at ${url} answered ${res.status}`);
  const text = await res.text();
  return {
    requests: sumBy(text, 'service_requests', (l) => `${l.service_name ?? '?'}:${l.operation ?? '?'}`),
    persistence: sumBy(text, 'persistence_requests', (l) => l.operation ?? '?'),
  };
}

function perJob(before: Record<string, number>, after: Record<string, number>, jobs: number) {
  const rows = Object.entries(after)
    .map(([operation, n]) => ({ operation, perJob: (n - (before[operation] ?? 0)) / jobs }))
    .filter((r) => r.perJob > 0)
    .sort((a, b) => b.perJob - a.perJob || a.operation.localeCompare(b.operation));
  return { total: rows.reduce((s, r) => s + r.perJob, 0), rows };
}

/** What happened between two readings, per job. */
export function countsBetween(before: ServerCounts, after: ServerCounts, jobs: number): ServerCountsPerJob {
  const requests = perJob(before.requests, after.requests, jobs);
  const persistence = perJob(before.persistence, after.persistence, jobs);
  return { requestsPerJob: requests.total, persistencePerJob: persistence.total, requests: requests.rows, persistence: persistence.rows };
}
