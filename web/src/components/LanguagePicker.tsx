// A searchable multi-select of the catalog's languages, by name or code; one choice only in expand_titles.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { loadLanguages, type Language } from '../catalog';
import { ErrorNote } from './ui';

interface Props {
  chosen: string[];
  single: boolean;
  onChange(codes: string[]): void;
}

export function LanguagePicker({ chosen, single, onChange }: Props) {
  const [all, setAll] = useState<Language[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [q, setQ] = useState('');
  useEffect(() => {
    loadLanguages().then(setAll, setError);
  }, []);
  const byCode = useMemo(() => new Map(all.map((l) => [l.code, l])), [all]);
  const matches = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = needle ? all.filter((l) => l.code.toLowerCase().includes(needle) || l.name.toLowerCase().includes(needle)) : all;
    return list.slice(0, 100);
  }, [all, q]);

  const toggle = (code: string, on: boolean) => {
    if (single) onChange(on ? [code] : []);
    else onChange(on ? [...chosen.filter((c) => c !== code), code] : chosen.filter((c) => c !== code));
  };

  return (
    <fieldset class="languages">
      <legend>{single ? 'Language' : 'Languages'}</legend>
      <ErrorNote error={error} label="Languages could not be loaded" />
      {chosen.length > 0 ? (
        <ul class="chips" aria-label="Chosen languages">
          {chosen.map((c) => (
            <li key={c}>
              {byCode.get(c)?.name ?? c} <code>{c}</code>
              <button type="button" class="chip-x" aria-label={`Remove ${c}`} onClick={() => toggle(c, false)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="hint">{single ? 'Choose one language.' : 'Choose one or more languages.'}</p>
      )}
      <label>
        Search languages by name or code
        <input type="search" value={q} placeholder="e.g. Portuguese or pt-BR" onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      <div class="options-list" role="group" aria-label="Languages found">
        {matches.map((l) => (
          <label key={l.code} class="option">
            <input
              type={single ? 'radio' : 'checkbox'}
              name="language-choice"
              value={l.code}
              checked={chosen.includes(l.code)}
              onChange={(e) => toggle(l.code, e.currentTarget.checked)}
            />
            {l.name} <code>{l.code}</code> <span class="muted">{l.voices} voices</span>
          </label>
        ))}
        {all.length > 0 && matches.length === 0 ? <p class="hint">No language matches “{q}”.</p> : null}
      </div>
    </fieldset>
  );
}
