// Agents, batches, jobs, links, exports and live progress through real HTTP on the real stack.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { LocalFolderStorage } from '../../adapters/storage';
import type { BoltApp } from '../../api/app';
import { LinkSigner } from '../../api/links';
import { shippedCatalog } from '../../domain/catalog';
import { geminiCallUsd, ttsUsd } from '../../domain/costs';
import { call, smallBatch } from '../support/http';
import { readEvents } from '../support/sse';
import { appOnStack, eventually, newTestUser, testStack, type TestStack } from '../support/stack';
import { unzip } from '../support/zip';

const agentFields = (extra: Record<string, unknown> = {}) => ({
  name: 'Science explainer',
  premisePrompt: 'Explain the science of the title with one surprising fact per block.',
  structurePrompt: 'Hook, three blocks, a one-line conclusion.',
  tone: 'curious and precise',
  targetMinutes: 0.2,
  masterLanguage: 'en-US',
  ...extra,
});

async function listen(app: BoltApp): Promise<{ url: string; server: Server }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server };
}

describe('API agents, batches, jobs and exports', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let user: { id: string; token: string };
  let batchId: string;

  const waitDone = (id: string) =>
    eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}`);
      return r.json.batch.status === 'completed' ? r.json.batch : undefined;
    }, `batch ${id} to complete`, 120_000);

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    user = await newTestUser(stack, 'batches');
    const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch());
    assert.equal(created.status, 201, created.text);
    batchId = created.json.batch.id;
    await waitDone(batchId);
  });

  describe('agents', () => {
    it('creates, reads, lists, versions on every edit, and deletes', async () => {
      const created = await call(stack, user.token, 'POST', '/api/agents', agentFields());
      assert.equal(created.status, 201, created.text);
      const a = created.json.agent;
      assert.equal(a.version, 1);
      assert.equal(a.masterLanguage, 'en-US');

      const edited = await call(stack, user.token, 'PUT', `/api/agents/${a.id}`, agentFields({ tone: 'playful' }));
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.json.agent.version, 2);
      assert.equal(edited.json.agent.tone, 'playful');

      const current = await call(stack, user.token, 'GET', `/api/agents/${a.id}`);
      assert.equal(current.json.agent.version, 2);
      const v1 = await call(stack, user.token, 'GET', `/api/agents/${a.id}/versions/1`);
      assert.equal(v1.status, 200);
      assert.equal(v1.json.agent.tone, 'curious and precise', 'old versions never change');
      const versions = await call(stack, user.token, 'GET', `/api/agents/${a.id}/versions`);
      assert.deepEqual(
        versions.json.versions.map((v: { version: number }) => v.version),
        [1, 2],
      );
      assert.equal((await call(stack, user.token, 'GET', `/api/agents/${a.id}/versions/3`)).status, 404);

      await call(stack, user.token, 'POST', '/api/agents', agentFields({ name: 'Second' }));
      const page = await call(stack, user.token, 'GET', '/api/agents?pageSize=1&page=2');
      assert.equal(page.status, 200);
      assert.equal(page.json.total, 2);
      assert.equal(page.json.agents.length, 1);
      assert.equal(page.json.agents[0].name, 'Science explainer', 'newest first: the first agent is on page 2');

      assert.equal((await call(stack, user.token, 'DELETE', `/api/agents/${a.id}`)).status, 204);
      assert.equal((await call(stack, user.token, 'GET', `/api/agents/${a.id}`)).status, 404);
      assert.equal((await call(stack, user.token, 'DELETE', `/api/agents/${a.id}`)).status, 404);
    });

    it('rejects invalid agents with validation_error naming each field', async () => {
      const r = await call(stack, user.token, 'POST', '/api/agents', { name: '', targetMinutes: 'five', surprise: 1 });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'validation_error');
      const paths = r.json.error.details.map((d: { path: string }) => d.path);
      for (const p of ['name', 'premisePrompt', 'structurePrompt', 'tone', 'targetMinutes']) assert.ok(paths.includes(p), `${p} in ${paths}`);
      assert.match(r.text, /unknown field\(s\): surprise/);
      const put = await call(stack, user.token, 'PUT', '/api/agents/00000000-0000-4000-8000-000000000000', { name: 'x' });
      assert.equal(put.status, 400, 'the body is checked before the agent is looked up');
      assert.equal((await call(stack, user.token, 'GET', '/api/agents/not-a-uuid')).status, 404);
      assert.equal((await call(stack, user.token, 'GET', '/api/agents?pageSize=0')).json.error.code, 'validation_error');
    });

    it('runs a batch with the saved agent and keeps the version it ran with', async () => {
      const a = (await call(stack, user.token, 'POST', '/api/agents', agentFields({ masterLanguage: 'pt-BR' }))).json.agent;
      await call(stack, user.token, 'PUT', `/api/agents/${a.id}`, agentFields({ masterLanguage: 'pt-BR', tone: 'solemn' }));
      const req = { ...smallBatch(), agent: undefined, agentId: a.id, agentVersion: 1 };
      const created = await call(stack, user.token, 'POST', '/api/batches', req);
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.json.batch.agent, { name: 'Science explainer', id: a.id, version: 1 });
      assert.equal(created.json.batch.masterLanguage, 'pt-BR', "the agent's master language is the default");
      await call(stack, user.token, 'PUT', `/api/agents/${a.id}`, agentFields({ tone: 'changed after the batch' }));
      const row = await stack.db.selectFrom('batches').select('options').where('id', '=', created.json.batch.id).executeTakeFirstOrThrow();
      assert.equal(row.options.agent.tone, 'curious and precise');
      assert.deepEqual(row.options.agentRef, { id: a.id, version: 1 });

      const current = await call(stack, user.token, 'POST', '/api/batches', { ...smallBatch(), agent: undefined, agentId: a.id });
      assert.equal(current.json.batch.agent.version, 3);
      await waitDone(created.json.batch.id);
      await waitDone(current.json.batch.id);
    });

    it('refuses unknown agents and conflicting agent fields', async () => {
      const unknown = await call(stack, user.token, 'POST', '/api/batches', { ...smallBatch(), agent: undefined, agentId: '00000000-0000-4000-8000-000000000000' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.error.code, 'validation_error');
      assert.equal(unknown.json.error.details[0].path, 'agentId');
      const both = await call(stack, user.token, 'POST', '/api/batches', { ...smallBatch(), agentId: '00000000-0000-4000-8000-000000000000' });
      assert.equal(both.status, 400);
      assert.match(both.text, /either agent or agentId/);
      const version = await call(stack, user.token, 'POST', '/api/batches', { ...smallBatch(), agentVersion: 2 });
      assert.equal(version.status, 400);
      assert.match(version.text, /agentVersion needs agentId/);
    });

    it('refuses a voice the catalog does not have, naming it, and creates nothing', async () => {
      const before = await call(stack, user.token, 'GET', '/api/batches?pageSize=1');
      const r = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ languages: [{ language: 'en-US', voice: 'en-US-Neural2-C' }, { language: 'pt-BR', voice: 'pt-BR-Neural2-Q' }] }));
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, 'validation_error');
      assert.deepEqual(r.json.error.details, [{ path: 'languages.1.voice', message: 'unknown voice pt-BR-Neural2-Q; see GET /api/voices?language=pt-BR' }]);
      const after = await call(stack, user.token, 'GET', '/api/batches?pageSize=1');
      assert.equal(after.json.total, before.json.total, 'no batch was written');
    });
  });

  describe('batches and jobs', () => {
    it('lists batches with pagination and a status filter', async () => {
      const all = await call(stack, user.token, 'GET', '/api/batches');
      assert.equal(all.status, 200);
      assert.ok(all.json.total >= 1);
      assert.equal(all.json.pageSize, 25);
      const one = await call(stack, user.token, 'GET', '/api/batches?pageSize=1');
      assert.equal(one.json.batches.length, 1);
      const completed = await call(stack, user.token, 'GET', '/api/batches?status=completed&pageSize=200');
      assert.ok(completed.json.batches.every((b: { status: string }) => b.status === 'completed'));
      assert.ok(completed.json.batches.some((b: { id: string }) => b.id === batchId));
      const none = await call(stack, user.token, 'GET', '/api/batches?status=paused');
      assert.equal(none.json.total, 0);
      for (const q of ['status=done', 'pageSize=201', 'page=0', 'page=1e3', 'page=1&page=2', 'colour=red']) {
        const bad = await call(stack, user.token, 'GET', `/api/batches?${q}`);
        assert.equal(bad.status, 400, q);
        assert.equal(bad.json.error.code, 'validation_error', q);
      }
    });

    it('shows counts per status, per-language progress, ETA, and spend against the launch estimate', async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${batchId}`);
      assert.equal(r.status, 200);
      const b = r.json.batch;
      assert.deepEqual(b.counts, { total: 2, queued: 0, running: 0, completed: 2, failed: 0, cancelled: 0 });
      assert.deepEqual(
        b.languageProgress.map((l: { language: string; total: number; completed: number; percent: number }) => [l.language, l.total, l.completed, l.percent]),
        [
          ['en-US', 1, 1, 100],
          ['pt-BR', 1, 1, 100],
        ],
      );
      assert.equal(b.progress.percent, 100);
      assert.equal(b.progress.etaSeconds, 0);
      // Spend is what the stored calls cost at the configured prices, counted once per call.
      const { prices } = shippedCatalog();
      const scripts = await stack.db.selectFrom('scripts').select(['model', 'input_tokens', 'output_tokens']).where('batch_id', '=', batchId).execute();
      const jobs = await stack.db.selectFrom('jobs').select(['voice', 'script_key', 'tts_characters']).where('batch_id', '=', batchId).execute();
      let expected = scripts.reduce((n, r) => n + geminiCallUsd(prices, r.model, r.input_tokens, r.output_tokens), 0);
      for (const j of jobs) {
        const text = (await stack.storage.get(j.script_key!)).toString('utf8');
        // script.txt is the title, a blank line, then the narration that was spoken.
        const spoken = text.slice(text.indexOf('\n\n') + 2).replace(/\n$/, '');
        // Billed as sent: the narration plus its SSML markup (Google counts every tag but <mark>), never less.
        assert.ok(j.tts_characters! >= [...spoken].length, `billed characters (${j.tts_characters}) cover the narration (${[...spoken].length})`);
        assert.ok(j.tts_characters! <= [...spoken].length * 1.2 + 40, `billed characters (${j.tts_characters}) are the narration and its markup only`);
        expected += ttsUsd(prices, j.voice, j.tts_characters!);
      }
      assert.ok(expected > 0);
      assert.equal(b.cost.currency, 'USD');
      assert.equal(b.cost.budgetUsd, null);
      assert.ok(Math.abs(b.cost.spentUsd - expected) < 1e-6, `spent ${b.cost.spentUsd} vs ${expected}`);
      assert.ok(b.cost.estimateUsd > 0, 'the launch estimate is stored with the batch');
      assert.equal(b.cost.estimateUsd, b.estimate.costUsd.total);
      assert.equal(b.estimate.jobs, 2);
      assert.equal(b.estimate.actual.completedJobs, 2);
      assert.ok(Math.abs(b.estimate.actual.spentUsd - b.cost.spentUsd) < 1e-6);
      assert.equal(b.estimate.comparison.ttsCharacters.actual, b.estimate.actual.ttsCharacters);
      assert.equal(b.estimate.comparison.ttsCharacters.estimated, b.estimate.ttsCharacters);
      assert.equal(b.estimate.comparison.costUsd.actual, b.estimate.actual.spentUsd);
      assert.equal((await call(stack, user.token, 'GET', '/api/batches/nope')).json.error.code, 'not_found');
    });

    it('runs each job in two activities (its row started and its master asked for by the activity that started it): its adaptation, and one TTS activity that stores the script, speaks and completes it', async () => {
      const seen: string[] = [];
      for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "job-${batchId}"` })) {
        const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        const names = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
        seen.push(names.join(' → '));
      }
      // The master language's job speaks its master as written: no adaptation.
      assert.deepEqual(seen.sort(), ['adaptScript → synthesizeSpeech', 'synthesizeSpeech']);
      const rows = await stack.db.selectFrom('jobs').select(['status', 'script_key', 'started_at', 'finished_at', 'attempts']).where('batch_id', '=', batchId).execute();
      for (const row of rows) {
        assert.equal(row.status, 'completed');
        assert.equal(row.attempts, 1, 'started once, one attempt counted');
        assert.ok(row.started_at && row.finished_at && row.started_at <= row.finished_at, 'started, then completed');
        assert.match(row.script_key ?? '', /script\.txt$/, 'the script text stored');
      }
    });

    it('pages jobs (25 by default) and filters them by status and language', async () => {
      const all = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs`);
      assert.equal(all.status, 200);
      assert.equal(all.json.pageSize, 25);
      assert.equal(all.json.total, 2);
      assert.deepEqual(
        all.json.jobs.map((j: { seq: number }) => j.seq),
        [0, 1],
      );
      const pt = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs?language=pt-BR`);
      assert.equal(pt.json.total, 1);
      assert.equal(pt.json.jobs[0].language, 'pt-BR');
      const failed = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs?status=failed`);
      assert.equal(failed.json.total, 0);
      const second = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs?pageSize=1&page=2`);
      assert.equal(second.json.jobs[0].seq, 1);
      const bad = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs?language=portuguese`);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'validation_error');
    });

    it('shows one job with its script, expiring presigned audio and script links, timings and attempts', async () => {
      const jobs = await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs`);
      const r = await call(stack, user.token, 'GET', `/api/jobs/${jobs.json.jobs[1].id}`);
      assert.equal(r.status, 200, r.text);
      const job = r.json.job;
      const row = await stack.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      assert.equal(job.script.text, (await stack.storage.get(row.script_key!)).toString('utf8'));
      assert.equal(job.attempts, 1);
      assert.equal(job.error, null);
      assert.ok(job.timings.startedAt && job.timings.finishedAt && job.timings.runMs >= 0);
      assert.ok(new Date(job.audio.expiresAt).getTime() > Date.now());
      assert.match(job.audio.url, /X-Amz-Signature=/);
      assert.match(job.audio.url, /X-Amz-Expires=900/);
      const audio = await fetch(job.audio.url);
      assert.equal(audio.status, 200);
      const bytes = Buffer.from(await audio.arrayBuffer());
      assert.equal(bytes.length, row.audio_bytes);
      assert.ok(bytes.equals(await stack.storage.get(row.audio_key!)));
      const forged = await fetch(job.audio.url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'));
      assert.equal(forged.status, 403, 'S3 refuses a forged signature');
      assert.deepEqual(
        job.subtitles.map((t: { format: string }) => t.format).sort(),
        ['srt', 'vtt'],
      );
      const vtt = await fetch(job.subtitles.find((t: { format: string }) => t.format === 'vtt').url);
      assert.match(await vtt.text(), /^WEBVTT[\s\S]*-->/);
      const script = await fetch(job.script.url);
      assert.equal(await script.text(), job.script.text);
      assert.equal((await call(stack, user.token, 'GET', '/api/jobs/00000000-0000-4000-8000-000000000000')).status, 404);
      assert.equal((await call(stack, user.token, 'GET', '/api/jobs/123')).json.error.code, 'not_found');
    });

    it('serves local-folder outputs through signed links that expire', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-links-'));
      const storage = new LocalFolderStorage(dir);
      const secret = 'x'.repeat(40);
      const app = appOnStack(stack, { storage, urlSigningSecret: secret });
      const { url, server } = await listen(app);
      try {
        const key = 'batches/b/en-US/0001-v1-t/audio.mp3';
        await storage.put(key, Buffer.from('ID3 fake audio bytes'));
        const signer = new LinkSigner(storage, secret);
        const link = await signer.link(key, url);
        const ok = await fetch(link.url);
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.get('content-type'), 'audio/mpeg');
        assert.equal(await ok.text(), 'ID3 fake audio bytes');
        const tampered = await fetch(link.url.replace('audio.mp3', 'script.txt'));
        assert.equal(tampered.status, 403);
        assert.equal(((await tampered.json()) as { error: { code: string } }).error.code, 'link_invalid');
        const expired = await signer.link(key, url, Date.now() - 3600_000);
        assert.equal((await fetch(expired.url)).status, 403);
        const otherSecret = await new LinkSigner(storage, 'y'.repeat(40)).link(key, url);
        assert.equal((await fetch(otherSecret.url)).status, 403);
        const missing = await fetch(`${url}/api/files?key=${encodeURIComponent(key)}`);
        assert.equal(missing.status, 400);
        const escape = await signer.link('../../etc/passwd', url);
        assert.equal((await fetch(escape.url)).status, 404, 'keys that leave the storage root name nothing');
      } finally {
        server.closeAllConnections();
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('exports', () => {
    it('gives the manifest as JSON and as CSV', async () => {
      const json = await call(stack, user.token, 'GET', `/api/batches/${batchId}/manifest`);
      assert.equal(json.status, 200, json.text);
      assert.equal(json.json.batch.id, batchId);
      assert.equal(json.json.jobs.length, 2);
      for (const j of json.json.jobs) {
        assert.match(j.audio, new RegExp(`^${j.language}/0001-v1-[a-z0-9-]+/audio\\.mp3$`));
        assert.match(j.script, /\/script\.txt$/);
      }
      const csv = await call(stack, user.token, 'GET', `/api/batches/${batchId}/manifest?format=csv`);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = csv.text.trimEnd().split('\r\n');
      assert.equal(lines[0], 'seq,title,language,voice,variation,status,script,audio,audio_bytes,audio_duration_ms,error_stage,error_code,error_message');
      assert.equal(lines.length, 3);
      assert.ok(lines[1]!.startsWith('0,How tides follow the moon,en-US,en-US-Neural2-C,1,completed,'));
      const bad = await call(stack, user.token, 'GET', `/api/batches/${batchId}/manifest?format=xml`);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'validation_error');
    });

    it('streams a ZIP whose every file matches storage, organised by language and title', async () => {
      const res = await fetch(`${stack.apiUrl}/api/batches/${batchId}/download`, { headers: { authorization: `Bearer ${user.token}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/zip');
      assert.equal(res.headers.get('content-length'), null, 'streamed, not buffered');
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`batch-${batchId}\\.zip`));
      const entries = await unzip(Buffer.from(await res.arrayBuffer()));
      const keys = await stack.storage.list(`batches/${batchId}/`);
      assert.equal(keys.length, 8, 'a script, an audio file and SRT and VTT subtitles per job');
      const expected = ['manifest.csv', 'manifest.json', ...keys.map((k) => k.slice(`batches/${batchId}/`.length))].sort();
      assert.deepEqual([...entries.keys()].sort(), expected);
      for (const key of keys) {
        const name = key.slice(`batches/${batchId}/`.length);
        assert.match(name, /^(en-US|pt-BR)\/0001-v1-how-tides-follow-the-moon\/(script\.txt|audio\.mp3|subtitles\.srt|subtitles\.vtt)$/);
        assert.ok(entries.get(name)!.equals(await stack.storage.get(key)), `${name} is byte for byte the stored object`);
      }
      const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
      assert.equal(manifest.jobs.length, 2);
      for (const j of manifest.jobs) assert.ok(entries.has(j.audio) && entries.has(j.script));
      const csv = await call(stack, user.token, 'GET', `/api/batches/${batchId}/manifest?format=csv`);
      assert.equal(entries.get('manifest.csv')!.toString('utf8'), csv.text);
    });

    it('answers 404 for a missing batch', async () => {
      for (const p of ['download', 'manifest', 'events', 'jobs']) {
        const r = await call(stack, user.token, 'GET', `/api/batches/00000000-0000-4000-8000-000000000000/${p}`);
        assert.equal(r.status, 404, p);
        assert.equal(r.json.error.code, 'not_found');
      }
    });
  });

  describe('live progress', () => {
    it('streams ordered progress events, from one shared poll, and ends at completion', async function () {
      const app = appOnStack(stack);
      const { url, server } = await listen(app);
      try {
        const created = await call(stack, user.token, 'POST', '/api/batches', smallBatch({ titles: ['Why the sky is blue', 'How bees find flowers'] }));
        const id = created.json.batch.id;
        const streams = [0, 1, 2].map(() => readEvents(`${url}/api/batches/${id}/events`, user.token));
        const hub = app.locals.progress;
        const shared = await eventually(async () => {
          const s = hub.stats();
          return s.subscribers === 3 || s.polls > 0 ? s : undefined;
        }, 'three subscribers', 30_000, 20);
        if (shared.subscribers === 3) assert.equal(shared.batches, 1, 'three subscribers of one batch share one watched entry');
        const results = await Promise.all(streams);
        for (const { status, events } of results) {
          assert.equal(status, 200);
          assert.ok(events.length >= 2);
          const ids = events.map((e) => Number(e.id));
          assert.deepEqual(
            ids,
            ids.map((_, i) => i + 1),
            'ids count up from 1 without gaps',
          );
          const last = events[events.length - 1]!;
          assert.equal(last.event, 'end');
          assert.equal(JSON.parse(last.data).status, 'completed');
          assert.equal(JSON.parse(last.data).counts.completed, 4);
          let done = -1;
          for (const e of events) {
            const d = JSON.parse(e.data);
            assert.equal(d.id, id);
            assert.ok(d.done >= done, 'progress never goes backwards');
            done = d.done;
          }
          assert.ok(events.slice(0, -1).every((e) => e.event === 'progress'));
        }
        assert.deepEqual(hub.stats().batches, 0, 'the hub stops watching a finished batch');
        const after = await readEvents(`${url}/api/batches/${id}/events`, user.token);
        assert.deepEqual(
          after.events.map((e) => e.event),
          ['progress', 'end'],
          'a finished batch answers at once',
        );
      } finally {
        app.locals.progress.stop();
        server.closeAllConnections();
        server.close();
      }
    });
  });
});
