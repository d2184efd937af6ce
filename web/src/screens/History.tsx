// The user's batches: status, counts, cost and dates, 25 a page, filtered by status.
import { BatchListQuery } from '../../../api/schemas';
import { DataTable } from '../components/DataTable';
import { Pager } from '../components/Pager';
import { Select } from '../components/Select';
import { ErrorNote, int, Link, Status, usd, when } from '../components/ui';
import { usePaged } from '../load';
import type { BatchSummary } from '../types';

const STATUSES = BatchListQuery.shape.status.unwrap().options;
const STATUS_CHOICES = [['', 'all'] as const, ...STATUSES.map((s) => [s, s.replace('_', ' ')] as const)];
const COLUMNS = ['Batch', 'Status', 'Mode', 'Jobs', 'Done', 'Failed', 'Cost', 'Created', 'Finished'];
type Row = BatchSummary & { cost: { spentUsd: number; estimateUsd: number | null } };

export function History() {
  const list = usePaged<{ batches: Row[]; total: number }, { status: string }>('/api/batches', { status: '' });
  const { data, filters } = list;
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <Select label="Status" value={filters.status} choices={STATUS_CHOICES} onChange={(v) => list.setFilter('status', v)} />
      <ErrorNote error={list.error} />
      <DataTable class="history" columns={COLUMNS}>
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
      </DataTable>
      {data && data.total === 0 ? <p class="hint">No batch yet{filters.status ? ` with status ${filters.status}` : ''}.</p> : null}
      <Pager label="History pages" page={list.page} pages={list.pages} total={data?.total ?? 0} noun="batches" onPage={list.setPage} />
    </section>
  );
}
