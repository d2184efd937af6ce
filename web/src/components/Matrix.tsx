// The batch matrix: one cell per job (title × language × variation), coloured by status. The grid is built
// once per batch; a `jobs` event repaints only the cells whose letter changed, so a 2,000-job batch stays
// smooth. Arrow keys move between cells (one tab stop for the grid); Enter opens the job.
import { useEffect, useRef } from 'preact/hooks';
import type { MatrixView } from '../../../api/matrix-routes';
import { changedCells, statusOfCode } from '../../../domain/matrix';
import type { Json } from '../api';

export interface MatrixHandle {
  /** Applies a status string (one letter per job by seq); returns how many cells changed. */
  update(codes: string): number;
}

interface Props {
  matrix: Json<MatrixView>;
  onOpen(jobId: string): void;
  handle: { current: MatrixHandle | null };
}

export function Matrix({ matrix, onOpen, handle }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const open = useRef(onOpen);
  open.current = onOpen;

  useEffect(() => {
    const root = host.current!;
    const { titles, languages, variations, jobs } = matrix;
    const cols = languages.length;
    const rows = titles.length * variations;
    const label = (i: number, code: string) =>
      `${titles[jobs.title[i]!] ?? ''} · ${languages[jobs.language[i]!]?.language ?? ''}${variations > 1 ? ` · v${jobs.variation[i]}` : ''}: ${statusOfCode(code)}`;
    root.textContent = '';
    root.style.setProperty('--cols', String(cols));
    const frag = document.createDocumentFragment();
    frag.append(cornerCell());
    for (const l of languages) frag.append(headCell(l.language));
    // Cells by grid position, so arrow keys and rows find their neighbours.
    const at: Array<HTMLButtonElement | undefined> = new Array(rows * cols);
    const cells: HTMLButtonElement[] = [];
    const place = new Map<number, number>();
    jobs.id.forEach((_, i) => place.set(((jobs.title[i]! * variations + (jobs.variation[i]! - 1)) * cols) + jobs.language[i]!, i));
    for (let r = 0; r < rows; r++) {
      const t = Math.floor(r / variations);
      const v = (r % variations) + 1;
      const rh = document.createElement('div');
      rh.className = 'mx-row';
      rh.textContent = variations > 1 ? `${titles[t]} (v${v})` : (titles[t] ?? '');
      rh.title = rh.textContent;
      frag.append(rh);
      for (let c = 0; c < cols; c++) {
        const i = place.get(r * cols + c);
        if (i === undefined) {
          frag.append(document.createElement('span'));
          continue;
        }
        const b = document.createElement('button');
        b.type = 'button';
        const code = matrix.codes[i] ?? 'q';
        b.className = `mx-cell s-${statusOfCode(code)}`;
        b.dataset.job = String(i);
        b.tabIndex = r === 0 && c === 0 ? 0 : -1;
        b.setAttribute('aria-label', label(i, code));
        at[r * cols + c] = b;
        cells[i] = b;
        frag.append(b);
      }
    }
    root.append(frag);
    let codes = matrix.codes;
    handle.current = {
      update(next: string) {
        const changed = changedCells(codes, next);
        for (const i of changed) {
          const b = cells[i];
          if (!b) continue;
          const code = next[i] ?? 'q';
          b.className = `mx-cell s-${statusOfCode(code)}`;
          b.setAttribute('aria-label', label(i, code));
        }
        codes = next;
        return changed.length;
      },
    };
    const onClick = (e: Event) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.mx-cell');
      if (b) open.current(jobs.id[Number(b.dataset.job)]!);
    };
    const onKey = (e: KeyboardEvent) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.mx-cell');
      if (!b) return;
      const pos = at.indexOf(b);
      const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[e.key];
      if (step === undefined || pos < 0) return;
      e.preventDefault();
      for (let p = pos + step; p >= 0 && p < at.length; p += step) {
        const next = at[p];
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
      handle.current = null;
    };
  }, [matrix]);

  return <div ref={host} class="matrix" role="group" aria-label="Job matrix: titles down, languages across; arrow keys move, Enter opens a job" data-testid="matrix" />;
}

function cornerCell(): HTMLElement {
  const d = document.createElement('div');
  d.className = 'mx-corner';
  d.textContent = 'Title \\ language';
  return d;
}

function headCell(text: string): HTMLElement {
  const d = document.createElement('div');
  d.className = 'mx-head';
  d.textContent = text;
  return d;
}
