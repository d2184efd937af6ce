// Admin: the key pool, masked, with circuit state, reason, reopen time and usage; disable, enable,
// remove and test each key. Keys are added with `npm run keys` (the API never holds the master key).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorNote, int, when } from '../components/ui';
import { useSession } from '../session';
import type { KeyView } from '../types';

interface TestAnswer {
  ok: boolean;
  message: string;
  latencyMs: number;
}

export function KeysScreen() {
  const session = useSession();
  const [keys, setKeys] = useState<KeyView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const [results, setResults] = useState<Record<string, TestAnswer>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const load = () => api<{ keys: KeyView[] }>('/api/keys').then((r) => (setKeys(r.keys), setError(null)), setError);
  useEffect(() => void load(), []);
  if (session?.user.role !== 'admin') return <p>Only admins see the key pool.</p>;

  const act = async (k: KeyView, what: 'disable' | 'enable' | 'remove' | 'test') => {
    if (what === 'remove' && !window.confirm(`Remove the ${k.service} key ${k.key} from the pool?`)) return;
    setRowError(null);
    setBusy(k.id);
    try {
      if (what === 'test') {
        const r = await api<TestAnswer>(`/api/keys/${k.id}/test`, { method: 'POST', body: {} });
        setResults((old) => ({ ...old, [k.id]: r }));
      } else if (what === 'remove') await api(`/api/keys/${k.id}`, { method: 'DELETE' });
      else await api(`/api/keys/${k.id}/${what}`, { method: 'POST', body: {} });
      await load();
    } catch (err) {
      setRowError({ id: k.id, error: err });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Key pool</h1>
      <p class="muted">
        Keys are stored encrypted and shown by their last four characters. Add keys with <code>npm run keys -- add</code>.
      </p>
      <ErrorNote error={error} />
      {keys && keys.length === 0 ? <p class="hint">The pool is empty: the built-in simulators serve every call.</p> : null}
      <div class="table-wrap">
        <table class="keys">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Service</th>
              <th scope="col">Project</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">Reopens</th>
              <th scope="col">Usage (day / total)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys?.map((k) => (
              <tr key={k.id} data-key={k.id}>
                <td>
                  <code>{k.key}</code> {k.label ? <span class="muted">{k.label}</span> : null}
                </td>
                <td>{k.service}</td>
                <td>{k.project}</td>
                <td>
                  {k.status} · circuit {k.circuit}
                </td>
                <td>{k.disabledReason ?? k.lastError ?? '—'}</td>
                <td>{when(k.reopenAt)}</td>
                <td>
                  {int(k.usage.day)} / {int(k.usage.total)}
                </td>
                <td class="actions">
                  <button type="button" disabled={busy === k.id} onClick={() => act(k, 'test')} aria-label={`Test key ${k.key}`}>
                    Test
                  </button>
                  {k.status === 'active' ? (
                    <button type="button" disabled={busy === k.id} onClick={() => act(k, 'disable')} aria-label={`Disable key ${k.key}`}>
                      Disable
                    </button>
                  ) : (
                    <button type="button" disabled={busy === k.id} onClick={() => act(k, 'enable')} aria-label={`Enable key ${k.key}`}>
                      Enable
                    </button>
                  )}
                  <button type="button" class="danger" disabled={busy === k.id} onClick={() => act(k, 'remove')} aria-label={`Remove key ${k.key}`}>
                    Remove
                  </button>
                  {results[k.id] ? (
                    <p role="status" class={results[k.id]!.ok ? 'ok' : 'problem'}>
                      {results[k.id]!.ok ? 'Works' : 'Failed'}: {results[k.id]!.message} ({results[k.id]!.latencyMs} ms)
                    </p>
                  ) : null}
                  {rowError?.id === k.id ? <ErrorNote error={rowError.error} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
