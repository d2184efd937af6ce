// Small hardening points on the real stack: /readyz names a failing dependency without the driver's
// text; one Idempotency-Key sent twice at once gives one batch; every text field of every route refuses
// what PostgreSQL cannot store; blank titles are refused; estimates need a login and read by index;
// a first voice preview with no usable TTS key answers 503 at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createDb } from '../../db/connection';
import { call, smallBatch } from '../support/http';
import { appOnStack, eventually, newTestUser, testAdminToken, testStack, type TestStack } from '../support/stack';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[] };

/** Paths (as arrays) of every string field a JSON schema describes, through objects, arrays and unions. */
function stringFields(s: Schema | undefined, at: Array<string | number> = [], out: Array<Array<string | number>> = [], depth = 0): Array<Array<string | number>> {
  if (!s || depth > 8) return out;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.includes('string')) out.push(at);
  for (const [k, v] of Object.entries(s.properties ?? {})) stringFields(v, [...at, k], out, depth + 1);
  if (s.items) stringFields(s.items, [...at, 0], out, depth + 1);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) stringFields(alt, at, out, depth + 1);
  return out;
}

/** A body holding `value` at `path` (objects and one-element arrays on the way). */
function bodyWith(path: Array<string | number>, value: string): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  return typeof head === 'number' ? [bodyWith(rest, value)] : { [head!]: bodyWith(rest, value) };
}

