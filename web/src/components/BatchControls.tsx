// Steering a batch: pause, resume, cancel (after a confirmation), retry-failed, and the concurrency window.
import { useState } from 'preact/hooks';
import { ConcurrencySchema } from '../../../api/schemas';
import { useAction } from '../action';
import { api } from '../api';
import type { BatchDetail } from '../types';
import { ErrorNote } from './ui';

export function BatchControls({ batch, onDone }: { batch: BatchDetail; onDone(): void }) {
  const [note, setNote] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [window, setWindow] = useState('');
  const { busy, error, setError, run } = useAction();
  const live = batch.status === 'running' || batch.status === 'paused';

  const act = async (action: string, body?: unknown, done?: string) => {
    setError(null);
    setNote(null);
    await run(async () => {
      await api(`/api/batches/${batch.id}/${action}`, { method: 'POST', body: body ?? {} });
      setNote(done ?? `${action}: accepted`);
      onDone();
    });
    setConfirming(false);
  };
  const setConcurrency = () => {
    const parsed = ConcurrencySchema.safeParse({ window: Number(window) });
    if (!parsed.success) return setError(new Error(`window: ${parsed.error.issues[0]?.message ?? 'a whole number from 1 to 1,000'}`));
    void act('concurrency', parsed.data, `At most ${parsed.data.window} jobs at once.`);
  };

  return (
    <section class="controls" aria-label="Batch controls">
      <div class="row">
        {batch.status === 'running' ? (
          <button type="button" disabled={busy} onClick={() => act('pause', undefined, 'Pausing: running jobs finish, no new ones start.')}>
            Pause
          </button>
        ) : null}
        {batch.status === 'paused' ? (
          <button type="button" disabled={busy} onClick={() => act('resume', undefined, 'Resumed.')}>
            Resume
          </button>
        ) : null}
        {live && !confirming ? (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Cancel batch…
          </button>
        ) : null}
        {confirming ? (
          <span class="confirm" role="group" aria-label="Confirm cancellation">
            Cancel this batch? Finished outputs stay.
            <button type="button" class="danger" onClick={() => act('cancel', undefined, 'Cancelling.')}>
              Yes, cancel it
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              No
            </button>
          </span>
        ) : null}
        {batch.counts.failed > 0 ? (
          <button type="button" disabled={busy} onClick={() => act('retry-failed', undefined, `Retrying ${batch.counts.failed} failed job(s).`)}>
            Retry failed ({batch.counts.failed})
          </button>
        ) : null}
      </div>
      {live ? <ConcurrencyForm busy={busy} window={window} onWindow={setWindow} onSet={setConcurrency} /> : null}
      {note ? <p role="status">{note}</p> : null}
      <ErrorNote error={error} />
    </section>
  );
}

/** The concurrency window: at most this many of the batch's jobs at once. */
function ConcurrencyForm({ busy, window, onWindow, onSet }: { busy: boolean; window: string; onWindow(window: string): void; onSet(): void }) {
  const submit = (e: Event) => {
    e.preventDefault();
    onSet();
  };
  return (
    <form class="row" onSubmit={submit}>
      <label>
        Jobs at once (1–1,000)
        <input type="number" min={1} max={1000} value={window} onInput={(e) => onWindow(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy || window === ''}>
        Set concurrency
      </button>
    </form>
  );
}
