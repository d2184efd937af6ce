// Gemini-TTS end to end through the API on the real stack: the catalog's 80+ locales, filters by family and model,
// a batch in five locales only Gemini-TTS serves (audio, subtitles, spend in tokens, the style prompt on the wire),
// the launch estimate against the real tokens, a style prompt a classic voice ignores (noted on the job), and previews.
import assert from 'node:assert/strict';
import { leaseKey } from '../../db/key-leases';
import { modelUsageNow, restampModelRequests, restModel } from '../../db/key-model-usage';
import { MODEL_RPM_WINDOW_MS, SEND_TO_ARRIVAL_MS } from '../../domain/quota';
import { shippedCatalog } from '../../domain/catalog';
import { geminiTtsUsd } from '../../domain/gemini-tts';
import { parseSrt } from '../../domain/subtitles';
import { probeAudio } from '../support/audio-probe';
import { call } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const LOCALES = ['am-ET', 'ka-GE', 'lo-LA', 'mn-MN', 'sw-KE'];
const STYLE = 'warm, unhurried documentary narrator';
const agent = { targetMinutes: 0.3, voiceStyle: STYLE };

describe('Gemini-TTS through the API', function () {
  this.timeout(1_200_000);
  let stack: TestStack;
  let user: { id: string; token: string };

  const waitDone = (id: string) =>
    eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.json.batch.status) ? r.json.batch : undefined;
    }, `batch ${id} to end`, 900_000, 1000);

  const launch = async (titles: string[], languages: Array<{ language: string; voice: string }>, a: Record<string, unknown> = agent) => {
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'matrix', titles, languages, masterLanguage: 'en-US', agent: a });
    assert.equal(created.status, 201, created.text);
    return created.json.batch.id as string;
  };

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    user = await newTestUser(stack, 'gemini');
  });

  it('lists at least 80 locales, each with a voice the catalog can speak, and counts them per family', async () => {
    const r = await call(stack, undefined, 'GET', '/api/languages');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.total >= 80, `${r.json.total} locales`);
    for (const l of r.json.languages) assert.ok(l.voices > 0, l.code);
    const only = r.json.languages.filter((l: { families: Array<{ family: string }> }) => l.families.every((f) => f.family === 'gemini')).map((l: { code: string }) => l.code);
    // Of the issue's five, am-ET and sw-KE also have classic voices (Standard/WaveNet; Chirp 3: HD for sw-KE).
    for (const code of ['ka-GE', 'lo-LA', 'mn-MN']) assert.ok(only.includes(code), `${code} is served by Gemini-TTS only`);
    for (const code of LOCALES) assert.ok(r.json.languages.find((l: { code: string }) => l.code === code)?.gemini?.models.length === 2, `${code} has both models`);
    assert.ok(r.json.byFamily.gemini.locales >= 80);
    console.log(`      locales: ${r.json.total} in all, ${only.length} only through Gemini-TTS; per family: ${Object.entries(r.json.byFamily).map(([f, c]) => `${f} ${(c as { locales: number }).locales}`).join(', ')}`);
  });

  it('filters voices by family and model, with the token price and no character price', async () => {
    const r = await call(stack, undefined, 'GET', '/api/voices?language=ka-GE&family=gemini&model=gemini-2.5-pro-tts');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 30);
    for (const v of r.json.voices) {
      assert.equal(v.model, 'gemini-2.5-pro-tts');
      assert.equal(v.pricePerMillionCharacters, null);
      assert.ok(v.pricePerMillionTokens.audioOutput > 0);
      assert.ok(['MALE', 'FEMALE'].includes(v.gender));
    }
    const none = await call(stack, undefined, 'GET', '/api/voices?language=en-US&family=neural2&model=gemini-2.5-pro-tts');
    assert.equal(none.json.total, 0);
    const bad = await call(stack, undefined, 'GET', '/api/voices?model=tts-1');
    assert.equal(bad.status, 400);
  });

  it('runs 3 titles × the 5 locales of the issue on Gemini-TTS with audio, subtitles, the style prompt and spend in tokens; the estimate is within ±15% of the tokens', async () => {
    const voices = LOCALES.map((language, i) => ({ language, voice: `${language}-${i % 2 ? 'GeminiPro25' : 'GeminiFlash25'}-${['Kore', 'Charon', 'Puck', 'Aoede', 'Fenrir'][i]}` }));
    // A first, smaller batch gives the estimator its calibration (script lengths and speaking rate), as real use would.
    const warm = await launch(['The salt roads of the Sahara'], voices);
    assert.equal((await waitDone(warm)).status, 'completed');
    const before = stack.simulators!.tts.received.total;

    const batchId = await launch(['How volcanoes shape islands', 'The long history of coffee', 'Why the sky is blue'], voices);
    const batch = await waitDone(batchId);
    assert.equal(batch.status, 'completed', JSON.stringify(batch.counts));
    assert.equal(batch.counts.completed, 15);

    const jobs = (await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs?pageSize=50`)).json.jobs as Array<{ id: string }>;
    assert.equal(jobs.length, 15);
    const { prices } = shippedCatalog();
    let inTokens = 0;
    let outTokens = 0;
    let usd = 0;
    for (const { id } of jobs) {
      const job = (await call(stack, user.token, 'GET', `/api/jobs/${id}`)).json.job;
      assert.equal(job.status, 'completed');
      assert.equal(job.note, null, 'a Gemini-TTS voice takes the style prompt');
      const mp3 = Buffer.from(await (await fetch(job.audio.url)).arrayBuffer());
      const info = await probeAudio(mp3);
      assert.equal(info.codec, 'mp3');
      assert.ok(info.durationMs > 1000, `${job.language}: ${info.durationMs} ms of audio`);
      const srt = job.subtitles.find((s: { format: string }) => s.format === 'srt');
      const cues = parseSrt(await (await fetch(srt.url)).text());
      assert.ok(cues.length > 0);
      assert.ok(cues[cues.length - 1]!.endMs <= job.audio.durationMs, 'cues stay inside the audio');
      // Billed by tokens: text in, audio out at 32 tokens a second of speech.
      assert.ok(job.tts.model.startsWith('gemini-2.5-'), JSON.stringify(job.tts));
      assert.ok(job.tts.outputTokens >= Math.floor((job.audio.durationMs / 1000) * 32) - 2, `${job.tts.outputTokens} audio tokens for ${job.audio.durationMs} ms`);
      assert.ok(job.tts.inputTokens > 0);
      assert.equal(job.tts.costUsd, geminiTtsUsd(prices.geminiTts, job.tts.model, job.tts.inputTokens, job.tts.outputTokens));
      inTokens += job.tts.inputTokens;
      outTokens += job.tts.outputTokens;
      usd += job.tts.costUsd;
    }

    // On the wire: the bare speaker, the model, the locale and the agent's style prompt, as Cloud TTS documents them.
    const sent = stack.simulators!.tts.received.since(before).map((r) => r.body as { voice: Record<string, string>; input: Record<string, string> });
    assert.ok(sent.length >= 15);
    for (const b of sent) {
      assert.ok(['Kore', 'Charon', 'Puck', 'Aoede', 'Fenrir'].includes(b.voice.name!), JSON.stringify(b.voice));
      assert.match(b.voice.modelName!, /^gemini-2\.5-(flash|pro)-tts$/);
      assert.ok(LOCALES.includes(b.voice.languageCode!));
      assert.equal(b.input.prompt, STYLE);
      assert.equal(b.input.ssml, undefined);
    }

    const detail = (await call(stack, user.token, 'GET', `/api/batches/${batchId}`)).json.batch;
    assert.ok(detail.cost.spentUsd >= usd - 1e-6, `spend ${detail.cost.spentUsd} covers the narrations' ${usd}`);
    assert.deepEqual(detail.estimate.actual.ttsTokens, { input: inTokens, output: outTokens });
    const cmp = detail.estimate.comparison.ttsTokens;
    console.log(`      Gemini-TTS tokens: estimated ${cmp.estimated}, actual ${cmp.actual} (${(cmp.error * 100).toFixed(1)}%)`);
    assert.ok(Math.abs(cmp.error) <= 0.15, `estimate off by ${(cmp.error * 100).toFixed(1)}%`);
  });

  it('notes on the job when a voice ignores the style prompt, and previews a Gemini-TTS voice', async () => {
    const batchId = await launch(['A short note on tea'], [{ language: 'en-US', voice: 'en-US-Neural2-A' }], { targetMinutes: 0.1, voiceStyle: STYLE });
    assert.equal((await waitDone(batchId)).status, 'completed');
    const [job] = (await call(stack, user.token, 'GET', `/api/batches/${batchId}/jobs`)).json.jobs;
    assert.match(job.note, /voiceStyle ignored: Neural2 voices take no style prompt/);

    const preview = await call(stack, user.token, 'GET', '/api/voices/lo-LA-GeminiPro25-Zephyr/preview');
    assert.equal(preview.status, 200, preview.text);
    const last = stack.simulators!.tts.received.last()!.body as { voice: Record<string, string> };
    assert.deepEqual(last.voice, { languageCode: 'lo-LA', name: 'Zephyr', modelName: 'gemini-2.5-pro-tts' });
  });

  it('versions the style prompt with the agent and refuses one over 1,000 characters', async () => {
    const fields = { name: 'Narrator', premisePrompt: 'Explain.', structurePrompt: 'Hook, body, end.', tone: 'calm', targetMinutes: 0.2, voiceStyle: STYLE };
    const created = await call(stack, user.token, 'POST', '/api/agents', fields);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.agent.voiceStyle, STYLE);
    const edited = await call(stack, user.token, 'PUT', `/api/agents/${created.json.agent.id}`, { ...fields, voiceStyle: 'bright radio host' });
    assert.equal(edited.json.agent.version, 2);
    const v1 = await call(stack, user.token, 'GET', `/api/agents/${created.json.agent.id}/versions/1`);
    assert.equal(v1.json.agent.voiceStyle, STYLE);
    const tooLong = await call(stack, user.token, 'POST', '/api/agents', { ...fields, voiceStyle: 'x'.repeat(1001) });
    assert.equal(tooLong.status, 400);
  });

  it("counts a Gemini-TTS model's requests against its own quota, apart from the classic voices of the same key", async () => {
    const model = { name: `gemini-test-${process.pid}-tts`, rpm: 2 };
    const first = await leaseKey(stack.db, 'tts', { model });
    const second = await leaseKey(stack.db, 'tts', { model });
    assert.ok('keyId' in first && 'keyId' in second, 'two requests fit the model quota');
    const third = await leaseKey(stack.db, 'tts', { model });
    assert.ok(!('keyId' in third) && third.waitUntil && third.waitUntil.getTime() > Date.now() + 30_000, 'the third waits for the model minute');
    const classic = await leaseKey(stack.db, 'tts', {});
    assert.ok('keyId' in classic, 'classic voices on the same key are not held back');
    const usage = (await modelUsageNow(stack.db, 'tts')).filter((u) => u.model === model.name);
    assert.equal(usage.reduce((n, u) => n + u.lastMinute, 0), 2);

    // A 429 for another model's quota holds that model back until the retry time, and not the key.
    const other = { name: `gemini-test-${process.pid}-b-tts`, rpm: 100 };
    const lease = await leaseKey(stack.db, 'tts', { model: other });
    assert.ok('keyId' in lease);
    const until = new Date(Date.now() + 45_000);
    await restModel(stack.db, 'tts', other, lease, until);
    const held = await leaseKey(stack.db, 'tts', { model: other });
    assert.ok(!('keyId' in held) && held.waitUntil && Math.abs(held.waitUntil.getTime() - until.getTime()) < 2000, 'held until the retry time');
    assert.ok('keyId' in (await leaseKey(stack.db, 'tts', {})), 'the key still serves classic voices');
  });

  it("counts a Gemini-TTS call in its model's minute from its send, not its lease, once it has ended", async () => {
    const model = { name: `gemini-test-${process.pid}-send-tts`, rpm: 1 };
    const t0 = Date.now();
    const at = (ms: number) => () => new Date(t0 + ms);
    const lease = await leaseKey(stack.db, 'tts', { model, now: at(0) });
    assert.ok('keyId' in lease);
    // Its client took 5 s before the request left; the answer came 20 s after the lease.
    await restampModelRequests(stack.db, 'tts', model.name, { ...lease, sentAt: new Date(t0 + 5000) }, new Date(t0 + 20_000));
    const counted = t0 + 5000 + SEND_TO_ARRIVAL_MS;
    const early = await leaseKey(stack.db, 'tts', { model, now: at(MODEL_RPM_WINDOW_MS + 1) });
    assert.ok(!('keyId' in early), 'a minute after the lease the model still has no room');
    assert.equal(early.waitUntil?.getTime(), counted + MODEL_RPM_WINDOW_MS + 1, 'room a minute after the send, plus the bound');
    assert.ok('keyId' in (await leaseKey(stack.db, 'tts', { model, now: at(counted - t0 + MODEL_RPM_WINDOW_MS + 1) })));
  });
});
