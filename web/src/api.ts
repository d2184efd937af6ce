// The page's API client: same-origin fetch with the bearer token, JSON in and out, and the API's own
// error shape turned into an ApiFailure the screens show where the action happened.
import { getSession, setSession } from './session';

/** An API error as the API phrased it: status, stable code, message, field details. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** JSON as it arrives: Dates of the server's types are ISO strings here. */
export type Json<T> = T extends Date ? string : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Headers with the session's token. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const s = getSession();
  return s ? { ...extra, authorization: `Bearer ${s.token}` } : extra;
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  const details = Array.isArray(e?.details) ? (e.details as Array<{ path: string; message: string }>) : [];
  return new ApiFailure(res.status, e?.code ?? 'http_error', e?.message ?? `the server answered ${res.status}`, details);
}

/** Calls the API; resolves to the parsed JSON (undefined for 204), rejects with ApiFailure. */
export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const headers = authHeaders({ accept: 'application/json', ...(o.headers ?? {}) });
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method: o.method ?? 'GET', headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: o.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure(0, 'network_error', 'the server cannot be reached');
  }
  if (res.status === 401 && getSession()) setSession(null);
  if (!res.ok) throw await failureOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Fetches a binary resource with the token (voice previews) as an object URL. */
export async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw await failureOf(res);
  return URL.createObjectURL(await res.blob());
}

/** Downloads a file the API serves behind the token (manifest, ZIP) through a temporary link. */
export async function download(path: string, filename: string): Promise<void> {
  const url = await blobUrl(path);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
