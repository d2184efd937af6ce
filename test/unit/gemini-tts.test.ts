// Gemini-TTS family: catalog, request shape and chunk limits, simulator checks, and costing by tokens.
import assert from 'node:assert/strict';
import { planNarration } from '../../adapters/tts';
import { styleFor } from '../../activities/speech';
import { buildCatalog, familyOf, shippedCatalog, SHIPPED_VOICES_FILE } from '../../domain/catalog';
import { estimateBatch } from '../../domain/estimates';
import {
  audioTokens,
  buildGeminiTts,
  calibrateSpeechRate,
  geminiTtsUsd,
  geminiVoice,
  maxTextBytes,
  scriptTokens,
  shippedGeminiTtsCatalog,
  textTokens,
  voiceSelection,
} from '../../domain/gemini-tts';
import { voiceFeatures } from '../../domain/voice-features';
import { checkGeminiTtsRequest } from '../../simulators/gemini-tts';
import { HttpError } from '../../simulators/http';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const { catalog, prices } = shippedCatalog();
const gp = prices.geminiTts!;

describe('Gemini-TTS catalog', () => {
  it('has every (speaker, locale, model) of the documentation, with gender, model and a token price', () => {
    const g = shippedGeminiTtsCatalog();
    assert.equal(g.speakers.size, 30);
    assert.equal(g.models.size, 2);
    const gemini = catalog.voices.filter((v) => v.family === 'gemini');
    assert.equal(gemini.length, 30 * 88 * 2);
    for (const v of gemini) {
      assert.ok(v.model && v.speaker && ['MALE', 'FEMALE'].includes(v.ssmlGender), v.name);
      assert.ok(gp.models[v.model], `token price for ${v.model}`);
    }
    const kore = catalog.byName.get('am-ET-GeminiFlash25-Kore');
    assert.deepEqual([kore?.speaker, kore?.model, kore?.ssmlGender, kore?.language], ['Kore', 'gemini-2.5-flash-tts', 'FEMALE', 'am-ET']);
    assert.equal(catalog.byName.get('en-US-GeminiPro25-Charon')?.readiness, 'GA');
    assert.equal(catalog.byName.get('sw-KE-GeminiPro25-Charon')?.readiness, 'Preview');
  });

  it('gives the catalog at least 80 locales, numeric regions included', () => {
    assert.ok(catalog.languages.length >= 80, `${catalog.languages.length} locales`);
    for (const l of ['am-ET', 'ka-GE', 'lo-LA', 'mn-MN', 'sw-KE', 'es-419', 'ar-001']) assert.ok(catalog.byLanguage.get(l)?.length, l);
    assert.equal(familyOf('es-419-GeminiFlash25-Puck'), 'gemini');
  });

  it('survives a voices file without it (what voices sync writes) and can be left out', () => {
    const withIt = buildCatalog(SHIPPED_VOICES_FILE);
    assert.ok(withIt.byName.has('ka-GE-GeminiFlash25-Zephyr'));
    assert.ok(!buildCatalog(SHIPPED_VOICES_FILE, null).byName.has('ka-GE-GeminiFlash25-Zephyr'));
  });

  it('refuses a malformed family file', () => {
    assert.throws(() => buildGeminiTts({ source: { compiledOn: '2026-12-02', references: ['x'] }, models: [], speakers: [], locales: [], naturalSampleRateHertz: 24000 }));
  });

  it('takes a prompt and plain text only', () => {
    const f = voiceFeatures('mn-MN-GeminiFlash25-Kore');
    assert.deepEqual([f.ssml, f.pitch, f.timepoints], [false, false, false]);
    assert.deepEqual(styleFor('mn-MN-GeminiFlash25-Kore', 'calm narrator'), { prompt: 'calm narrator' });
    const classic = styleFor('en-US-Neural2-A', 'calm narrator');
    assert.equal(classic.prompt, undefined);
    assert.match(classic.note ?? '', /voiceStyle ignored: Neural2/);
    assert.deepEqual(styleFor('en-US-Neural2-A', undefined), {});
  });
});

describe('Gemini-TTS request shape and chunk limits', () => {
  it('sends the bare speaker, the locale and the model', () => {
    assert.deepEqual(voiceSelection('am-ET-GeminiPro25-Fenrir', 'am-ET'), { languageCode: 'am-ET', name: 'Fenrir', modelName: 'gemini-2.5-pro-tts' });
    assert.deepEqual(voiceSelection('en-US-Neural2-A', 'en-US'), { languageCode: 'en-US', name: 'en-US-Neural2-A' });
  });

  it('keeps text under the text limit, less the prompt, and plain (no SSML)', () => {
    const sentence = 'ሰላም ይህ የሙከራ ዓረፍተ ነገር ነው። ';
    const text = sentence.repeat(600);
    const prompt = 'Warm, unhurried documentary narrator. '.repeat(60);
    const plan = planNarration({ text, language: 'am-ET', voice: 'am-ET-GeminiFlash25-Kore', prompt, geminiTts: { limits: gp.limits, tokens: gp.tokens } });
    assert.ok(plan.length > 3);
    for (const r of plan) {
      assert.ok('text' in r.input, 'plain text');
      const t = (r.input as { text: string }).text;
      assert.ok(bytes(t) <= gp.limits.textBytes, `${bytes(t)} bytes`);
      assert.ok(bytes(t) + bytes(prompt) <= gp.limits.combinedBytes);
    }
    assert.equal(plan.map((r) => r.units.map((u) => u.text).join('')).join(''), text, 'chunks join back to the script');
    assert.ok(maxTextBytes({ textBytes: 4000, promptBytes: 4000, combinedBytes: 5000 }, 3000) <= 2000);
  });

  it('refuses a prompt over the documented limit before any call', () => {
    assert.throws(() => planNarration({ text: 'Hello.', language: 'en-US', voice: 'en-US-GeminiFlash25-Kore', prompt: 'é'.repeat(2001) }), /style prompt is 4002 bytes/);
  });
});

