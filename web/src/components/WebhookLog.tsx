// The batch's webhook delivery log: one row per attempt.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
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

export function WebhookLog({ batchId, version }: { batchId: string; version: number }) {
  const [rows, setRows] = useState<Delivery[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<{ deliveries: Delivery[] }>(`/api/batches/${batchId}/webhooks`).then((r) => setRows(r.deliveries), setError);
  }, [batchId, version]);
  return (
    <section aria-labelledby="hooks-title">
      <h2 id="hooks-title">Webhook deliveries</h2>
      <ErrorNote error={error} />
      {rows.length === 0 ? (
        <p class="hint">No delivery yet: the webhook is sent when the batch ends.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">Result</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={`${d.deliveryId}-${d.attempt}`}>
                  <td>{when(d.at)}</td>
                  <td>{d.event}</td>
                  <td>{d.attempt}</td>
                  <td>{d.ok ? `delivered (${d.statusCode})` : `failed: ${d.error ?? d.statusCode ?? 'no answer'}`}</td>
                  <td>{d.durationMs === null ? '—' : `${d.durationMs} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
