// A batch followed live: its event stream (progress, job letters for the matrix, a throttled refresh of the
// detail) and the matrix, with the letters that arrive before the grid is built kept until it is.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MatrixView } from '../../api/matrix-routes';
import { api, type Json } from './api';
import type { MatrixHandle } from './components/Matrix';
import { openStream } from './sse';
import type { ProgressEvent } from './types';

export interface StreamHandlers {
  /** A `jobs` event: one status letter per job. */
  jobs(codes: string): void;
  /** The counts or status moved: load the detail and the jobs table again. */
  refresh(): void;
}

/** Follows `/api/batches/:id/events`; `gen` reopens it (a finished batch's stream has closed). */
export function useBatchStream(id: string, gen: number, on: StreamHandlers) {
  const [live, setLive] = useState<ProgressEvent | null>(null);
  const [connected, setConnected] = useState(true);
  const handlers = useRef(on);
  handlers.current = on;
  useEffect(() => setLive(null), [id]);

  useEffect(() => {
    // The detail (per-language bars, cost, quota waits) and the jobs table follow the stream, at most every 1.5 s.
    let refreshAt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (now = false) => {
      if (timer) return;
      const wait = now ? 0 : Math.max(0, refreshAt - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        refreshAt = Date.now() + 1500;
        handlers.current.refresh();
      }, wait);
    };
    let lastKey = '';
    const close = openStream(`/api/batches/${id}/events?jobs=1`, {
      onConnection: setConnected,
      onEvent(event, data) {
        if (event === 'jobs') return handlers.current.jobs((JSON.parse(data) as { codes: string }).codes);
        const p = JSON.parse(data) as ProgressEvent;
        setLive(p);
        const key = JSON.stringify(p.counts) + p.status;
        if (event === 'end') {
          if (timer) clearTimeout(timer);
          timer = undefined;
          refresh(true);
        } else if (key !== lastKey) refresh();
        lastKey = key;
      },
    });
    return () => {
      close();
      if (timer) clearTimeout(timer);
    };
  }, [id, gen]);
  return { live, connected };
}

/** The batch's matrix (or why it is not shown), its grid's handle, and `apply` for a `jobs` event. */
export function useMatrixFeed(id: string) {
  const [matrix, setMatrix] = useState<Json<MatrixView> | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const handle = useRef<MatrixHandle | null>(null);
  const pendingCodes = useRef<string | null>(null);
  useEffect(() => {
    setMatrix(null);
    api<{ matrix: Json<MatrixView> }>(`/api/batches/${id}/matrix`).then(
      (r) => setMatrix(r.matrix),
      (err: unknown) => setNote(err instanceof Error ? err.message : String(err)),
    );
  }, [id]);

  // Codes that arrived before the grid was built.
  useEffect(() => {
    if (matrix && handle.current && pendingCodes.current) {
      handle.current.update(pendingCodes.current);
      pendingCodes.current = null;
    }
  }, [matrix]);

  const apply = (codes: string) => {
    if (handle.current) handle.current.update(codes);
    else pendingCodes.current = codes;
  };
  return { matrix, note, handle, apply };
}
