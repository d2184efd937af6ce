// One batch, live over its event stream: progress, ETA, cost, controls, the matrix, the jobs table,
// downloads and the webhook log. Nothing polls: the stream says when something moved.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MatrixView } from '../../../api/matrix-routes';
import { api, download, type Json } from '../api';
import { BatchControls } from '../components/BatchControls';
import { JobsTable } from '../components/JobsTable';
import { Matrix, type MatrixHandle } from '../components/Matrix';
import { duration, ErrorNote, int, ProgressBar, Status, usd, when } from '../components/ui';
import { WebhookLog } from '../components/WebhookLog';
import { navigate } from '../router';
import { openStream } from '../sse';
import type { BatchDetail, ProgressEvent } from '../types';

export function BatchScreen({ id }: { id: string }) {
  const [batch, setBatch] = useState<BatchDetail | null>(null);
  const [live, setLive] = useState<ProgressEvent | null>(null);
  const [matrix, setMatrix] = useState<Json<MatrixView> | null>(null);
  const [matrixNote, setMatrixNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [connected, setConnected] = useState(true);
  // Bumped after a control: a finished batch's stream has closed, and retry-failed brings the batch back.
  const [streamGen, setStreamGen] = useState(0);
  const handle = useRef<MatrixHandle | null>(null);
  const pendingCodes = useRef<string | null>(null);

  const loadDetail = () => api<{ batch: BatchDetail }>(`/api/batches/${id}`).then((r) => setBatch(r.batch), setError);

  useEffect(() => {
    setBatch(null);
    setMatrix(null);
    setLive(null);
    void loadDetail();
    api<{ matrix: Json<MatrixView> }>(`/api/batches/${id}/matrix`).then(
      (r) => setMatrix(r.matrix),
      (err: unknown) => setMatrixNote(err instanceof Error ? err.message : String(err)),
    );
  }, [id]);

  useEffect(() => {
    // The detail (per-language bars, cost, quota waits) and the jobs table follow the stream, at most every 1.5 s.
    let refreshAt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (now = false) => {
      if (timer) return;
      const wait = now ? 0 : Math.max(0, refreshAt - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        refreshAt = Date.now() + 1500;
        void loadDetail();
        setVersion((v) => v + 1);
      }, wait);
    };
    let lastKey = '';
    const close = openStream(`/api/batches/${id}/events?jobs=1`, {
      onConnection: setConnected,
      onEvent(event, data) {
        if (event === 'jobs') {
          const { codes } = JSON.parse(data) as { codes: string };
          if (handle.current) handle.current.update(codes);
          else pendingCodes.current = codes;
          return;
        }
        const p = JSON.parse(data) as ProgressEvent;
        setLive(p);
        const key = JSON.stringify(p.counts) + p.status;
        if (event === 'end') {
          if (timer) clearTimeout(timer);
          timer = undefined;
          refresh(true);
        } else if (key !== lastKey) refresh();
        lastKey = key;
      },
    });
    return () => {
      close();
      if (timer) clearTimeout(timer);
    };
  }, [id, streamGen]);

  // Codes that arrived before the grid was built.
  useEffect(() => {
    if (matrix && handle.current && pendingCodes.current) {
      handle.current.update(pendingCodes.current);
      pendingCodes.current = null;
    }
  }, [matrix]);

  if (!batch) return error ? <ErrorNote error={error} label="This batch cannot be shown" /> : <p role="status">Loading the batch…</p>;
  const counts = live?.counts ?? batch.counts;
  const status = live?.status ?? batch.status;
  const percent = live?.percent ?? batch.progress.percent;
  const eta = live?.etaSeconds ?? batch.progress.etaSeconds;
  const view = { ...batch, status, counts };

  return (
    <section class="batch" aria-labelledby="batch-title">
      <h1 id="batch-title">
        Batch <code>{id.slice(0, 8)}</code> <Status status={status} />
      </h1>
      <p class="muted">
        {batch.mode} · {batch.titles} titles × {batch.languages.length} languages × {batch.variations} variation(s) · agent {batch.agent.name}
        {batch.agent.version ? ` v${batch.agent.version}` : ''} · priority {batch.priority} · started {when(batch.createdAt)}
      </p>
      {!connected ? <p class="warn" role="status">Live updates lost; reconnecting…</p> : null}
      <div class="overall">
        <ProgressBar percent={percent} label="Overall progress" />
        <p data-testid="overall">
          <strong data-testid="percent">{percent}%</strong> · {int(counts.completed)} completed · {int(counts.failed)} failed · {int(counts.running)} running · {int(counts.queued)} queued
          {counts.cancelled ? ` · ${int(counts.cancelled)} cancelled` : ''} of {int(counts.total)} · ETA {eta === null ? '—' : duration(eta)}
        </p>
      </div>
      <dl class="figures wide">
        <dt>Cost so far</dt>
        <dd data-testid="spent">
          {usd(batch.cost.spentUsd)} of an estimated {usd(batch.cost.estimateUsd)}
          {batch.cost.budgetUsd !== null ? ` (cap ${usd(batch.cost.budgetUsd)})` : ''}
        </dd>
        <dt>Cache hits</dt>
        <dd>{int(batch.cacheHits)} scripts</dd>
        <dt>Waiting for quota</dt>
        <dd>{batch.waitingForQuota.waiting > 0 ? `${batch.waitingForQuota.waiting} job(s), until ${when(batch.waitingForQuota.until)}` : 'no'}</dd>
      </dl>
      <BatchControls
        batch={view}
        onDone={() => {
          void loadDetail();
          setStreamGen((g) => g + 1);
        }}
      />
      <section aria-labelledby="lang-title">
        <h2 id="lang-title">By language</h2>
        <ul class="lang-bars">
          {batch.languageProgress.map((l) => (
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
      <section aria-labelledby="matrix-title">
        <h2 id="matrix-title">Matrix</h2>
        <p class="legend" aria-hidden="true">
          {(['queued', 'running', 'completed', 'failed', 'cancelled'] as const).map((s) => (
            <span key={s}>
              <i class={`mx-cell s-${s}`} /> {s}
            </span>
          ))}
        </p>
        {matrix ? <Matrix matrix={matrix} handle={handle} onOpen={(jobId) => navigate(`/jobs/${jobId}`)} /> : <p class="hint">{matrixNote ?? 'Loading the matrix…'}</p>}
      </section>
      <JobsTable batchId={id} languages={batch.languages.map((l) => l.language)} version={version} />
      <Downloads id={id} />
      {batch.webhook ? <WebhookLog batchId={id} version={version} /> : null}
    </section>
  );
}

function Downloads({ id }: { id: string }) {
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
