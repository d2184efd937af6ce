// The estimate of the batch as it stands, from POST /api/estimates only: refreshed (debounced) on every
// change, marked as updating until the answer for the latest form arrives, never shown stale.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EstimateRequest } from '../../../api/catalog-schemas';
import type { BatchEstimate } from '../../../domain/estimates';
import { api } from '../api';
import { duration, ErrorNote, int, usd } from './ui';

interface EstimateAnswer {
  estimate: BatchEstimate;
  withinBudget: boolean | null;
}

/** `request` is null while the form cannot be estimated (no title or language yet). */
export function EstimatePanel({ request, budgetUsd }: { request: EstimateRequest | null; budgetUsd: number | undefined }) {
  const { answer, error, pending } = useEstimate(request);
  const e = answer?.estimate;
  return (
    <aside class="estimate" aria-labelledby="estimate-title" aria-busy={pending} data-state={pending ? 'pending' : e ? 'ready' : 'empty'}>
      <h2 id="estimate-title">Estimate</h2>
      {!request ? <p class="hint">Add a title and a language to see what the batch will cost.</p> : null}
      {pending ? <p class="hint" role="status">Updating…</p> : null}
      <ErrorNote error={error} label="No estimate" />
      {e ? (
        <>
          <EstimateFigures e={e} />
          {answer.withinBudget === false ? (
            <p class="warn" role="alert">
              The estimate ({usd(e.cost.totalUsd)}) is over the budget cap ({usd(budgetUsd)}): the batch will stop when the cap is reached.
            </p>
          ) : null}
          <p class="muted small">Prices of {e.basis.pricesCompiledOn}; calibrated on {e.basis.calibrationSamples} recent scripts.</p>
        </>
      ) : null}
    </aside>
  );
}

/** Asks for the estimate 350 ms after the request last changed; an answer for an older request is dropped. */
function useEstimate(request: EstimateRequest | null) {
  const [answer, setAnswer] = useState<EstimateAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const key = request ? JSON.stringify(request) : '';
  const latest = useRef('');

  useEffect(() => {
    latest.current = key;
    setAnswer(null);
    setError(null);
    if (!request) {
      setPending(false);
      return;
    }
    setPending(true);
    const abort = new AbortController();
    const t = setTimeout(() => {
      api<EstimateAnswer>('/api/estimates', { method: 'POST', body: request, signal: abort.signal }).then(
        (a) => {
          if (latest.current === key) {
            setAnswer(a);
            setPending(false);
          }
        },
        (err: unknown) => {
          if ((err as Error).name === 'AbortError' || latest.current !== key) return;
          setError(err);
          setPending(false);
        },
      );
    }, 350);
    return () => {
      clearTimeout(t);
      abort.abort();
    };
  }, [key]);
  return { answer, error, pending };
}

function EstimateFigures({ e }: { e: BatchEstimate }) {
  return (
    <dl class="figures">
      <dt>Jobs</dt>
      <dd data-testid="estimate-jobs">{int(e.counts.jobs)}</dd>
      <dt>TTS characters</dt>
      <dd>{int(e.providers.tts.characters)}</dd>
      <dt>Gemini tokens</dt>
      <dd>
        {int(e.providers.gemini.inputTokens)} in · {int(e.providers.gemini.outputTokens)} out
      </dd>
      <dt>Gemini ({e.providers.gemini.model})</dt>
      <dd>{usd(e.cost.geminiUsd)}</dd>
      <dt>Text-to-Speech</dt>
      <dd>{usd(e.cost.ttsUsd)}</dd>
      <dt>Total cost</dt>
      <dd data-testid="estimate-total">
        <strong>{usd(e.cost.totalUsd)}</strong>
      </dd>
      <dt>Time</dt>
      <dd>
        {duration(e.duration.seconds)} <span class="muted">(bound by {e.duration.bottleneck === 'tts' ? 'Text-to-Speech' : 'Gemini'})</span>
      </dd>
      {e.counts.cacheHits.masters + e.counts.cacheHits.adaptations > 0 ? (
        <>
          <dt>From the cache</dt>
          <dd>{int(e.counts.cacheHits.masters + e.counts.cacheHits.adaptations)} scripts</dd>
        </>
      ) : null}
    </dl>
  );
}