describe('API hardening', function () {
  this.timeout(300_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('/readyz names the failing dependency and none of the driver error text', async () => {
    const ok = await call(stack, undefined, 'GET', '/readyz');
    assert.equal(ok.status, 200);
    const badDb = createDb('postgres://bolt:hunter2-secret@127.0.0.1:9/nowhere', 1, () => undefined);
    const lines: string[] = [];
    const app = appOnStack(stack, { db: badDb, log: (l) => lines.push(l) });
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      const text = await res.text();
      assert.equal(res.status, 503);
      const body = JSON.parse(text);
      assert.deepEqual(body.failing, ['postgres']);
      assert.deepEqual(body.checks, { postgres: 'unreachable', temporal: 'ok' });
      for (const leak of ['ECONNREFUSED', '127.0.0.1', ':9', 'hunter2', 'bolt']) assert.ok(!text.includes(leak), `the answer shows ${leak}: ${text}`);
      assert.ok(lines.some((l) => l.includes('readyz: postgres unreachable')), 'the cause is in the log (a JSON line)');
    } finally {
      server.close();
      await badDb.destroy();
    }
  });

  it('two (and six) simultaneous POST /api/batches with one Idempotency-Key give one batch, never a 500', async () => {
    const user = await newTestUser(stack, 'idem');
    const key = `race-${process.pid}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(stack, user.token, 'POST', '/api/batches', smallBatch(), { 'idempotency-key': key })));
    assert.deepEqual([...new Set(answers.map((a) => a.status))].sort(), [200, 201], answers.map((a) => `${a.status} ${a.text.slice(0, 200)}`).join('\n'));
    assert.equal(answers.filter((a) => a.status === 201).length, 1);
    assert.equal(new Set(answers.map((a) => a.json.batch.id)).size, 1, 'the same batch for all');
    assert.equal((await call(stack, user.token, 'GET', '/api/batches')).json.total, 1);
  });

  it('refuses NUL and unpaired surrogates in every text field of every route with 400 naming the field', async () => {
    const admin = await testAdminToken(stack);
    const doc = (await call(stack, undefined, 'GET', '/api/openapi.json')).json;
    let checked = 0;
    for (const [p, ops] of Object.entries<Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Array<{ name: string; in: string; schema: Schema }> }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const concrete = p.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const fields = stringFields(op.requestBody?.content['application/json']?.schema);
        for (const field of fields) {
          for (const bad of ['a\u0000b', 'x\ud800y', '\udc00']) {
            const r = await call(stack, admin, method.toUpperCase(), concrete, bodyWith(field, bad));
            assert.equal(r.status, 400, `${method} ${p} ${field.join('.')}: ${r.status} ${r.text}`);
            assert.equal(r.json.error.code, 'validation_error');
            assert.ok(r.json.error.details.some((d: { path: string }) => d.path === field.join('.')), `${method} ${p}: ${r.text}`);
            checked++;
          }
        }
        for (const q of (op.parameters ?? []).filter((x) => x.in === 'query')) {
          const r = await call(stack, admin, method.toUpperCase(), `${concrete}?${q.name}=a%00b`);
          assert.equal(r.status, 400, `${method} ${p} ?${q.name}: ${r.text}`);
          assert.ok(r.json.error.details.some((d: { path: string }) => d.path === `query.${q.name}`), r.text);
          checked++;
        }
        for (const pp of (op.parameters ?? []).filter((x) => x.in === 'path')) {
          const r = await call(stack, admin, method.toUpperCase(), p.replace(`{${pp.name}}`, 'a%00b').replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'));
          if (r.status === 401) continue; // a route that authenticates by its own means (none today)
          assert.equal(r.status, 400, `${method} ${p} :${pp.name}: ${r.text}`);
          assert.ok(r.json.error.details.some((d: { path: string }) => d.path === `params.${pp.name}`), r.text);
          checked++;
        }
      }
    }
    console.log(`      ${checked} text fields, query parameters and path parameters refused`);
    assert.ok(checked > 100, `only ${checked} checks: the document lists too few text fields`);
    // Nothing was written by any of them: PostgreSQL still takes ordinary text.
    assert.equal((await call(stack, admin, 'POST', '/api/agents', { name: 'ok', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 })).status, 201);
  });

  it('refuses titles that show nothing (blank, zero-width, format characters)', async () => {
    const user = await newTestUser(stack, 'blank');
    const blanks = ['   ', '\u200b\u200b\u200b', '\u200d\u2060\ufeff', '\u3000\u3000\u3000', '\u00a0\u2003\u202f\u205f', '\u180e\u200e\u200f\u061c', '\u3164\u3164\u3164', '\u2800\u2800\u2800', '\u{E0041}\u{E0042}\u{E0043}'];
    for (const t of blanks) {
      const r = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ titles: ['A real title here', t] }));
      assert.equal(r.status, 400, JSON.stringify(t));
      assert.equal(r.json.error.details[0].path, 'titles.1', JSON.stringify(t));
    }
    assert.equal((await call(stack, user.token, 'GET', '/api/batches')).json.total, 0);
    // Visible text with a zero-width joiner inside (emoji, Indic scripts) is fine.
    assert.equal((await call(stack, user.token, 'POST', '/api/estimates', { ...smallBatch({ titles: ['क्‍ष and 👩‍🔬 facts'] }) })).status, 200);
  });

  it("POST /api/estimates needs a login, counts cache hits among the caller's own scripts only, and reads by index", async () => {
    assert.equal((await call(stack, undefined, 'POST', '/api/estimates', smallBatch())).status, 401);
    const [owner, other] = [await newTestUser(stack, 'est-owner'), await newTestUser(stack, 'est-other')];
    const request = smallBatch({ titles: [`A title only the owner wrote ${process.pid}`] });
    const created = await call(stack, owner.token, 'POST', '/api/batches', request);
    assert.equal(created.status, 201, created.text);
    await eventually(async () => (await call(stack, owner.token, 'GET', `/api/batches/${created.json.batch.id}`)).json.batch.status === 'completed', 'the batch', 240_000);
    const mine = await call(stack, owner.token, 'POST', '/api/estimates', request);
    assert.deepEqual(mine.json.estimate.counts.cacheHits, { masters: 1, adaptations: 1, syntheses: 0 }, 'the owner sees their cached scripts');
    const theirs = await call(stack, other.token, 'POST', '/api/estimates', request);
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.json.estimate.counts.cacheHits, { masters: 0, adaptations: 0, syntheses: 0 }, "another user learns nothing of the owner's titles");

    const plans = await stack.db.transaction().execute(async (trx) => {
      // With sequential scans priced out, a plan without a usable index still shows a Seq Scan.
      await sql`set local enable_seqscan = off`.execute(trx);
      const scripts = await sql<{ 'QUERY PLAN': string }>`explain select s.id from scripts s order by s.created_at desc limit 400`.execute(trx);
      const jobs = await sql<{ 'QUERY PLAN': string }>`explain select finished_at from jobs where status = 'completed' and started_at is not null and finished_at is not null order by finished_at desc limit 200`.execute(trx);
      return [scripts, jobs].map((p) => p.rows.map((r) => r['QUERY PLAN']).join('\n'));
    });
    assert.match(plans[0]!, /Index Scan Backward using scripts_created_at/, plans[0]);
    // Which index scan the planner picks depends on the table's size; any of them reads by the index, none scans the table.
    assert.match(plans[1]!, /(Index Scan Backward using|Index Only Scan Backward using|Bitmap Index Scan on) jobs_completed_finished_at/, plans[1]);
    for (const plan of plans) assert.doesNotMatch(plan, /Seq Scan/, plan);
  });

  it('answers a first voice preview with 503 and the reason, at once, when every TTS key is disabled', async () => {
    const user = await newTestUser(stack, 'nokey');
    const active = await stack.db.selectFrom('api_keys').select('id').where('service', '=', 'tts').where('status', '=', 'active').execute();
    await stack.db.updateTable('api_keys').set({ status: 'disabled', disabled_reason: 'test: no key can serve' }).where('id', 'in', active.map((k) => k.id)).execute();
    try {
      const started = Date.now();
      const r = await call(stack, user.token, 'GET', '/api/voices/am-ET-Standard-B/preview');
      const ms = Date.now() - started;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, 'provider_unavailable');
      assert.match(r.json.error.message, /no TTS key/);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      console.log(`      503 after ${ms} ms`);
    } finally {
      await stack.db.updateTable('api_keys').set({ status: 'active', disabled_reason: null }).where('id', 'in', active.map((k) => k.id)).execute();
    }
  });
});
