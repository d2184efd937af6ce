// Admin: the key pool, masked, with circuit state, reason, reopen time and usage; disable, enable,
// remove and test each key. Keys are added with `npm run keys` (the API never holds the master key).
import { useState } from 'preact/hooks';
import { api } from '../api';
import { DataTable } from '../components/DataTable';
import { ErrorNote, int, when } from '../components/ui';
import { useLoad } from '../load';
import { useSession } from '../session';
import type { KeyView } from '../types';

interface TestAnswer {
  ok: boolean;
  message: string;
  latencyMs: number;
}
type KeyAction = 'disable' | 'enable' | 'remove' | 'test';

const COLUMNS = ['Key', 'Service', 'Project', 'State', 'Reason', 'Reopens', 'Usage (day / total)', 'Actions'];

export function KeysScreen() {
  const session = useSession();
  const keys = useLoad(() => api<{ keys: KeyView[] }>('/api/keys').then((r) => r.keys), []);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const [results, setResults] = useState<Record<string, TestAnswer>>({});
  const [busy, setBusy] = useState<string | null>(null);
  if (session?.user.role !== 'admin') return <p>Only admins see the key pool.</p>;

  const act = async (k: KeyView, what: KeyAction) => {
    if (what === 'remove' && !window.confirm(`Remove the ${k.service} key ${k.key} from the pool?`)) return;
    setRowError(null);
    setBusy(k.id);
    try {
      if (what === 'test') {
        const r = await api<TestAnswer>(`/api/keys/${k.id}/test`, { method: 'POST', body: {} });
        setResults((old) => ({ ...old, [k.id]: r }));
      } else if (what === 'remove') await api(`/api/keys/${k.id}`, { method: 'DELETE' });
      else await api(`/api/keys/${k.id}/${what}`, { method: 'POST', body: {} });
      await keys.reload();
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
      <ErrorNote error={keys.error} />
      {keys.data && keys.data.length === 0 ? <p class="hint">The pool is empty: the built-in simulators serve every call.</p> : null}
      <DataTable class="keys" columns={COLUMNS}>
        {keys.data?.map((k) => (
          <KeyRow key={k.id} k={k} busy={busy === k.id} result={results[k.id]} error={rowError?.id === k.id ? rowError.error : null} onAct={(what) => act(k, what)} />
        ))}
      </DataTable>
    </section>
  );
}

interface RowProps {
  k: KeyView;
  busy: boolean;
  result: TestAnswer | undefined;
  error: unknown;
  onAct(what: KeyAction): void;
}

function KeyRow({ k, busy, result, error, onAct }: RowProps) {
  const button = (what: KeyAction, text: string) => (
    <button type="button" class={what === 'remove' ? 'danger' : undefined} disabled={busy} onClick={() => onAct(what)} aria-label={`${text} key ${k.key}`}>
      {text}
    </button>
  );
  return (
    <tr data-key={k.id}>
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
        {button('test', 'Test')}
        {k.status === 'active' ? button('disable', 'Disable') : button('enable', 'Enable')}
        {button('remove', 'Remove')}
        {result ? (
          <p role="status" class={result.ok ? 'ok' : 'problem'}>
            {result.ok ? 'Works' : 'Failed'}: {result.message} ({result.latencyMs} ms)
          </p>
        ) : null}
        {error ? <ErrorNote error={error} /> : null}
      </td>
    </tr>
  );
}
