// Small HTTP helpers shared by the simulators: JSON bodies and Google's error envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** gRPC status names Google puts in `error.status`, by HTTP code. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
    readonly statusName = STATUS_NAMES[status] ?? 'UNKNOWN',
  ) {
    super(message);
  }
}

const MAX_BODY = 10 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request payload size exceeds the limit.');
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Invalid JSON payload received. Unexpected token.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes Google's error JSON: `{ error: { code, message, status, details } }`. */
export function sendGoogleError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { code: err.status, message: err.message, status: err.statusName, details: err.details } });
}

/** The API key of a request: the `x-goog-api-key` header or the `key` query parameter. */
export function apiKeyOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-goog-api-key'];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined;
}

/** An `ErrorInfo` detail saying the key is invalid, as Google sends it. */
export const apiKeyInvalidDetail = (service: string) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason: 'API_KEY_INVALID',
  domain: 'googleapis.com',
  metadata: { service },
});

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
