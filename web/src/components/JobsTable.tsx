// The batch's jobs, 25 a page, filtered by status and language; refreshed when the batch moves.
import { JobListQuery } from '../../../api/schemas';
import { usePaged } from '../load';
import type { JobSummary } from '../types';
import { DataTable } from './DataTable';
import { Pager } from './Pager';
import { Select } from './Select';
import { ErrorNote, Link, Status } from './ui';

const STATUSES = JobListQuery.shape.status.unwrap().options;
const COLUMNS = ['#', 'Title', 'Language', 'Var.', 'Status', 'Problem'];
const withAll = (values: readonly string[]) => [['', 'all'] as const, ...values];

export function JobsTable({ batchId, languages, version }: { batchId: string; languages: string[]; version: number }) {
  const list = usePaged<{ jobs: JobSummary[]; total: number }, { status: string; language: string }>(`/api/batches/${batchId}/jobs`, { status: '', language: '' }, [version]);
  const { data, filters } = list;
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <div class="row">
        <Select label="Status" value={filters.status} choices={withAll(STATUSES)} onChange={(v) => list.setFilter('status', v)} />
        <Select label="Language" value={filters.language} choices={withAll(languages)} onChange={(v) => list.setFilter('language', v)} />
      </div>
      <ErrorNote error={list.error} />
      <DataTable class="jobs" columns={COLUMNS}>
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
      </DataTable>
      <Pager label="Jobs pages" page={list.page} pages={list.pages} total={data?.total ?? 0} noun="jobs" onPage={list.setPage} />
    </section>
  );
}
