// The API serves the built page: index.html never cached, hashed assets cached for a year, client routes
// answered with the page, and /api/*, /healthz and /readyz never shadowed by it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WEB_DIST } from '../../api/web';
import { ensureWebBuild, webBuildStaleness } from '../../stack/web-build';
import { call } from '../support/http';
import { testStack, type TestStack } from '../support/stack';

describe('the page, served by the API', function () {
  this.timeout(300_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    await ensureWebBuild(() => undefined);
    stack = await testStack();
  });

  it('is built from its sources, and a changed source makes the build stale', () => {
    assert.equal(webBuildStaleness(), undefined);
    const sources = JSON.parse(fs.readFileSync(path.join(WEB_DIST, 'build-sources.json'), 'utf8')).sources as string[];
    assert.ok(sources.includes('web/src/main.tsx') && sources.includes('api/schemas.ts'), 'the API schemas are part of the bundle');
    assert.ok(!sources.some((s) => s.startsWith('adapters/') || s.startsWith('db/')), 'no server code in the bundle');
    const file = path.resolve(WEB_DIST, '..', 'src', 'router.ts');
    const { atime, mtime } = fs.statSync(file);
    try {
      fs.utimesSync(file, atime, new Date(Date.now() + 60_000));
      assert.match(webBuildStaleness() ?? '', /web\/src\/router\.ts changed/);
    } finally {
      fs.utimesSync(file, atime, mtime);
    }
  });

  it('serves index.html without caching and the hashed assets with long-cache headers', async () => {
    const page = await call(stack, undefined, 'GET', '/', undefined, { accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')), page.text);
    assert.ok(!/https?:\/\//.test(page.text.replace(/<!doctype[^>]*>/i, '')), 'nothing from another origin');
    for (const a of assets) {
      const r = await call(stack, undefined, 'GET', a);
      assert.equal(r.status, 200, a);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', a);
    }
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('answers client routes with the page and leaves the API its own 404s', async () => {
    for (const p of ['/history', '/batches/00000000-0000-4000-8000-000000000000', '/admin/keys']) {
      const r = await call(stack, undefined, 'GET', p, undefined, { accept: 'text/html' });
      assert.equal(r.status, 200, p);
      assert.match(r.text, /<div id="app">/);
    }
    for (const p of ['/api/nothing-here', '/api', '/healthz/extra', '/readyz/x']) {
      const r = await call(stack, undefined, 'GET', p, undefined, { accept: 'text/html' });
      assert.equal(r.status, 404, p);
      assert.equal(r.json.error.code, 'not_found', p);
    }
    assert.equal((await call(stack, undefined, 'GET', '/healthz', undefined, { accept: 'text/html' })).json.ok, true);
    assert.equal((await call(stack, undefined, 'GET', '/assets/missing-file.js')).status, 404);
    assert.equal((await call(stack, undefined, 'POST', '/history', {})).status, 404);
  });
});
