// The new-batch form: mode, titles, languages with a voice each, agent, options, the live estimate, and
// Start (with an Idempotency-Key, so a double click makes one batch).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { batchView } from '../../../api/batch-views';
import { CreateBatchSchema } from '../../../api/schemas';
import { useAction, validationFailure } from '../action';
import { api, type Json } from '../api';
import { batchRequest, estimateRequest, type Mode } from '../batch-request';
import { loadFavourites } from '../catalog';
import { AgentEditor, defaultAgent, type AgentChoice } from '../components/AgentEditor';
import { EstimatePanel } from '../components/EstimatePanel';
import { LanguagePicker } from '../components/LanguagePicker';
import { BatchOptions, defaultOptions, type Options } from '../components/BatchOptions';
import { titleLines, TitlesInput } from '../components/TitlesInput';
import { ErrorNote } from '../components/ui';
import { VoicePicker } from '../components/VoicePicker';
import { navigate } from '../router';

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
  const [agent, setAgent] = useState<AgentChoice>({ saved: null, fields: defaultAgent() });
  const [options, setOptions] = useState<Options>(defaultOptions);
  const { busy, error, setError, run } = useAction();

  const single = mode === 'expand_languages';
  const changeMode = (m: Mode) => {
    setMode(m);
    if (m === 'expand_languages') setText(titleLines(text)[0] ?? '');
    if (m === 'expand_titles') setLanguages(languages.slice(0, 1));
  };

  const titles = useMemo(() => (single ? [text].filter((t) => t.trim() !== '') : titleLines(text)), [text, single]);
  const form = { mode, titles, languages, voices, agent, options };
  const { body, chosen, budgetUsd } = batchRequest(form);
  const bodyKey = JSON.stringify(body);
  // One key per form content: a double click repeats the key, an edited form gets a new one.
  const idempotencyKey = useMemo(newKey, [bodyKey]);
  const estimate = useMemo(() => estimateRequest(form), [bodyKey]);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const parsed = CreateBatchSchema.safeParse(body);
    if (!parsed.success) return setError(validationFailure('the batch is not ready yet', parsed.error.issues, '(form)'));
    if (languages.length !== chosen.length) return setError(new Error('every language needs a voice'));
    await run(async () => {
      const r = await api<{ batch: Json<ReturnType<typeof batchView>> }>('/api/batches', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
      navigate(`/batches/${r.batch.id}`);
    });
  };

  return (
    <section class="new-batch">
      <h1>New batch</h1>
      <form onSubmit={start} aria-label="New batch" data-mode={mode}>
        <div class="form-main">
          <ModePicker mode={mode} onChange={changeMode} />
          <TitlesInput text={text} single={single} onChange={setText} />
          <LanguagePicker chosen={languages} single={mode === 'expand_titles'} onChange={setLanguages} />
          <VoiceChoices languages={languages} voices={voices} onChange={(l, v) => setVoices((old) => ({ ...old, [l]: v }))} />
          <AgentEditor value={agent} onChange={setAgent} />
          <BatchOptions value={options} onChange={setOptions} />
        </div>
        <div class="form-side">
          <EstimatePanel request={estimate} budgetUsd={budgetUsd} />
          <ErrorNote error={error} label="The batch was not started" />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start batch'}
          </button>
        </div>
      </form>
    </section>
  );
}

function ModePicker({ mode, onChange }: { mode: Mode; onChange(mode: Mode): void }) {
  return (
    <fieldset class="modes">
      <legend>Mode</legend>
      {MODES.map((m) => (
        <label key={m.mode} class="option">
          <input type="radio" name="mode" value={m.mode} checked={mode === m.mode} onChange={() => onChange(m.mode)} />
          {m.label} <span class="muted">({m.help})</span>
        </label>
      ))}
    </fieldset>
  );
}

/** A voice picker per chosen language, starting on the user's favourite (loaded with the form). */
function VoiceChoices({ languages, voices, onChange }: { languages: string[]; voices: Record<string, string>; onChange(language: string, voice: string): void }) {
  const [favourites, setFavourites] = useState<Map<string, string>>(new Map());
  useEffect(() => void loadFavourites().then(setFavourites, () => undefined), []);
  if (languages.length === 0) return null;
  return (
    <fieldset class="voices">
      <legend>Voices</legend>
      {languages.map((l) => (
        <VoicePicker
          key={l}
          language={l}
          voice={voices[l]}
          favourite={favourites.get(l)}
          onChange={(v) => onChange(l, v)}
          onFavourite={(v) => setFavourites((old) => new Map(old).set(l, v))}
        />
      ))}
    </fieldset>
  );
}
