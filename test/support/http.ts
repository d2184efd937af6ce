// A small HTTP client for API tests: real requests to the running stack, answers parsed when JSON.
/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read loosely here; the assertions check their shape. */
import type { TestStack } from './stack';

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** Sends one request; `body` is JSON-encoded unless it is already a string or a Buffer. */
export async function call<T = any>(
  stack: TestStack,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${stack.apiUrl}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

/** A small valid batch request. */
export const smallBatch = (extra: Record<string, unknown> = {}) => ({
  mode: 'matrix',
  titles: ['How tides follow the moon'],
  languages: [
    { language: 'en-US', voice: 'en-US-Neural2-C' },
    { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
  ],
  agent: { targetMinutes: 0.2 },
  ...extra,
});
