// Loading API data into a component: the answer, the error (cleared by the next answer) and a reload, and on
// top of it a paged list with its filters, 25 rows a page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  setError(error: unknown): void;
  /** Loads again (after an action); resolves once the answer or the error is in place. */
  reload(): Promise<void>;
}

/** Runs `load` whenever `deps` change (aborting the previous run); `reset` empties the data meanwhile. */
export function useLoad<T>(load: (signal?: AbortSignal) => Promise<T>, deps: unknown[], reset = false): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(load);
  latest.current = load;
  const fetchInto = (signal?: AbortSignal): Promise<void> =>
    latest.current(signal).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      },
    );
  useEffect(() => {
    if (reset) setData(null);
    const abort = new AbortController();
    void fetchInto(abort.signal);
    return () => abort.abort();
  }, deps);
  return { data, error, setError, reload: () => fetchInto() };
}

export const PAGE_SIZE = 25;

export interface Paged<R, F> extends Loaded<R> {
  page: number;
  pages: number;
  setPage(page: number): void;
  filters: F;
  /** Sets one filter and goes back to the first page. */
  setFilter(name: keyof F, value: string): void;
}

/** A page of `path` (`?page=&pageSize=` then each non-empty filter), loaded again when `deps` change. */
export function usePaged<R extends { total: number }, F extends Record<string, string>>(path: string, initial: F, deps: unknown[] = []): Paged<R, F> {
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState<F>(initial);
  const q = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const url = `${path}?${q}`;
  const loaded = useLoad((signal) => api<R>(url, { signal }), [url, ...deps]);
  const pages = loaded.data ? Math.max(1, Math.ceil(loaded.data.total / PAGE_SIZE)) : 1;
  const setFilter = (name: keyof F, value: string) => {
    setFilters((old) => ({ ...old, [name]: value }));
    setPage(1);
  };
  return { ...loaded, page, pages, setPage, filters, setFilter };
}
