// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests: every route is
// declared once (method, path, schemas, responses) and both Express and the document are built from it.
import { z } from 'zod';

/** HTTP methods the API uses. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented response. */
export interface ResponseDoc {
  description: string;
  /** Body schema (JSON unless `contentType` says otherwise). */
  schema?: z.ZodType;
  /** @default 'application/json' */
  contentType?: string;
}

/** Everything the document says about one route. */
export interface RouteDoc {
  method: Method;
  /** Express-style path (`/api/batches/:id`). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Whether a bearer token is required. @default true */
  auth?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request headers that matter (e.g. Idempotency-Key). */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  responses: Record<number, ResponseDoc>;
}

/** The error body every failure has. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable, machine-readable code (validation_error, not_found, unauthorized, …)' }),
      message: z.string(),
      details: z.unknown().meta({ description: 'for validation errors, one { path, message } per bad field; null otherwise' }),
    }),
  })
  .meta({ id: 'Error' });

/** Converts a zod schema to a JSON Schema 2020-12 object, as OpenAPI 3.1 embeds it. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** `/api/batches/:id` → `/api/batches/{id}`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

const errorRef = { $ref: '#/components/schemas/Error' };

/** Collects route declarations and renders the OpenAPI 3.1 document. */
export class ApiRegistry {
  readonly routes: RouteDoc[] = [];

  add(doc: RouteDoc): void {
    if (this.routes.some((r) => r.method === doc.method && r.path === doc.path)) throw new Error(`route declared twice: ${doc.method} ${doc.path}`);
    this.routes.push(doc);
  }

  document(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const parameters: unknown[] = [];
      const pathParams = [...r.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
      const paramShape = (r.params?.shape ?? {}) as Record<string, z.ZodType>;
      for (const name of pathParams) {
        parameters.push({ name, in: 'path', required: true, schema: paramShape[name] ? jsonSchema(paramShape[name], 'input') : { type: 'string' } });
      }
      for (const [name, schema] of Object.entries((r.query?.shape ?? {}) as Record<string, z.ZodType>)) {
        const s = jsonSchema(schema, 'input');
        parameters.push({ name, in: 'query', required: !schema.safeParse(undefined).success, schema: s, ...(s.description ? { description: s.description } : {}) });
      }
      for (const h of r.headers ?? []) parameters.push({ name: h.name, in: 'header', required: h.required ?? false, description: h.description, schema: { type: 'string' } });
      const responses: Record<string, unknown> = {};
      for (const [status, resp] of Object.entries(r.responses)) {
        const contentType = resp.contentType ?? 'application/json';
        responses[status] = {
          description: resp.description,
          ...(resp.schema || contentType !== 'application/json' ? { content: { [contentType]: { schema: resp.schema ? jsonSchema(resp.schema, 'output') : {} } } } : {}),
        };
      }
      if (r.body || r.params || r.query) responses['400'] ??= { description: 'invalid input (`validation_error`)', content: { 'application/json': { schema: errorRef } } };
      if (r.auth !== false) responses['401'] ??= { description: 'missing, unknown, revoked or expired token (`unauthorized`)', content: { 'application/json': { schema: errorRef } } };
      responses.default = { description: 'error', content: { 'application/json': { schema: errorRef } } };
      const op: Record<string, unknown> = {
        operationId: `${r.method}${openApiPath(r.path).replace(/[{}]/g, '').split(/[/-]/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}`,
        summary: r.summary,
        tags: [r.tag],
        parameters,
        responses,
        security: r.auth === false ? [] : [{ bearer: [] }],
      };
      if (r.description) op.description = r.description;
      if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
      (paths[openApiPath(r.path)] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token from `POST /api/auth/login` or a personal API token (`POST /api/tokens`).' },
        },
        schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      },
    };
  }
}

/** A small self-contained docs page: lists every operation of the document, read from /api/openapi.json. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bolt IA API</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.6rem;overflow:auto}
h2{margin-top:2rem;border-bottom:1px solid #ddd}.op{margin:.8rem 0}.m{display:inline-block;min-width:4.5em;font-weight:700}
details{margin:.2rem 0 .2rem 5em}</style></head>
<body><h1>Bolt IA API</h1><p>Generated from <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<div id="ops">loading…</div>
<script src="/api/docs.js"></script></body></html>`;

/** The docs page's script, served separately so the page works under a strict Content-Security-Policy. */
export const DOCS_SCRIPT = `(async function () {
  const doc = await (await fetch('/api/openapi.json')).json();
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([method, path, op]);
  const root = document.getElementById('ops');
  root.textContent = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; root.appendChild(h);
    for (const [method, path, op] of ops) {
      const div = document.createElement('div'); div.className = 'op';
      const m = document.createElement('span'); m.className = 'm'; m.textContent = method.toUpperCase();
      const p = document.createElement('code'); p.textContent = path;
      div.append(m, p, ' — ' + op.summary + (op.security && op.security.length === 0 ? ' (no token)' : ''));
      const d = document.createElement('details'); const s = document.createElement('summary'); s.textContent = 'parameters, body, responses';
      const pre = document.createElement('pre'); pre.textContent = JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
      d.append(s, pre); div.appendChild(d); root.appendChild(div);
    }
  }
})();`;
