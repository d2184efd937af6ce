// One error shape for every API failure: { error: { code, message, details } }, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { BoltError, ErrorCode } from '../domain/errors';
import { PlanError } from '../domain/plan';

/** Error codes that only the HTTP layer produces (the shared ones live in domain/errors.ts). */
export const ApiErrorCode = {
  notFound: ErrorCode.notFound,
  validation: ErrorCode.validation,
  conflict: ErrorCode.conflict,
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  rateLimited: 'rate_limited',
  linkInvalid: 'link_invalid',
  unsupportedMediaType: 'unsupported_media_type',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** An error the API answers with as is: status, stable code, message, optional details and headers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 `validation_error` about one field of the request, with the same shape as a schema's refusal. */
export const invalidField = (path: string, message: string) => new ApiError(400, ErrorCode.validation, 'the request is invalid', [{ path, message }]);

/** Turns zod issues into `details`: one entry per field, with its path and message. */
export function zodDetails(err: ZodError): Array<{ path: string; message: string }> {
  return err.issues.map((i) => ({
    path: i.path.join('.') || '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, ErrorCode.notFound, `no route for ${req.method} ${req.path}`));
};

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let status = 500;
    let body: { code: string; message: string; details?: unknown };
    const httpErr = err as { type?: string; status?: number; expose?: boolean; message?: string };
    if (err instanceof ApiError) {
      status = err.status;
      body = { code: err.code, message: err.message, details: err.details };
      if (status === 401) res.set('WWW-Authenticate', 'Bearer');
      res.set(err.headers);
    } else if (err instanceof ZodError) {
      status = 400;
      body = { code: ErrorCode.validation, message: 'the request is invalid', details: zodDetails(err) };
    } else if (err instanceof PlanError) {
      status = 400;
      body = { code: ErrorCode.validation, message: err.message };
    } else if (err instanceof BoltError) {
      status = err.options.status ?? 400;
      body = { code: err.code, message: err.message };
    } else if (httpErr.type === 'entity.too.large') {
      status = 413;
      body = { code: ErrorCode.payloadTooLarge, message: 'the request body is larger than the limit' };
    } else if (httpErr.type === 'entity.parse.failed') {
      status = 400;
      body = { code: ErrorCode.validation, message: 'the request body is not valid JSON' };
    } else if (httpErr.type === 'charset.unsupported' || httpErr.type === 'encoding.unsupported') {
      status = 415;
      body = { code: ApiErrorCode.unsupportedMediaType, message: httpErr.expose && httpErr.message ? httpErr.message : 'unsupported body encoding' };
    } else if (typeof httpErr.status === 'number' && httpErr.status >= 400 && httpErr.status < 500) {
      status = httpErr.status;
      body = { code: ErrorCode.validation, message: httpErr.expose && httpErr.message ? httpErr.message : 'bad request' };
    } else {
      log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      body = { code: ErrorCode.internal, message: 'internal error; see the server log' };
    }
    if (res.headersSent) {
      // A stream (ZIP, events) failed midway: the status is gone, so cut the connection to signal it.
      log(`response aborted: ${err instanceof Error ? err.message : String(err)}`);
      res.destroy();
      return;
    }
    res.status(status).json({ error: { code: body.code, message: body.message, details: body.details ?? null } });
  };
}
