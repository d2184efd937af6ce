// The user's batches: status, counts, cost and dates, 25 a page, filtered by status.
import { useEffect, useState } from 'preact/hooks';
import { BatchListQuery } from '../../../api/schemas';
import { api } from '../api';
import { ErrorNote, int, Link, Status, usd, when } from '../components/ui';
import type { BatchSummary } from '../types';

const STATUSES = BatchListQuery.shape.status.unwrap().options;
type Row = BatchSummary & { cost: { spentUsd: number; estimateUsd: number | null } };

export function History() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const [data, setData] = useState<{ batches: Row[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const q = new URLSearchParams({ page: String(page), pageSize: '25' });
    if (status) q.set('status', status);
    api<{ batches: Row[]; total: number }>(`/api/batches?${q}`).then((r) => (setData(r), setError(null)), setError);
  }, [page, status]);
  const pages = data ? Math.max(1, Math.ceil(data.total / 25)) : 1;
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <label>
        Status
        <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setPage(1))}>
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="history">
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Status</th>
              <th scope="col">Mode</th>
              <th scope="col">Jobs</th>
              <th scope="col">Done</th>
              <th scope="col">Failed</th>
              <th scope="col">Cost</th>
              <th scope="col">Created</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {data?.batches.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link href={`/batches/${b.id}`}>
                    <code>{b.id.slice(0, 8)}</code>
                  </Link>
                </td>
                <td>
                  <Status status={b.status} />
                </td>
                <td>{b.mode}</td>
                <td>{int(b.counts.total)}</td>
                <td>{int(b.counts.completed)}</td>
                <td>{int(b.counts.failed)}</td>
                <td>{usd(b.cost.spentUsd)}</td>
                <td>{when(b.createdAt)}</td>
                <td>{when(b.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.total === 0 ? <p class="hint">No batch yet{status ? ` with status ${status}` : ''}.</p> : null}
      <nav class="pager" aria-label="History pages">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span>
          Page {page} of {pages} ({data?.total ?? 0} batches)
        </span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}
