// Pure progress maths of a batch: jobs done, percent, rate and ETA, percent per language, and which batch
// statuses are final or live. Shared by the batch detail view and the live progress stream.
import { BatchStatus } from './statuses';

/** Batch statuses after which nothing runs any more. */
const FINISHED = new Set<string>([BatchStatus.completed, BatchStatus.cancelled, BatchStatus.failed, BatchStatus.budgetExhausted]);

/** The batch has ended (completed, cancelled, failed or out of budget). */
export const isFinished = (status: string): boolean => FINISHED.has(status);

/** The batch has a workflow that takes signals (running or paused). */
export const isLive = (status: string): boolean => status === BatchStatus.running || status === BatchStatus.paused;

/** The counters progress is computed from (a batch row, or the progress stream's reading of one). */
export interface ProgressCounters {
  status: string;
  total_jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  created_at: Date | string;
}

/** Progress numbers shared by the detail view and the event stream. */
export function progressOf(b: ProgressCounters, now = Date.now()) {
  const done = b.completed + b.failed + b.cancelled;
  const percent = b.total_jobs === 0 ? 100 : Math.round((done / b.total_jobs) * 1000) / 10;
  const elapsedS = Math.max(0.001, (now - new Date(b.created_at).getTime()) / 1000);
  const perMinute = (done / elapsedS) * 60;
  const remaining = b.total_jobs - done;
  const etaSeconds = isFinished(b.status) ? 0 : done > 0 && b.status === BatchStatus.running ? Math.round((remaining / perMinute) * 60) : null;
  return {
    done,
    percent,
    jobsPerMinute: Math.round(perMinute * 10) / 10,
    etaSeconds,
    estimatedFinishAt: etaSeconds === null ? null : new Date(now + etaSeconds * 1000),
  };
}

/** Counts per language and status (one row per pair, as grouped by the database) → counts and percent per language, by language code. */
export function languageProgress(rows: Iterable<{ language: string; status: string; n: number }>) {
  const byLanguage = new Map<string, Record<string, number>>();
  for (const { language, status, n } of rows) {
    const row = byLanguage.get(language) ?? { total: 0, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    row[status] = n;
    row.total! += n;
    byLanguage.set(language, row);
  }
  return [...byLanguage.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([language, c]) => ({ language, ...c, percent: c.total ? Math.round(((c.completed! + c.failed! + c.cancelled!) / c.total) * 1000) / 10 : 100 }));
}