describe('Gemini-TTS simulator checks', () => {
  const ok = { voice: { languageCode: 'ka-GE', name: 'Kore', modelName: 'gemini-2.5-flash-tts' }, input: { text: 'გამარჯობა.', prompt: 'calm' } };
  const refused = (body: unknown, re: RegExp) =>
    assert.throws(
      () => checkGeminiTtsRequest(body as never),
      (e: unknown) => e instanceof HttpError && e.status === 400 && e.statusName === 'INVALID_ARGUMENT' && re.test(e.message),
    );

  it('accepts a documented request', () => {
    assert.deepEqual(checkGeminiTtsRequest(ok), { speaker: 'Kore', model: 'gemini-2.5-flash-tts', text: 'გამარჯობა.', prompt: 'calm' });
    assert.equal(checkGeminiTtsRequest({ voice: { languageCode: 'en-US', name: 'en-US-Neural2-A' }, input: { text: 'x' } }), undefined);
  });

  it('refuses a bare speaker without modelName, a locale the model lacks, and over-long text or prompt', () => {
    refused({ voice: { languageCode: 'ka-GE', name: 'Kore' }, input: { text: 'x' } }, /requires `voice.model_name`/);
    refused({ ...ok, voice: { ...ok.voice, languageCode: 'xh-ZA' } }, /not supported by model/);
    refused({ ...ok, voice: { ...ok.voice, modelName: 'gemini-9-tts' } }, /Model 'gemini-9-tts' is not supported/);
    refused({ ...ok, voice: { ...ok.voice, name: 'Nobody' } }, /does not exist/);
    refused({ ...ok, input: { text: 'a'.repeat(4001) } }, /input.text` is longer than the limit of 4000/);
    refused({ ...ok, input: { text: 'a', prompt: 'p'.repeat(4001) } }, /input.prompt` is longer than the limit of 4000/);
    refused({ voice: { languageCode: 'en-US', name: 'en-US-Neural2-A' }, input: { text: 'x', prompt: 'calm' } }, /only supported by Gemini-TTS/);
    refused({ ...ok, input: { ssml: '<speak>x</speak>' } }, /does not support SSML/);
  });
});

describe('Gemini-TTS costing by tokens', () => {
  it('counts text tokens in and audio tokens out at the documented rates', () => {
    assert.equal(textTokens('abcdefgh', gp.tokens), 2);
    assert.equal(textTokens('abcdefghi', gp.tokens), 3);
    assert.equal(audioTokens(10_000, gp.tokens), 320);
    const p = gp.models['gemini-2.5-flash-tts']!;
    assert.equal(geminiTtsUsd(gp, 'gemini-2.5-flash-tts', 1_000_000, 1_000_000), p.inputPerMillionTextTokens + p.outputPerMillionAudioTokens);
    assert.equal(geminiTtsUsd(gp, 'gemini-unknown-tts', 1000, 1000), 0);
  });

  it('estimates a Gemini-TTS language in tokens, never by characters', () => {
    const agent = { name: 'a', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1, voiceStyle: 'warm documentary narrator' };
    const base = { mode: 'matrix' as const, titles: ['One title here', 'Two title here'], variations: 1, masterLanguage: 'en-US', model: 'gemini-2.5-flash', agent };
    const e = estimateBatch({ ...base, languages: [{ language: 'en-US', voice: 'en-US-Neural2-A' }, { language: 'sw-KE', voice: 'sw-KE-GeminiPro25-Puck' }] }, prices);
    const sw = e.languages.find((l) => l.language === 'sw-KE')!;
    assert.ok(sw.ttsTokens && sw.ttsTokens.output > sw.ttsTokens.input);
    const one = scriptTokens({ characters: sw.charactersPerScript, requests: sw.ttsRequests / sw.syntheses, language: 'sw-KE', prompt: agent.voiceStyle }, gp.tokens);
    assert.deepEqual(sw.ttsTokens, { model: 'gemini-2.5-pro-tts', input: 2 * one.input, output: 2 * one.output });
    assert.equal(sw.ttsCostUsd, Math.round(geminiTtsUsd(gp, 'gemini-2.5-pro-tts', sw.ttsTokens.input, sw.ttsTokens.output) * 1e6) / 1e6);
    assert.equal(e.providers.tts.byFamily.gemini!.perMillionCharacters, null);
    assert.deepEqual(e.providers.tts.tokens, { input: sw.ttsTokens.input, output: sw.ttsTokens.output });
    // A longer style prompt costs more text tokens, the speech the same.
    const longer = estimateBatch({ ...base, agent: { ...agent, voiceStyle: agent.voiceStyle.repeat(10) }, languages: [{ language: 'sw-KE', voice: 'sw-KE-GeminiPro25-Puck' }] }, prices);
    assert.ok(longer.providers.tts.tokens.input > e.providers.tts.tokens.input);
    assert.equal(longer.providers.tts.tokens.output, e.providers.tts.tokens.output);
  });

  it('calibrates the speaking rate from measured narrations', () => {
    assert.equal(calibrateSpeechRate([]), 1);
    assert.equal(calibrateSpeechRate([{ characters: 1400, language: 'sw-KE', durationMs: 120_000 }]), 1.2);
    assert.equal(geminiVoice('sw-KE-GeminiPro25-Nobody'), undefined);
  });
});
