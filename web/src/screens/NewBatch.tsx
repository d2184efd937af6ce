// The new-batch form: mode, titles, languages with a voice each, agent, options, the live estimate, and
// Start (with an Idempotency-Key, so a double click makes one batch).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { batchView } from '../../../api/batch-views';
import { EstimateSchema, type EstimateRequest } from '../../../api/catalog-schemas';
import { CreateBatchSchema } from '../../../api/schemas';
import { api, ApiFailure, type Json } from '../api';
import { loadFavourites } from '../catalog';
import { AgentEditor, defaultAgent, type AgentChoice } from '../components/AgentEditor';
import { EstimatePanel } from '../components/EstimatePanel';
import { LanguagePicker } from '../components/LanguagePicker';
import { BatchOptions, defaultOptions, type Options } from '../components/BatchOptions';
import { titleLines, TitlesInput } from '../components/TitlesInput';
import { ErrorNote } from '../components/ui';
import { VoicePicker } from '../components/VoicePicker';
import { navigate } from '../router';

type Mode = 'matrix' | 'expand_languages' | 'expand_titles';
const MODES: Array<{ mode: Mode; label: string; help: string }> = [
  { mode: 'matrix', label: 'Matrix', help: 'many titles × many languages' },
  { mode: 'expand_languages', label: 'One title, many languages', help: 'expand_languages' },
  { mode: 'expand_titles', label: 'Many titles, one language', help: 'expand_titles' },
];

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

export function NewBatch() {
  const [mode, setMode] = useState<Mode>('matrix');
  const [text, setText] = useState('');
  const [languages, setLanguages] = useState<string[]>([]);
  const [voices, setVoices] = useState<Record<string, string>>({});
  const [favourites, setFavourites] = useState<Map<string, string>>(new Map());
  const [agent, setAgent] = useState<AgentChoice>({ saved: null, fields: defaultAgent() });
  const [options, setOptions] = useState<Options>(defaultOptions);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => void loadFavourites().then(setFavourites, () => undefined), []);

  const single = mode === 'expand_languages';
  const changeMode = (m: Mode) => {
    setMode(m);
    if (m === 'expand_languages') setText(titleLines(text)[0] ?? '');
    if (m === 'expand_titles') setLanguages(languages.slice(0, 1));
  };

  const titles = useMemo(() => (single ? [text].filter((t) => t.trim() !== '') : titleLines(text)), [text, single]);
  const chosen = languages.filter((l) => voices[l]).map((l) => ({ language: l, voice: voices[l]! }));
  const budgetUsd = options.budgetUsd.trim() === '' ? undefined : Number(options.budgetUsd);
  const speakingRate = options.speakingRate.trim() === '' ? undefined : Number(options.speakingRate);

  const body = {
    mode,
    titles: titles.map((t) => t.trim()),
    languages: chosen,
    variations: options.variations,
    priority: options.priority,
    audio: { encoding: options.encoding, ...(speakingRate !== undefined ? { speakingRate } : {}) },
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(options.webhookUrl.trim() ? { webhook: { url: options.webhookUrl.trim(), secret: options.webhookSecret } } : {}),
    ...(agent.saved ? { agentId: agent.saved.id, agentVersion: agent.saved.version } : { agent: agent.fields }),
  };
  const bodyKey = JSON.stringify(body);
  // One key per form content: a double click repeats the key, an edited form gets a new one.
  const idempotencyKey = useMemo(newKey, [bodyKey]);

  const estimateRequest = useMemo((): EstimateRequest | null => {
    if (titles.length === 0 || chosen.length === 0) return null;
    const parsed = EstimateSchema.safeParse({ mode, titles: body.titles, languages: chosen, variations: options.variations, agent: agent.fields, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
    return parsed.success ? parsed.data : null;
  }, [bodyKey]);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const parsed = CreateBatchSchema.safeParse(body);
    if (!parsed.success) {
      setError(new ApiFailure(400, 'validation_error', 'the batch is not ready yet', parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(form)', message: i.message }))));
      return;
    }
    if (languages.length !== chosen.length) return setError(new Error('every language needs a voice'));
    setBusy(true);
    try {
      const r = await api<{ batch: Json<ReturnType<typeof batchView>> }>('/api/batches', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
      navigate(`/batches/${r.batch.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="new-batch">
      <h1>New batch</h1>
      <form onSubmit={start} aria-label="New batch" data-mode={mode}>
        <div class="form-main">
          <fieldset class="modes">
            <legend>Mode</legend>
            {MODES.map((m) => (
              <label key={m.mode} class="option">
                <input type="radio" name="mode" value={m.mode} checked={mode === m.mode} onChange={() => changeMode(m.mode)} />
                {m.label} <span class="muted">({m.help})</span>
              </label>
            ))}
          </fieldset>
          <TitlesInput text={text} single={single} onChange={setText} />
          <LanguagePicker chosen={languages} single={mode === 'expand_titles'} onChange={setLanguages} />
          {languages.length > 0 ? (
            <fieldset class="voices">
              <legend>Voices</legend>
              {languages.map((l) => (
                <VoicePicker
                  key={l}
                  language={l}
                  voice={voices[l]}
                  favourite={favourites.get(l)}
                  onChange={(v) => setVoices((old) => ({ ...old, [l]: v }))}
                  onFavourite={(v) => setFavourites((old) => new Map(old).set(l, v))}
                />
              ))}
            </fieldset>
          ) : null}
          <AgentEditor value={agent} onChange={setAgent} />
          <BatchOptions value={options} onChange={setOptions} />
        </div>
        <div class="form-side">
          <EstimatePanel request={estimateRequest} budgetUsd={budgetUsd} />
          <ErrorNote error={error} label="The batch was not started" />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start batch'}
          </button>
        </div>
      </form>
    </section>
  );
}
