// The catalog and estimate routes on the real stack: languages and voices from the shipped catalog, every
// bad input answered with a 4xx in the one error shape, an estimate judged against a real batch of
// 100 simulated jobs (TTS characters and Gemini tokens within ±15%), and cache hits seen before a rerun.
import assert from 'node:assert/strict';
import { judgeEstimate } from '../../domain/estimates';
import { AgentInputSchema } from '../../api/schemas';
import { batchActuals } from '../../db/estimates';
import { shippedCatalog } from '../../domain/catalog';
import { estimateBatch, type BatchEstimate } from '../../domain/estimates';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

// One user of this file's own: the estimator calibrates on a user's own recent scripts, so the batches of
// other test files (run by the admin) do not blur what this file measures.
let fileUser: Promise<{ token: string }> | undefined;
const fileToken = async (stack: TestStack) => (await (fileUser ??= newTestUser(stack, 'catalog'))).token;

interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

async function api<T>(stack: TestStack, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await fileToken(stack)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function runBatch(stack: TestStack, request: unknown): Promise<string> {
  const created = await api<{ batch: { id: string } }>(stack, 'POST', '/api/batches', request);
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.batch.id;
  await eventually(async () => {
    const r = await api<{ batch: { status: string } }>(stack, 'GET', `/api/batches/${id}`);
    return r.json.batch.status === 'completed';
  }, `batch ${id} to complete`, 240_000, 250);
  return id;
}

describe('catalog and estimate routes', function () {
  this.timeout(300_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('GET /api/languages lists every locale of the catalog with its families', async () => {
    const r = await api<{ languages: Array<{ code: string; name: string; voices: number; chirp3Hd: boolean; families: Array<{ family: string }> }>; total: number; voices: number }>(stack, 'GET', '/api/languages');
    assert.equal(r.status, 200);
    assert.equal(r.json.total, shippedCatalog().catalog.languages.length);
    const pt = r.json.languages.find((l) => l.code === 'pt-BR')!;
    assert.equal(pt.name, 'Portuguese (Brazil)');
    // 43 classic voices plus the 30 Gemini-TTS speakers on each of the 2 models.
    assert.equal(pt.voices, 43 + 60);
    assert.equal(pt.chirp3Hd, true);
    assert.deepEqual(pt.families.map((f) => f.family), ['chirp3-hd', 'gemini', 'neural2', 'standard', 'wavenet']);
    const bad = await api<ErrorBody>(stack, 'GET', '/api/languages?page=2');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json.error.details), /unknown field\(s\): page/);
  });

  it('GET /api/voices filters by locale, base language, family and gender', async () => {
    type Voices = { voices: Array<{ name: string; family: string; gender: string; capabilities: { ssml: boolean; pitch: boolean }; pricePerMillionCharacters: number }>; total: number };
    const pt = await api<Voices>(stack, 'GET', '/api/voices?language=pt-BR');
    assert.equal(pt.status, 200);
    assert.equal(pt.json.total, 43 + 60);
    const kore = pt.json.voices.find((v) => v.name === 'pt-BR-Chirp3-HD-Kore')!;
    assert.deepEqual([kore.family, kore.gender, kore.capabilities.ssml, kore.pricePerMillionCharacters], ['chirp3-hd', 'FEMALE', false, 30]);
    const base = await api<Voices>(stack, 'GET', '/api/voices?language=pt');
    assert.ok(base.json.voices.some((v) => v.name.startsWith('pt-PT-')) && base.json.total > pt.json.total);
    const studio = await api<Voices>(stack, 'GET', '/api/voices?language=en-US&family=studio&gender=MALE');
    assert.deepEqual(studio.json.voices.map((v) => v.name), ['en-US-Studio-Q']);

    const unknown = await api<ErrorBody>(stack, 'GET', '/api/voices?language=xx-YY');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'not_found');
    for (const q of ['language=portuguese', 'family=robot', 'gender=robot', 'language=pt-BR&sort=name']) {
      const r = await api<ErrorBody>(stack, 'GET', `/api/voices?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.error.code, 'validation_error', q);
      assert.ok(Array.isArray(r.json.error.details), q);
    }
  });

  it('POST /api/estimates answers bad input with a specific 400', async () => {
    const ok = { mode: 'matrix', titles: ['A fine title'], languages: [{ language: 'pt-BR', voice: 'pt-BR-Neural2-A' }] };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...ok, languages: [{ language: 'pt-BR', voice: 'pt-BR-Neural2-Z' }] }, /languages\.0\.voice.*unknown voice pt-BR-Neural2-Z/],
      [{ ...ok, languages: [{ language: 'pt-BR', voice: 'en-US-Neural2-A' }] }, /voice must belong to the language/],
      [{ ...ok, mode: 'expand_titles', languages: [...ok.languages, { language: 'en-US', voice: 'en-US-Neural2-A' }] }, /exactly 1 language/],
      [{ ...ok, model: 'gemini-9-ultra' }, /no price for Gemini model gemini-9-ultra/],
      [{ ...ok, model: 'gpt-4' }, /must be a Gemini model name/],
      [{ ...ok, keys: { gemini: 0 } }, /keys\.gemini/],
      [{ ...ok, surprise: 1 }, /unknown field\(s\): surprise/],
      [{ ...ok, titles: [] }, /at least one title/],
      ['{"mode":', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await api<ErrorBody>(stack, 'POST', '/api/estimates', body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'validation_error');
      assert.match(JSON.stringify(r.json.error), message);
    }
    const good = await api<{ estimate: BatchEstimate; withinBudget: boolean | null }>(stack, 'POST', '/api/estimates', { ...ok, budgetUsd: 100 });
    assert.equal(good.status, 200, JSON.stringify(good.json));
    assert.equal(good.json.estimate.counts.jobs, 1);
    assert.equal(good.json.withinBudget, true);
  });

  it('estimates a 100-job batch within ±15% of its actual TTS characters and Gemini tokens', async () => {
    const languages = [
      { language: 'en-US', voice: 'en-US-Neural2-C' },
      { language: 'pt-BR', voice: 'pt-BR-Chirp3-HD-Kore' },
      { language: 'es-ES', voice: 'es-ES-Wavenet-F' },
      { language: 'fr-FR', voice: 'fr-FR-Studio-A' },
      { language: 'de-DE', voice: 'de-DE-Standard-G' },
    ];
    const agent = { targetMinutes: 0.25 };
    // A first, small batch: the estimator calibrates itself on the scripts of recent work.
    await runBatch(stack, { mode: 'matrix', titles: ['Why the sea is salty', 'How bridges carry weight'], languages, masterLanguage: 'en-US', agent });

    const titles = Array.from({ length: 20 }, (_, i) => `Unusual facts about invention number ${i + 1} and its makers`);
    const request = { mode: 'matrix', titles, languages, masterLanguage: 'en-US', agent };
    const est = await api<{ estimate: BatchEstimate }>(stack, 'POST', '/api/estimates', request);
    assert.equal(est.status, 200, JSON.stringify(est.json));
    const estimate = est.json.estimate;
    assert.equal(estimate.counts.jobs, 100);
    // Calibrated on this user's own scripts only (2 masters + 8 adaptations), not on the other files' batches.
    assert.equal(estimate.basis.calibrationSamples, 10, 'calibrated on the first batch');

    const id = await runBatch(stack, request);
    const actual = await batchActuals(stack.db, id);
    assert.equal(actual.completedJobs, 100);
    assert.deepEqual(actual.scripts, { masters: estimate.counts.masters, adaptations: estimate.counts.adaptations });

    const judged = judgeEstimate(estimate, actual);
    const { prices } = shippedCatalog();
    const uncalibrated = estimateBatch({ ...request, mode: 'matrix', variations: 1, agent: AgentInputSchema.parse(agent), model: estimate.providers.gemini.model }, prices);
    console.log(
      `      estimate vs actual (100 jobs): TTS characters ${judged.ttsCharacters.estimated} vs ${judged.ttsCharacters.actual} (${pct(judged.ttsCharacters.error)}), ` +
        `Gemini tokens ${judged.geminiTokens.estimated} vs ${judged.geminiTokens.actual} (${pct(judged.geminiTokens.error)}; input ${pct(judged.inputTokens.error)}, output ${pct(judged.outputTokens.error)}), ` +
        `calibrated on ${estimate.basis.calibrationSamples} scripts; uncalibrated defaults would say ${uncalibrated.providers.tts.characters} characters`,
    );
    assert.ok(Math.abs(judged.ttsCharacters.error!) <= 0.15, `TTS characters off by ${pct(judged.ttsCharacters.error)}`);
    assert.ok(Math.abs(judged.geminiTokens.error!) <= 0.15, `Gemini tokens off by ${pct(judged.geminiTokens.error)}`);

    // The same batch again: every script is in the content-addressed cache now, so no Gemini call is due.
    const again = await api<{ estimate: BatchEstimate }>(stack, 'POST', '/api/estimates', request);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.deepEqual(again.json.estimate.counts.cacheHits, { masters: 20, adaptations: 80, syntheses: 0 });
    assert.deepEqual([again.json.estimate.counts.masters, again.json.estimate.counts.adaptations, again.json.estimate.providers.gemini.calls], [0, 0, 0]);
    assert.equal(again.json.estimate.cost.geminiUsd, 0);
    assert.equal(again.json.estimate.counts.syntheses, 100, 'audio is still made');
    assert.ok(again.json.estimate.providers.tts.characters > 0);

    // Another user asking the same: the cache holds those scripts, but not theirs, so nothing is revealed.
    const other = await newTestUser(stack, 'estimator');
    const theirs = await fetch(`${stack.apiUrl}/api/estimates`, { method: 'POST', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' }, body: JSON.stringify(request) });
    const theirEstimate = ((await theirs.json()) as { estimate: BatchEstimate }).estimate;
    assert.deepEqual(theirEstimate.counts.cacheHits, { masters: 0, adaptations: 0, syntheses: 0 });
    assert.deepEqual([theirEstimate.counts.masters, theirEstimate.counts.adaptations], [20, 80]);
  });
});

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}
