// End to end on the real stack: a 2-title × 3-language batch through the REST API, Temporal,
// PostgreSQL, versitygw S3 and the provider simulators driven by the production SDK clients.
import assert from 'node:assert/strict';
import { probeAudio } from '../support/audio-probe';
import { eventually, testAdminToken, testStack, type TestStack } from '../support/stack';

interface BatchBody {
  batch: { id: string; status: string; counts: Record<string, number>; workflowId: string };
}

async function api<T>(stack: TestStack, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await testAdminToken(stack)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

describe('walking skeleton: one batch end to end', function () {
  this.timeout(180_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('runs a 2 × 3 matrix: 2 masters, 4 adaptations, 6 syntheses, 6 MP3s in S3, complete rows', async () => {
    stack.simulators!.gemini.counters.reset();
    stack.simulators!.tts.counters.reset();
    const request = {
      mode: 'matrix',
      // Unique per run: an identical earlier batch would be served from the script cache.
      titles: [`How volcanoes shape islands ${Date.now()}`, `The long history of coffee ${Date.now()}`],
      languages: [
        { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
        { language: 'en-US', voice: 'en-US-Neural2-C' },
        { language: 'ja-JP', voice: 'ja-JP-Neural2-B' },
      ],
      masterLanguage: 'en-US',
      agent: { targetMinutes: 0.25 },
    };
    const created = await api<BatchBody>(stack, 'POST', '/api/batches', request);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { id } = created.json.batch;
    assert.equal(created.json.batch.counts.total, 6);

    const done = await eventually(async () => {
      const r = await api<BatchBody>(stack, 'GET', `/api/batches/${id}`);
      return r.json.batch.status === 'completed' ? r.json.batch : undefined;
    }, 'the batch to complete', 120_000);
    assert.deepEqual(done.counts, { total: 6, queued: 0, running: 0, completed: 6, failed: 0, cancelled: 0 });

    // Paid calls, as the simulators counted them.
    const gemini = stack.simulators!.gemini.counters.snapshot();
    assert.equal(gemini.byKind.master, 2, 'one master script per title');
    assert.equal(gemini.byKind.adaptation, 4, 'one adaptation per title per non-master language');
    assert.equal(gemini.total, 6);
    const tts = stack.simulators!.tts.counters.snapshot();
    assert.equal(tts.byEndpoint.synthesize, 6, 'one synthesis per job (each short script is one chunk)');
    assert.deepEqual(tts.errors, {});

    // Postgres rows.
    const jobs = await stack.db.selectFrom('jobs').selectAll().where('batch_id', '=', id).orderBy('seq').execute();
    assert.equal(jobs.length, 6);
    for (const j of jobs) {
      assert.equal(j.status, 'completed');
      assert.equal(j.attempts, 1);
      assert.ok(j.script_key?.endsWith('/script.txt'), `script key of job ${j.seq}`);
      assert.ok(j.audio_key?.endsWith('/audio.mp3'), `audio key of job ${j.seq}`);
      assert.ok((j.audio_bytes ?? 0) > 1000);
      assert.ok((j.audio_duration_ms ?? 0) > 1000);
      assert.ok(j.started_at && j.finished_at);
      assert.equal(j.error_code, null);
    }
    const scripts = await stack.db.selectFrom('scripts').select(['kind', 'language']).where('batch_id', '=', id).execute();
    assert.equal(scripts.filter((s) => s.kind === 'master').length, 2);
    assert.ok(scripts.filter((s) => s.kind === 'master').every((s) => s.language === 'en-US'));
    assert.equal(scripts.filter((s) => s.kind === 'adaptation').length, 4);
    const batchRow = await stack.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(batchRow.finished_at);

    // Objects in the S3-compatible server: 6 valid MP3s whose length, as ffmpeg plays them, matches the recorded one.
    const keys = await stack.storage.list(`batches/${id}/`);
    const audioKeys = keys.filter((k) => k.endsWith('.mp3'));
    assert.equal(audioKeys.length, 6);
    assert.equal(keys.filter((k) => k.endsWith('script.txt')).length, 6);
    for (const key of audioKeys) {
      const body = await stack.storage.get(key);
      const info = await probeAudio(body);
      assert.equal(info.codec, 'mp3', key);
      const job = jobs.find((j) => j.audio_key === key)!;
      assert.equal(body.length, job.audio_bytes);
      assert.ok(Math.abs(info.durationMs - job.audio_duration_ms!) < 150, `${key}: ${info.durationMs} vs ${job.audio_duration_ms}`);
    }
    const jaScript = (await stack.storage.get(jobs.find((j) => j.language === 'ja-JP')!.script_key!)).toString('utf8');
    assert.match(jaScript, /[\u3040-\u30ff]/, 'the Japanese script is written in Japanese script');

    // Temporal's view: the batch workflow completed, searchable by BatchId.
    // The row says completed a moment before the workflow returns (it still sends the completion webhook, if any).
    await stack.client.workflow.getHandle(done.workflowId).result();
    const description = await stack.client.workflow.getHandle(done.workflowId).describe();
    assert.equal(description.status.name, 'COMPLETED');
    const children = stack.client.workflow.list({ query: `BatchId = "${id}" AND WorkflowType = "jobWorkflow"` });
    let count = 0;
    for await (const c of children) {
      assert.equal(c.status.name, 'COMPLETED');
      count++;
    }
    assert.equal(count, 6);
  });

  it('rejects bad input with a specific 400 and creates nothing', async () => {
    const before = await stack.db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[unknown, RegExp]> = [
      [{ mode: 'matrix', titles: ['ok title'], languages: [{ language: 'pt-BR', voice: 'en-US-Neural2-A' }] }, /voice must belong to the language/],
      [{ mode: 'matrix', titles: ['no'], languages: [{ language: 'pt-BR', voice: 'pt-BR-Neural2-A' }] }, /at least 3 characters/],
      [{ mode: 'expand_titles', titles: ['one title'], languages: [{ language: 'pt-BR', voice: 'pt-BR-Neural2-A' }, { language: 'en-US', voice: 'en-US-Neural2-A' }] }, /exactly 1 language/],
      [{ mode: 'matrix', titles: ['ok title'], languages: [{ language: 'pt-BR', voice: 'pt-BR-Neural2-A' }], surprise: true }, /unknown field\(s\): surprise/],
      ['{"mode": "matrix", ', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await api<{ error: { code: string; message: string; details: unknown } }>(stack, 'POST', '/api/batches', body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'validation_error');
      assert.match(JSON.stringify(r.json.error), message);
    }
    const after = await stack.db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
    const missing = await api<{ error: { code: string } }>(stack, 'GET', '/api/batches/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'not_found');
  });
});
