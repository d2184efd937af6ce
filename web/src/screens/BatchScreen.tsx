// One batch, live over its event stream: progress, ETA, cost, controls, the matrix, the jobs table,
// downloads and the webhook log. Nothing polls: the stream says when something moved.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useBatchStream, useMatrixFeed } from '../batch-live';
import { BatchControls } from '../components/BatchControls';
import { BatchFigures, BatchHeader, Downloads, LanguageBars, MatrixSection, OverallProgress } from '../components/BatchParts';
import { JobsTable } from '../components/JobsTable';
import { ErrorNote } from '../components/ui';
import { WebhookLog } from '../components/WebhookLog';
import { useLoad } from '../load';
import { navigate } from '../router';
import type { BatchDetail } from '../types';

export function BatchScreen({ id }: { id: string }) {
  const detail = useLoad(() => api<{ batch: BatchDetail }>(`/api/batches/${id}`).then((r) => r.batch), [id], true);
  const feed = useMatrixFeed(id);
  const [version, setVersion] = useState(0);
  // Bumped after a control: a finished batch's stream has closed, and retry-failed brings the batch back.
  const [streamGen, setStreamGen] = useState(0);
  const { live, connected } = useBatchStream(id, streamGen, {
    jobs: feed.apply,
    refresh() {
      void detail.reload();
      setVersion((v) => v + 1);
    },
  });

  const batch = detail.data;
  if (!batch) return detail.error ? <ErrorNote error={detail.error} label="This batch cannot be shown" /> : <p role="status">Loading the batch…</p>;
  const counts = live?.counts ?? batch.counts;
  const status = live?.status ?? batch.status;
  const view = { ...batch, status, counts };

  return (
    <section class="batch" aria-labelledby="batch-title">
      <BatchHeader id={id} batch={batch} status={status} />
      {!connected ? <p class="warn" role="status">Live updates lost; reconnecting…</p> : null}
      <OverallProgress counts={counts} percent={live?.percent ?? batch.progress.percent} eta={live?.etaSeconds ?? batch.progress.etaSeconds} />
      <BatchFigures batch={batch} />
      <BatchControls
        batch={view}
        onDone={() => {
          void detail.reload();
          setStreamGen((g) => g + 1);
        }}
      />
      <LanguageBars languages={batch.languageProgress} />
      <MatrixSection matrix={feed.matrix} note={feed.note} handle={feed.handle} onOpen={(jobId) => navigate(`/jobs/${jobId}`)} />
      <JobsTable batchId={id} languages={batch.languages.map((l) => l.language)} version={version} />
      <Downloads id={id} />
      {batch.webhook ? <WebhookLog batchId={id} version={version} /> : null}
    </section>
  );
}
