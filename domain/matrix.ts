// The compact job-status code of the batch matrix, shared by the API (which encodes) and the page (which
// decodes): one character per job, in job sequence order, so a 2,000-job batch travels as 2,000 bytes.

/** One letter per job status. */
export const MATRIX_STATUS_CODE = {
  queued: 'q',
  running: 'r',
  completed: 'c',
  failed: 'f',
  cancelled: 'x',
} as const;
export type MatrixStatus = keyof typeof MATRIX_STATUS_CODE;
export type MatrixStatusCode = (typeof MATRIX_STATUS_CODE)[MatrixStatus];

const BY_CODE: Record<string, MatrixStatus> = Object.fromEntries(Object.entries(MATRIX_STATUS_CODE).map(([s, c]) => [c, s as MatrixStatus]));

/** The status a code stands for; unknown codes read as queued (a newer server may add statuses). */
export const statusOfCode = (code: string): MatrixStatus => BY_CODE[code] ?? 'queued';

/**
 * Largest batch whose matrix is served and streamed. Above it a grid is no longer readable at a glance
 * and the per-event status string would pass 20 kB; such batches are followed through counts and the jobs list.
 */
export const MATRIX_MAX_JOBS = 20_000;

/** The positions where two status strings differ (the cells a page must repaint). */
export function changedCells(before: string, after: string): number[] {
  const out: number[] = [];
  const n = Math.max(before.length, after.length);
  for (let i = 0; i < n; i++) if (before[i] !== after[i]) out.push(i);
  return out;
}
