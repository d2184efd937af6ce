// The matrix feed of the page: GET /api/batches/:id/matrix (each job's place and status, compact) and
// the `jobs` events of GET /api/batches/:id/events?jobs=1; owner-only, and bad queries refused.
import assert from 'node:assert/strict';
import { MATRIX_STATUS_CODE } from '../../domain/matrix';
import { call, smallBatch } from '../support/http';
import { readEvents } from '../support/sse';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

describe('API: the batch matrix', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let owner: { token: string };
  let other: { token: string };

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    owner = await newTestUser(stack, 'matrix');
    other = await newTestUser(stack, 'matrix-other');
  });

  it('places every job by title, language and variation, and streams status strings until every job is completed', async () => {
    const titles = ['How salt was traded across deserts', 'Why the sea is salty'];
    const created = await call(stack, owner.token, 'POST', '/api/batches', smallBatch({ titles, variations: 2 }));
    assert.equal(created.status, 201, created.text);
    const id = created.json.batch.id as string;
    const stream = readEvents(`${stack.apiUrl}/api/batches/${id}/events?jobs=1`, owner.token);

    const m = await call(stack, owner.token, 'GET', `/api/batches/${id}/matrix`);
    assert.equal(m.status, 200, m.text);
    const { matrix } = m.json;
    assert.deepEqual(matrix.titles, titles);
    assert.deepEqual(
      matrix.languages.map((l: { language: string }) => l.language),
      ['en-US', 'pt-BR'],
    );
    assert.equal(matrix.variations, 2);
    assert.equal(matrix.jobs.id.length, 8);
    assert.equal(matrix.codes.length, 8);
    assert.match(matrix.codes, /^[qrcfx]{8}$/);
    const places = new Set(matrix.jobs.id.map((_: string, i: number) => `${matrix.jobs.title[i]}/${matrix.jobs.language[i]}/${matrix.jobs.variation[i]}`));
    assert.equal(places.size, 8, 'each (title, language, variation) once');
    // The ids are the batch's jobs, in seq order.
    const jobs = (await call(stack, owner.token, 'GET', `/api/batches/${id}/jobs?pageSize=200`)).json.jobs as Array<{ id: string; title: string; language: string; variation: number }>;
    jobs.forEach((j, i) => {
      assert.equal(matrix.jobs.id[i], j.id);
      assert.equal(titles[matrix.jobs.title[i]], j.title);
      assert.equal(matrix.languages[matrix.jobs.language[i]].language, j.language);
      assert.equal(matrix.jobs.variation[i], j.variation);
    });

    const { status, events } = await stream;
    assert.equal(status, 200);
    const jobEvents = events.filter((e) => e.event === 'jobs').map((e) => JSON.parse(e.data).codes as string);
    assert.ok(jobEvents.length >= 1, 'at least one jobs event');
    assert.equal(jobEvents.at(-1), MATRIX_STATUS_CODE.completed.repeat(8), 'the last status string is all completed');
    for (let i = 1; i < jobEvents.length; i++) assert.notEqual(jobEvents[i], jobEvents[i - 1], 'a jobs event is sent only when a status changed');
    assert.equal(events.at(-1)!.event, 'end');
    const ids = events.map((e) => Number(e.id));
    assert.deepEqual(ids, ids.map((_, i) => i + 1));
    // A finished batch answers at once, with its final string.
    const after = await readEvents(`${stack.apiUrl}/api/batches/${id}/events?jobs=1`, owner.token);
    assert.deepEqual(after.events.map((e) => e.event), ['jobs', 'progress', 'end']);
    assert.equal(JSON.parse(after.events[0]!.data).codes, 'cccccccc');
    const final = await call(stack, owner.token, 'GET', `/api/batches/${id}/matrix`);
    assert.equal(final.json.matrix.codes, 'cccccccc');
  });

  it("answers 404 to another user, and 400 to a bad query, without a trace of the batch", async () => {
    const created = await call(stack, owner.token, 'POST', '/api/batches', smallBatch({ titles: ['The quiet life of lighthouse keepers'] }));
    const id = created.json.batch.id as string;
    for (const path of [`/api/batches/${id}/matrix`, `/api/batches/${id}/events?jobs=1`]) {
      const r = await call(stack, other.token, 'GET', path);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assert.equal(r.json.error.code, 'not_found');
      assert.ok(!r.text.includes(id));
    }
    assert.equal((await call(stack, undefined, 'GET', `/api/batches/${id}/matrix`)).status, 401);
    assert.equal((await call(stack, owner.token, 'GET', '/api/batches/not-a-uuid/matrix')).status, 404);
    const bad = await call(stack, owner.token, 'GET', `/api/batches/${id}/events?jobs=yes`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'validation_error');
    await eventually(async () => (await call(stack, owner.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'completed', 'the batch to finish', 120_000);
  });

  it('refuses a batch that lists the same title twice, naming the line', async () => {
    const r = await call(stack, owner.token, 'POST', '/api/batches', smallBatch({ titles: ['One fine title', 'Another title', 'one fine title'] }));
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.error.details, [{ path: 'titles.2', message: 'duplicate of title 1' }]);
  });
});
