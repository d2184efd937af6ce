// The batch's jobs, 25 a page, filtered by status and language; refreshed when the batch moves.
import { useEffect, useState } from 'preact/hooks';
import { JobListQuery } from '../../../api/schemas';
import { api } from '../api';
import type { JobSummary } from '../types';
import { ErrorNote, Link, Status } from './ui';

const STATUSES = JobListQuery.shape.status.unwrap().options;

export function JobsTable({ batchId, languages, version }: { batchId: string; languages: string[]; version: number }) {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const [language, setLanguage] = useState('');
  const [data, setData] = useState<{ jobs: JobSummary[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const q = new URLSearchParams({ page: String(page), pageSize: '25' });
    if (status) q.set('status', status);
    if (language) q.set('language', language);
    const abort = new AbortController();
    api<{ jobs: JobSummary[]; total: number }>(`/api/batches/${batchId}/jobs?${q}`, { signal: abort.signal }).then(
      (r) => {
        setData(r);
        setError(null);
      },
      (err: unknown) => (err as Error).name !== 'AbortError' && setError(err),
    );
    return () => abort.abort();
  }, [batchId, page, status, language, version]);
  const pages = data ? Math.max(1, Math.ceil(data.total / 25)) : 1;

  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <div class="row">
        <label>
          Status
          <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setPage(1))}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Language
          <select value={language} onChange={(e) => (setLanguage(e.currentTarget.value), setPage(1))}>
            <option value="">all</option>
            {languages.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="jobs">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Title</th>
              <th scope="col">Language</th>
              <th scope="col">Var.</th>
              <th scope="col">Status</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {data?.jobs.map((j) => (
              <tr key={j.id}>
                <td>{j.seq}</td>
                <td>
                  <Link href={`/jobs/${j.id}`}>{j.title}</Link>
                </td>
                <td>{j.language}</td>
                <td>{j.variation}</td>
                <td>
                  <Status status={j.status} />
                </td>
                <td>{j.error ? `${j.error.stage ?? '?'}: ${j.error.code}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Jobs pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span>
          Page {page} of {pages} ({data?.total ?? 0} jobs)
        </span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}
