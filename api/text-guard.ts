// Text PostgreSQL cannot store never reaches it: NUL (U+0000) and unpaired UTF-16 surrogates anywhere in
// a body, a query string or a path parameter are refused with 400 `validation_error` naming the field.
// One check for every route, so a new text field cannot forget it.
import type { RequestHandler } from 'express';
import { ErrorCode } from '../domain/errors';
import { ApiError } from './errors';

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_MESSAGE = 'contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)';

/** Paths (`titles.2`, `agent.tone`) of every string, or object key, that holds an unstorable character. */
export function unstorableFields(value: unknown, prefix: string[] = [], found: string[] = [], depth = 0): string[] {
  if (found.length >= 20 || depth > 64) return found;
  const at = (k: string | number) => [...prefix, String(k)];
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) found.push(prefix.join('.') || '(body)');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableFields(v, at(i), found, depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (UNSTORABLE.test(k)) found.push([...prefix, '(key)'].join('.'));
      unstorableFields(v, at(k.replace(UNSTORABLE, '?')), found, depth + 1);
    }
  }
  return found;
}

function refuse(paths: string[]): ApiError {
  return new ApiError(400, ErrorCode.validation, 'the request is invalid', paths.map((path) => ({ path, message: UNSTORABLE_MESSAGE })));
}

/** Express middleware (after the JSON parser): checks the body and the query string. */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  const paths = [...unstorableFields(req.body), ...unstorableFields(req.query as unknown, ['query'])];
  next(paths.length ? refuse(paths) : undefined);
};

/** The same check for a route's path parameters (known only once the route matched). */
export function checkParams(params: Record<string, string>): void {
  const paths = unstorableFields(params, ['params']);
  if (paths.length) throw refuse(paths);
}
