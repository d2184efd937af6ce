// Titles: a textarea (one a line) or a .txt/.csv file, checked as you type with the API's own rules.
import { useMemo, useState } from 'preact/hooks';
import { titleProblems } from '../../../api/title-rules';

/** The non-empty lines of the text, as titles. */
export const titleLines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== '');

/** One title per row of a CSV: its first cell, unquoted. */
export function fromCsv(text: string): string {
  return text
    .split(/\r?\n/)
    .map((row) => {
      const m = row.match(/^\s*"((?:[^"]|"")*)"/);
      return m ? m[1]!.replace(/""/g, '"') : (row.split(',')[0] ?? '');
    })
    .filter((t) => t.trim() !== '')
    .join('\n');
}

export function TitlesInput({ text, single, onChange }: { text: string; single: boolean; onChange(text: string): void }) {
  const [fileError, setFileError] = useState<string | null>(null);
  const titles = useMemo(() => titleLines(text), [text]);
  const problems = useMemo(() => titleProblems(titles), [titles]);

  const load = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    setFileError(null);
    if (!file) return;
    if (file.size > 1_000_000) return setFileError(`${file.name} is over 1 MB`);
    const body = await file.text();
    onChange(/\.csv$/i.test(file.name) ? fromCsv(body) : body.replace(/\r\n/g, '\n').trim());
    input.value = '';
  };

  if (single) {
    const problem = problems[0];
    return (
      <fieldset>
        <legend>Title</legend>
        <label>
          The video title
          <input type="text" name="title" value={text} maxLength={600} aria-invalid={problem ? true : undefined} aria-describedby="title-problems" onInput={(e) => onChange(e.currentTarget.value)} />
        </label>
        <p id="title-problems" class={problem ? 'problem' : 'hint'} aria-live="polite">
          {text.trim() === '' ? 'One title, in many languages.' : problem ? problem.message : 'Looks good.'}
        </p>
      </fieldset>
    );
  }
  return (
    <fieldset>
      <legend>Titles</legend>
      <label>
        Titles, one a line
        <textarea name="titles" rows={8} value={text} aria-invalid={problems.length ? true : undefined} aria-describedby="title-problems" onInput={(e) => onChange(e.currentTarget.value)} />
      </label>
      <label class="file">
        Or load a .txt or .csv file
        <input type="file" name="titles-file" accept=".txt,.csv,text/plain,text/csv" onChange={load} />
      </label>
      {fileError ? <p class="problem" role="alert">{fileError}</p> : null}
      <div id="title-problems" aria-live="polite">
        <p class="hint" data-testid="title-count">
          {titles.length.toLocaleString('en')} {titles.length === 1 ? 'title' : 'titles'}
          {problems.length ? `, ${problems.length} to fix` : ''}
        </p>
        {problems.length ? (
          <ul class="problems">
            {problems.slice(0, 20).map((p) => (
              <li key={`${p.line}-${p.message}`}>
                Line {p.line}: {p.message}
              </li>
            ))}
            {problems.length > 20 ? <li>…and {problems.length - 20} more</li> : null}
          </ul>
        ) : null}
      </div>
    </fieldset>
  );
}
