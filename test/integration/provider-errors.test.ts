// Every Gemini and TTS outcome class driven through the simulators with the production SDK clients, and the
// simulators' own checks: Google's error JSON, quotas per key and per project, the fault control endpoint.
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';
import { GeminiScriptWriter, classifyGeminiError } from '../../adapters/gemini';
import { classifyTtsError, createTtsClient, synthesizeNarration } from '../../adapters/tts';
import { BoltError, ErrorCode, Stage } from '../../domain/errors';
import { masterPrompt } from '../../domain/prompts';
import type { GeminiSimOptions } from '../../simulators/gemini';
import { startSimulators, type SimulatorServer } from '../../simulators/server';
import type { TtsSimOptions } from '../../simulators/tts';

const agent = { name: 'a', premisePrompt: 'Explain it simply.', structurePrompt: 'Hook, three parts, close.', tone: 'warm', targetMinutes: 0.3 };
const KEY = 'table-key-0001';

interface Expected {
  code: ErrorCode;
  retryable: boolean;
  reason?: string;
  quotaScope?: 'minute' | 'day';
  /** Inclusive bounds of the retry delay, in ms. */
  retryAfterMs?: [number, number];
}

function assertClassified(err: unknown, e: Expected, name: string): void {
  assert.ok(err instanceof BoltError, `${name}: ${String(err)}`);
  assert.equal(err.code, e.code, `${name}: ${err.message}`);
  assert.equal(err.retryable, e.retryable, `${name}: retryable`);
  if (e.reason) assert.equal(err.options.reason, e.reason, `${name}: reason`);
  assert.equal(err.quotaScope, e.quotaScope, `${name}: quota scope`);
  if (e.retryAfterMs) {
    const ms = err.retryAfterMs ?? -1;
    assert.ok(ms >= e.retryAfterMs[0] && ms <= e.retryAfterMs[1], `${name}: retry after ${ms} ms`);
  } else {
    assert.equal(err.retryAfterMs, undefined, `${name}: no retry delay`);
  }
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

describe('provider error classes through the simulators', function () {
  this.timeout(120_000);
  let sim: SimulatorServer;
  before(async () => {
    sim = await startSimulators({ tts: { speech: 'tone' } });
  });
  after(() => sim.close());

  const geminiCases: Array<{ name: string; title?: string; options?: GeminiSimOptions; model?: string; warmup?: number; timeoutMs?: number; expected: Expected }> = [
    ...['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII'].map((r) => ({
      name: `finishReason ${r}`,
      title: `A title [sim:${r}]`,
      expected: { code: ErrorCode.contentBlocked, retryable: false, reason: r },
    })),
    { name: 'promptFeedback.blockReason', title: 'A title [sim:block:SAFETY]', expected: { code: ErrorCode.contentBlocked, retryable: false, reason: 'SAFETY' } },
    { name: 'safety block for a listed title', title: 'Forbidden topic', options: { safetyBlockTitles: ['Forbidden'] }, expected: { code: ErrorCode.contentBlocked, retryable: false, reason: 'SAFETY' } },
    { name: 'MAX_TOKENS', title: 'A title [sim:MAX_TOKENS]', expected: { code: ErrorCode.truncated, retryable: false, reason: 'MAX_TOKENS' } },
    {
      name: '429 per-minute project quota',
      options: { quota: { perProjectPerMinute: 2 } },
      warmup: 2,
      expected: { code: ErrorCode.quotaExhausted, retryable: true, quotaScope: 'minute', retryAfterMs: [1000, 60_000] },
    },
    {
      name: '429 per-day key quota',
      options: { quota: { perKeyPerDay: 1 } },
      warmup: 1,
      expected: { code: ErrorCode.quotaExhausted, retryable: true, quotaScope: 'day', retryAfterMs: [1000, 86_400_000] },
    },
    { name: '429 spent key', options: { exhaustedKeys: { [KEY]: { retryDelaySeconds: 7 } } }, expected: { code: ErrorCode.quotaExhausted, retryable: true, quotaScope: 'minute', retryAfterMs: [7000, 7000] } },
    { name: '400 API_KEY_INVALID', options: { invalidKeys: [KEY] }, expected: { code: ErrorCode.keyInvalid, retryable: true, reason: 'API_KEY_INVALID' } },
    { name: '403 permission denied', options: { deniedKeys: [KEY] }, expected: { code: ErrorCode.keyInvalid, retryable: true } },
    { name: '500', options: { errorRate: 1, errorStatus: 500 }, expected: { code: ErrorCode.providerUnavailable, retryable: true } },
    { name: '503', options: { errorRate: 1, errorStatus: 503 }, expected: { code: ErrorCode.providerUnavailable, retryable: true } },
    { name: '504', options: { errorRate: 1, errorStatus: 504 }, expected: { code: ErrorCode.providerUnavailable, retryable: true } },
    { name: 'timeout', options: { timeoutRate: 1 }, timeoutMs: 400, expected: { code: ErrorCode.providerUnavailable, retryable: true, reason: 'TIMEOUT' } },
    { name: '404 unknown model', model: 'no-such-model', expected: { code: ErrorCode.badRequest, retryable: false } },
  ];

  for (const c of geminiCases) {
    it(`Gemini: ${c.name}`, async () => {
      sim.gemini.options = c.options ?? {};
      sim.gemini.quotas.reset();
      const writer = new GeminiScriptWriter({ apiKey: KEY, baseUrl: sim.url, model: c.model ?? 'gemini-2.5-flash', timeoutMs: c.timeoutMs ?? 20_000 });
      const prompt = masterPrompt(agent, c.title ?? 'How volcanoes shape islands', 'en-US', 1);
      for (let i = 0; i < (c.warmup ?? 0); i++) await writer.write(prompt, Stage.master);
      assertClassified(await failure(writer.write(prompt, Stage.master)), c.expected, c.name);
    });
  }

  it('Gemini: any other 400 is a non-retryable bad request (invalid temperature, unknown field)', async () => {
    sim.gemini.options = {};
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: sim.url } });
    const err = await failure(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { temperature: 5 } }));
    assertClassified(classifyGeminiError(err, Stage.master), { code: ErrorCode.badRequest, retryable: false, reason: 'INVALID_ARGUMENT' }, 'temperature');
    const res = await fetch(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }], bogus: 1 }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.match(body.error.message, /Unknown name "bogus"/);
  });

  it('Gemini: a normal call succeeds and records token usage', async () => {
    sim.gemini.options = {};
    const writer = new GeminiScriptWriter({ apiKey: KEY, baseUrl: sim.url, model: 'gemini-2.5-flash' });
    const s = await writer.write(masterPrompt(agent, 'How bees find flowers', 'en-US', 1), Stage.master);
    assert.ok(s.blocks.length > 0 && s.outputTokens > 0 && s.inputTokens > 0);
  });

  const ttsCases: Array<{ name: string; options?: TtsSimOptions; voice?: string; warmup?: number; timeoutMs?: number; expected: Expected }> = [
    {
      name: '429 per-minute key quota',
      options: { quota: { perKeyPerMinute: 1 } },
      warmup: 1,
      expected: { code: ErrorCode.quotaExhausted, retryable: true, quotaScope: 'minute', retryAfterMs: [1000, 60_000] },
    },
    {
      name: '429 per-day project quota',
      options: { quota: { perProjectPerDay: 1 } },
      warmup: 1,
      expected: { code: ErrorCode.quotaExhausted, retryable: true, quotaScope: 'day', retryAfterMs: [1000, 86_400_000] },
    },
    { name: '400 API_KEY_INVALID', options: { invalidKeys: [KEY] }, expected: { code: ErrorCode.keyInvalid, retryable: true, reason: 'API_KEY_INVALID' } },
    { name: '403 permission denied', options: { deniedKeys: [KEY] }, expected: { code: ErrorCode.keyInvalid, retryable: true } },
    { name: '500', options: { errorRate: 1, errorStatus: 500 }, expected: { code: ErrorCode.providerUnavailable, retryable: true } },
    { name: '503', options: { errorRate: 1, errorStatus: 503 }, expected: { code: ErrorCode.providerUnavailable, retryable: true } },
    { name: 'timeout', options: { timeoutRate: 1, hangMs: 3000 }, timeoutMs: 400, expected: { code: ErrorCode.providerUnavailable, retryable: true, reason: 'TIMEOUT' } },
    { name: 'unknown voice', voice: 'pt-BR-Nonexistent-Z', expected: { code: ErrorCode.badRequest, retryable: false } },
  ];

  for (const c of ttsCases) {
    it(`TTS: ${c.name}`, async () => {
      sim.tts.options = { speech: 'tone', ...c.options };
      sim.tts.quotas.reset();
      const client = createTtsClient({ apiKey: KEY, baseUrl: sim.url });
      const req = { text: 'Uma frase curta. Outra frase.', language: 'pt-BR', voice: c.voice ?? 'pt-BR-Neural2-A', encoding: 'MP3' as const, timeoutMs: c.timeoutMs };
      for (let i = 0; i < (c.warmup ?? 0); i++) await synthesizeNarration(client, req);
      assertClassified(await failure(synthesizeNarration(client, req)), c.expected, c.name);
    });
  }

  it('TTS: input over 5,000 bytes, an over-long sentence and broken SSML are non-retryable bad requests', async () => {
    sim.tts.options = { speech: 'tone' };
    const client = createTtsClient({ apiKey: KEY, baseUrl: sim.url });
    const voice = { languageCode: 'pt-BR', name: 'pt-BR-Neural2-A' };
    const audioConfig = { audioEncoding: 'LINEAR16' as const };
    const inputs: Array<[string, { text: string } | { ssml: string }, RegExp]> = [
      ['too many bytes', { text: 'ação. '.repeat(900) }, /longer than the limit of 5000 bytes/],
      ['sentence too long', { text: `${'palavra '.repeat(200)}fim.` }, /sentences that are too long/],
      ['bare ampersand', { ssml: '<speak>Fish & chips</speak>' }, /Invalid SSML/],
      ['unclosed tag', { ssml: '<speak><s>Olá</speak>' }, /Invalid SSML/],
    ];
    for (const [name, input, message] of inputs) {
      const err = classifyTtsError(await failure(client.synthesizeSpeech({ input, voice, audioConfig })));
      assertClassified(err, { code: ErrorCode.badRequest, retryable: false }, name);
      assert.match(err.message, message, name);
    }
    // The same over-long texts succeed through the adapter, which plans requests around both limits.
    const n = await synthesizeNarration(client, { text: `${'palavra '.repeat(200)}fim. ${'ação. '.repeat(900)}`, language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'LINEAR16' });
    assert.ok(n.requestBytes.length >= 2);
  });

  it('quotas are per project: a second key of the same project gets 429 with a PerProject quota id', async () => {
    sim.tts.options = { speech: 'tone', quota: { perProjectPerMinute: 1 }, projects: { 'key-a': 'proj-1', 'key-b': 'proj-1', 'key-c': 'proj-2' } };
    sim.tts.quotas.reset();
    const req = { text: 'Olá.', language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'LINEAR16' as const };
    await synthesizeNarration(createTtsClient({ apiKey: 'key-a', baseUrl: sim.url }), req);
    await synthesizeNarration(createTtsClient({ apiKey: 'key-c', baseUrl: sim.url }), req);
    const res = await fetch(`${sim.url}/v1/text:synthesize?key=key-b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { text: 'Olá.' }, voice: { languageCode: 'pt-BR', name: 'pt-BR-Neural2-A' }, audioConfig: { audioEncoding: 'LINEAR16' } }),
    });
    assert.equal(res.status, 429);
    const body = (await res.json()) as { error: { status: string; details: Array<Record<string, unknown>> } };
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    const quota = body.error.details.find((d) => String(d['@type']).endsWith('QuotaFailure')) as { violations: Array<{ quotaId: string }> };
    assert.equal(quota.violations[0]!.quotaId, 'SynthesizeRequestsPerMinutePerProject');
    const retry = body.error.details.find((d) => String(d['@type']).endsWith('RetryInfo')) as { retryDelay: string };
    assert.match(retry.retryDelay, /^\d+(\.\d)?s$/);
  });

  it('faults are injected and cleared through POST/DELETE /_sim/faults', async () => {
    sim.tts.options = { speech: 'tone' };
    const post = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tts: { errorRate: 1, errorStatus: 500 } }) });
    assert.equal(post.status, 200);
    const client = createTtsClient({ apiKey: KEY, baseUrl: sim.url });
    const req = { text: 'Olá.', language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'LINEAR16' as const };
    assertClassified(await failure(synthesizeNarration(client, req)), { code: ErrorCode.providerUnavailable, retryable: true }, 'injected 500');
    const bad = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ nope: {} }) });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 200);
    const n = await synthesizeNarration(client, req);
    assert.ok(n.durationMs > 0);
  });

  it('answers malformed requests with 400 and Google\'s error JSON', async () => {
    const res = await fetch(`${sim.url}/v1/text:synthesize?key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input": ' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    assert.deepEqual([body.error.code, body.error.status], [400, 'INVALID_ARGUMENT']);
    assert.match(body.error.message, /Invalid JSON payload/);
  });
});
