// The batch matrix: one cell per job (title × language × variation), coloured by status. The grid is built
// once per batch; a `jobs` event repaints only the cells whose letter changed, so a 2,000-job batch stays
// smooth. Arrow keys move between cells (one tab stop for the grid); Enter opens the job.
import { useEffect, useRef } from 'preact/hooks';
import type { MatrixView } from '../../../api/matrix-routes';
import type { Json } from '../api';
import { buildGrid, cellUpdater, listenToGrid } from './matrix-grid';

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
    const grid = buildGrid(root, matrix);
    handle.current = { update: cellUpdater(grid, matrix) };
    const stop = listenToGrid(root, grid, (jobId) => open.current(jobId));
    return () => {
      stop();
      handle.current = null;
    };
  }, [matrix]);

  return <div ref={host} class="matrix" role="group" aria-label="Job matrix: titles down, languages across; arrow keys move, Enter opens a job" data-testid="matrix" />;
}
