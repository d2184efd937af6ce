// The batch's webhook delivery log: one row per attempt.
import { api } from '../api';
import { useLoad } from '../load';
import { DataTable } from './DataTable';
import { ErrorNote, when } from './ui';

interface Delivery {
  deliveryId: string;
  event: string;
  url: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  at: string;
}

const COLUMNS = ['When', 'Event', 'Attempt', 'Result', 'Time'];

export function WebhookLog({ batchId, version }: { batchId: string; version: number }) {
  const { data, error } = useLoad((signal) => api<{ deliveries: Delivery[] }>(`/api/batches/${batchId}/webhooks`, { signal }).then((r) => r.deliveries), [batchId, version]);
  const rows = data ?? [];
  return (
    <section aria-labelledby="hooks-title">
      <h2 id="hooks-title">Webhook deliveries</h2>
      <ErrorNote error={error} />
      {rows.length === 0 ? (
        <p class="hint">No delivery yet: the webhook is sent when the batch ends.</p>
      ) : (
        <DataTable columns={COLUMNS}>
          {rows.map((d) => (
            <tr key={`${d.deliveryId}-${d.attempt}`}>
              <td>{when(d.at)}</td>
              <td>{d.event}</td>
              <td>{d.attempt}</td>
              <td>{d.ok ? `delivered (${d.statusCode})` : `failed: ${d.error ?? d.statusCode ?? 'no answer'}`}</td>
              <td>{d.durationMs === null ? '—' : `${d.durationMs} ms`}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
