// The matrix grid as plain DOM (a 2,000-cell grid repaints faster cell by cell than through Preact): built
// once per batch, a cell repainted when its job's letter changes, arrow keys moving between cells.
import type { MatrixView } from '../../../api/matrix-routes';
import { changedCells, statusOfCode } from '../../../domain/matrix';
import type { Json } from '../api';

export interface Grid {
  /** Cells by grid position (row × columns + column), so arrow keys and rows find their neighbours. */
  at: Array<HTMLButtonElement | undefined>;
  /** Cells by job (index in the matrix's arrays). */
  cells: HTMLButtonElement[];
  cols: number;
  /** The job ids by index, for opening a cell's job. */
  jobIds: string[];
}

function textDiv(className: string, text: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.textContent = text;
  return d;
}

/** Sets a cell's colour and its spoken label from the job's status letter. */
function painter({ titles, languages, variations, jobs }: Json<MatrixView>) {
  return (b: HTMLButtonElement, i: number, code: string) => {
    b.className = `mx-cell s-${statusOfCode(code)}`;
    b.setAttribute('aria-label', `${titles[jobs.title[i]!] ?? ''} · ${languages[jobs.language[i]!]?.language ?? ''}${variations > 1 ? ` · v${jobs.variation[i]}` : ''}: ${statusOfCode(code)}`);
  };
}

/** Replaces `root`'s content with the grid: a head row of languages, then a row per title (and variation). */
export function buildGrid(root: HTMLElement, matrix: Json<MatrixView>): Grid {
  const { titles, languages, variations, jobs } = matrix;
  const cols = languages.length;
  const rows = titles.length * variations;
  const paint = painter(matrix);
  root.textContent = '';
  root.style.setProperty('--cols', String(cols));
  const frag = document.createDocumentFragment();
  frag.append(textDiv('mx-corner', 'Title \\ language'));
  for (const l of languages) frag.append(textDiv('mx-head', l.language));
  const at: Array<HTMLButtonElement | undefined> = new Array(rows * cols);
  const cells: HTMLButtonElement[] = [];
  const place = new Map<number, number>();
  jobs.id.forEach((_, i) => place.set(((jobs.title[i]! * variations + (jobs.variation[i]! - 1)) * cols) + jobs.language[i]!, i));
  for (let r = 0; r < rows; r++) {
    const t = Math.floor(r / variations);
    const rh = textDiv('mx-row', variations > 1 ? `${titles[t]} (v${(r % variations) + 1})` : (titles[t] ?? ''));
    rh.title = rh.textContent ?? '';
    frag.append(rh);
    for (let c = 0; c < cols; c++) {
      const i = place.get(r * cols + c);
      if (i === undefined) {
        frag.append(document.createElement('span'));
        continue;
      }
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.job = String(i);
      b.tabIndex = r === 0 && c === 0 ? 0 : -1;
      paint(b, i, matrix.codes[i] ?? 'q');
      at[r * cols + c] = b;
      cells[i] = b;
      frag.append(b);
    }
  }
  root.append(frag);
  return { at, cells, cols, jobIds: jobs.id };
}

/** Repaints the cells whose letter differs from the last codes applied; returns how many changed. */
export function cellUpdater(grid: Grid, matrix: Json<MatrixView>): (next: string) => number {
  const paint = painter(matrix);
  let codes = matrix.codes;
  return (next) => {
    const changed = changedCells(codes, next);
    for (const i of changed) {
      const b = grid.cells[i];
      if (b) paint(b, i, next[i] ?? 'q');
    }
    codes = next;
    return changed.length;
  };
}

/** Clicks open a cell's job, arrow keys move the one tab stop; returns the function that stops listening. */
export function listenToGrid(root: HTMLElement, grid: Grid, open: (jobId: string) => void): () => void {
  const cellOf = (e: Event) => (e.target as HTMLElement).closest<HTMLButtonElement>('button.mx-cell');
  const onClick = (e: Event) => {
    const b = cellOf(e);
    if (b) open(grid.jobIds[Number(b.dataset.job)]!);
  };
  const onKey = (e: KeyboardEvent) => {
    const b = cellOf(e);
    if (!b) return;
    const pos = grid.at.indexOf(b);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: grid.cols, ArrowUp: -grid.cols }[e.key];
    if (step === undefined || pos < 0) return;
    e.preventDefault();
    for (let p = pos + step; p >= 0 && p < grid.at.length; p += step) {
      const next = grid.at[p];
      if (next) {
        b.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
        break;
      }
    }
  };
  root.addEventListener('click', onClick);
  root.addEventListener('keydown', onKey);
  return () => {
    root.removeEventListener('click', onClick);
    root.removeEventListener('keydown', onKey);
  };
}
