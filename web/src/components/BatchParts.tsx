// The sections of the batch screen: its heading, overall progress, cost figures, per-language bars, the
// matrix with its legend, and the downloads.
import { useState } from 'preact/hooks';
import type { MatrixView } from '../../../api/matrix-routes';
import { download, type Json } from '../api';
import type { BatchDetail, Counts, LanguageProgress } from '../types';
import { Matrix, type MatrixHandle } from './Matrix';
import { duration, ErrorNote, int, ProgressBar, Status, usd, when } from './ui';

const WAIT_REASONS: Record<NonNullable<BatchDetail['waitingForQuota']['reason']>, string> = {
  quota: 'quota',
  provider_errors: 'provider errors',
  keys_resting: 'keys resting',
  no_key: 'no active key',
};

/** How many jobs wait for a key, why (quota, provider errors, keys resting) and until when. */
function keyWait(w: BatchDetail['waitingForQuota']): string {
  if (w.waiting === 0) return 'no';
  return `${w.waiting} job(s), for ${WAIT_REASONS[w.reason ?? 'quota']}${w.until ? `, until ${when(w.until)}` : ''}`;
}

export function BatchHeader({ id, batch, status }: { id: string; batch: BatchDetail; status: BatchDetail['status'] }) {
  return (
    <>
      <h1 id="batch-title">
        Batch <code>{id.slice(0, 8)}</code> <Status status={status} />
      </h1>
      <p class="muted">
        {batch.mode} · {batch.titles} titles × {batch.languages.length} languages × {batch.variations} variation(s) · agent {batch.agent.name}
        {batch.agent.version ? ` v${batch.agent.version}` : ''} · priority {batch.priority} · started {when(batch.createdAt)}
      </p>
    </>
  );
}

export function OverallProgress({ counts, percent, eta }: { counts: Counts; percent: number; eta: number | null }) {
  return (
    <div class="overall">
      <ProgressBar percent={percent} label="Overall progress" />
      <p data-testid="overall">
        <strong data-testid="percent">{percent}%</strong> · {int(counts.completed)} completed · {int(counts.failed)} failed · {int(counts.running)} running · {int(counts.queued)} queued
        {counts.cancelled ? ` · ${int(counts.cancelled)} cancelled` : ''} of {int(counts.total)} · ETA {eta === null ? '—' : duration(eta)}
      </p>
    </div>
  );
}

export function BatchFigures({ batch }: { batch: BatchDetail }) {
  return (
    <dl class="figures wide">
      <dt>Cost so far</dt>
      <dd data-testid="spent">
        {usd(batch.cost.spentUsd)} of an estimated {usd(batch.cost.estimateUsd)}
        {batch.cost.budgetUsd !== null ? ` (cap ${usd(batch.cost.budgetUsd)})` : ''}
      </dd>
      <dt>Cache hits</dt>
      <dd>{int(batch.cacheHits)} scripts</dd>
      <dt>Waiting for a key</dt>
      <dd data-testid="key-wait">{keyWait(batch.waitingForQuota)}</dd>
    </dl>
  );
}

export function LanguageBars({ languages }: { languages: LanguageProgress[] }) {
  return (
    <section aria-labelledby="lang-title">
      <h2 id="lang-title">By language</h2>
      <ul class="lang-bars">
        {languages.map((l) => (
          <li key={l.language}>
            <span class="lang-code">{l.language}</span>
            <ProgressBar percent={l.percent} label={`${l.language} progress`} />
            <span class="muted">
              {l.completed}/{l.total}
              {l.failed ? `, ${l.failed} failed` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface MatrixProps {
  matrix: Json<MatrixView> | null;
  /** Why the matrix is not shown (it failed to load), else null. */
  note: string | null;
  handle: { current: MatrixHandle | null };
  onOpen(jobId: string): void;
}

export function MatrixSection({ matrix, note, handle, onOpen }: MatrixProps) {
  return (
    <section aria-labelledby="matrix-title">
      <h2 id="matrix-title">Matrix</h2>
      <p class="legend" aria-hidden="true">
        {(['queued', 'running', 'completed', 'failed', 'cancelled'] as const).map((s) => (
          <span key={s}>
            <i class={`mx-cell s-${s}`} /> {s}
          </span>
        ))}
      </p>
      {matrix ? <Matrix matrix={matrix} handle={handle} onOpen={onOpen} /> : <p class="hint">{note ?? 'Loading the matrix…'}</p>}
    </section>
  );
}

export function Downloads({ id }: { id: string }) {
  const [error, setError] = useState<unknown>(null);
  const get = (path: string, name: string) => download(path, name).catch(setError);
  return (
    <section aria-labelledby="dl-title">
      <h2 id="dl-title">Downloads</h2>
      <div class="row">
        <button type="button" onClick={() => get(`/api/batches/${id}/manifest?format=csv`, `batch-${id}-manifest.csv`)}>
          Manifest (CSV)
        </button>
        <button type="button" onClick={() => get(`/api/batches/${id}/download`, `batch-${id}.zip`)}>
          Everything (ZIP)
        </button>
      </div>
      <ErrorNote error={error} />
    </section>
  );
}
