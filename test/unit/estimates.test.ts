// The pure estimator: counts for the three modes, variations, cache hits, sizes, cost by voice family,
// duration from quotas and latencies, and calibration from recent scripts.
import assert from 'node:assert/strict';
import { shippedCatalog, type PriceTable } from '../../domain/catalog';
import {
  EstimateError,
  NO_CALIBRATION,
  calibrate,
  estimateBatch,
  scriptCharacters,
  type EstimateInput,
  type ScriptSample,
} from '../../domain/estimates';
import { PlanError } from '../../domain/plan';
import { targetWords } from '../../domain/prompts';

const { prices } = shippedCatalog();
const agent = { name: 'Narrator', premisePrompt: 'Explain the topic with concrete facts.', structurePrompt: 'A hook, four blocks, a conclusion.', tone: 'warm', targetMinutes: 2 };
const titles = (n: number) => Array.from({ length: n }, (_, i) => `The story of invention number ${i + 1}`);

function input(over: Partial<EstimateInput>): EstimateInput {
  return {
    mode: 'matrix',
    titles: titles(4),
    languages: [
      { language: 'en-US', voice: 'en-US-Neural2-C' },
      { language: 'pt-BR', voice: 'pt-BR-Chirp3-HD-Aoede' },
      { language: 'de-DE', voice: 'de-DE-Standard-G' },
    ],
    variations: 1,
    masterLanguage: 'en-US',
    agent,
    model: 'gemini-2.5-flash',
    ...over,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('estimateBatch: counts', () => {
  it('matrix: titles × languages × variations jobs, one master per title and variation', () => {
    const e = estimateBatch(input({ variations: 3 }), prices);
    assert.deepEqual(e.counts, { jobs: 36, masters: 12, adaptations: 24, syntheses: 36, cacheHits: { masters: 0, adaptations: 0, syntheses: 0 } });
    assert.equal(e.providers.gemini.calls, 36);
    assert.deepEqual(e.languages.map((l) => [l.language, l.jobs, l.adaptations]), [['en-US', 12, 0], ['pt-BR', 12, 12], ['de-DE', 12, 12]]);
  });

  it('expand_languages: one title, every non-master language is an adaptation', () => {
    const e = estimateBatch(input({ mode: 'expand_languages', titles: ['A single title here'], variations: 2, masterLanguage: 'fr-FR' }), prices);
    assert.equal(e.counts.jobs, 6);
    assert.equal(e.counts.masters, 2);
    assert.equal(e.counts.adaptations, 6, 'the master language is not a job language, so every job adapts');
    assert.throws(() => estimateBatch(input({ mode: 'expand_languages' }), prices), PlanError);
  });

  it('expand_titles: N titles in the master language need no adaptation', () => {
    const e = estimateBatch(input({ mode: 'expand_titles', titles: titles(7), languages: [{ language: 'pt-BR', voice: 'pt-BR-Wavenet-A' }], masterLanguage: 'pt-BR', variations: 2 }), prices);
    assert.deepEqual([e.counts.jobs, e.counts.masters, e.counts.adaptations, e.counts.syntheses], [14, 14, 0, 14]);
    assert.throws(() => estimateBatch(input({ mode: 'expand_titles' }), prices), /exactly 1 language/);
  });

  it('counts cache hits from earlier batches and drops the work and cost they save', () => {
    const plain = estimateBatch(input({ variations: 2 }), prices);
    const cached = estimateBatch(
      input({
        variations: 2,
        cache: {
          masters: [{ titleIndex: 0, variation: 1 }, { titleIndex: 0, variation: 1 }, { titleIndex: 9, variation: 1 }],
          scripts: [{ titleIndex: 0, variation: 1, language: 'pt-BR' }, { titleIndex: 1, variation: 2, language: 'pt-BR' }, { titleIndex: 0, variation: 1, language: 'ja-JP' }],
          audio: [{ titleIndex: 2, variation: 2, language: 'de-DE' }, { titleIndex: 2, variation: 7, language: 'de-DE' }],
        },
      }),
      prices,
    );
    assert.deepEqual(cached.counts.cacheHits, { masters: 1, adaptations: 2, syntheses: 1 }, 'duplicates and cells outside the batch are ignored');
    assert.equal(cached.counts.masters, plain.counts.masters - 1);
    assert.equal(cached.counts.adaptations, plain.counts.adaptations - 2);
    assert.equal(cached.counts.syntheses, plain.counts.syntheses - 1);
    const de = (e: typeof plain) => e.languages.find((l) => l.language === 'de-DE')!;
    assert.equal(de(plain).ttsCharacters - de(cached).ttsCharacters, de(plain).charactersPerScript);
    assert.ok(cached.cost.totalUsd < plain.cost.totalUsd);
  });
});

describe('estimateBatch: size, tokens and cost', () => {
  it('sizes scripts from target minutes and each language’s speaking rate and word length', () => {
    const e = estimateBatch(input({}), prices);
    const en = e.languages.find((l) => l.language === 'en-US')!;
    const de = e.languages.find((l) => l.language === 'de-DE')!;
    assert.equal(en.wordsPerScript, targetWords(agent, 'en-US'));
    assert.ok(de.wordsPerScript < en.wordsPerScript, 'German is spoken with fewer words per minute');
    assert.ok(de.charactersPerScript / de.wordsPerScript > en.charactersPerScript / en.wordsPerScript, 'German words are longer');
    const longer = estimateBatch(input({ agent: { ...agent, targetMinutes: 4 } }), prices);
    assert.ok(Math.abs(longer.providers.tts.characters / e.providers.tts.characters - 2) < 0.01, 'twice the minutes, twice the characters');
  });

  it('prices TTS by voice family: Studio costs 40× Standard for the same characters', () => {
    const std = estimateBatch(input({ languages: [{ language: 'en-US', voice: 'en-US-Standard-A' }] }), prices);
    const studio = estimateBatch(input({ languages: [{ language: 'en-US', voice: 'en-US-Studio-O' }] }), prices);
    assert.equal(std.providers.tts.characters, studio.providers.tts.characters);
    assert.ok(Math.abs(studio.cost.ttsUsd / std.cost.ttsUsd - 40) < 1e-6);
    assert.deepEqual(Object.keys(studio.providers.tts.byFamily), ['studio']);
    assert.equal(studio.cost.geminiUsd, std.cost.geminiUsd, 'the voice does not change Gemini');
  });

  it('adds up: languages and providers agree with the totals', () => {
    const e = estimateBatch(input({ variations: 2 }), prices);
    assert.equal(sum(e.languages.map((l) => l.ttsCharacters)), e.providers.tts.characters);
    assert.ok(Math.abs(sum(Object.values(e.providers.tts.byFamily).map((f) => f.costUsd)) - e.cost.ttsUsd) < 1e-5);
    const geminiIn = e.providers.gemini.masters.inputTokens + sum(e.languages.map((l) => l.geminiInputTokens));
    assert.ok(Math.abs(geminiIn - e.providers.gemini.inputTokens) <= e.languages.length + 1);
    assert.ok(Math.abs(e.cost.totalUsd - (e.cost.geminiUsd + e.cost.ttsUsd)) < 1e-5);
    // Adapting reads the master and writes a script: more input than output tokens per call.
    const pt = e.languages.find((l) => l.language === 'pt-BR')!;
    assert.ok(pt.geminiInputTokens > pt.geminiOutputTokens);
  });

  it('uses the configured prices: a changed price table changes the cost, not the counts', () => {
    const dearer = structuredClone(prices) as PriceTable;
    dearer.gemini.models['gemini-2.5-flash']!.outputPerMillionTokens *= 2;
    dearer.tts.families['neural2']!.perMillionCharacters = 0;
    const a = estimateBatch(input({}), prices);
    const b = estimateBatch(input({}), dearer);
    assert.deepEqual(a.counts, b.counts);
    assert.ok(b.cost.geminiUsd > a.cost.geminiUsd);
    assert.equal(b.languages.find((l) => l.language === 'en-US')!.ttsCostUsd, 0);
    assert.throws(() => estimateBatch(input({ model: 'gemini-9-ultra' }), prices), EstimateError);
    assert.throws(() => estimateBatch(input({ languages: [{ language: 'en-US', voice: 'en-US-Robot-A' }] }), prices), /no known family/);
  });

  it('counts TTS requests by UTF-8 bytes: long Japanese scripts need more chunks than English ones', () => {
    const e = estimateBatch(input({ agent: { ...agent, targetMinutes: 20 }, languages: [{ language: 'en-US', voice: 'en-US-Neural2-C' }, { language: 'ja-JP', voice: 'ja-JP-Neural2-B' }] }), prices);
    const [en, ja] = e.languages;
    assert.ok(ja!.ttsRequests / ja!.syntheses > 1);
    assert.ok(ja!.ttsRequests / ja!.syntheses >= en!.ttsRequests / en!.syntheses);
  });
});

describe('estimateBatch: duration', () => {
  it('finishes sooner with more keys until concurrency binds, and names the bottleneck', () => {
    const big = input({ titles: titles(400), variations: 1 });
    const one = estimateBatch(big, prices);
    const more = estimateBatch({ ...big, keys: { gemini: 5, tts: 5 }, slots: { gemini: 200, tts: 200 } }, prices);
    assert.ok(more.duration.seconds < one.duration.seconds);
    assert.ok(['gemini', 'tts'].includes(one.duration.bottleneck));
    assert.equal(one.duration.latencies.measured, false);
    const slow = estimateBatch({ ...big, latencies: { geminiMasterMs: 60_000, geminiAdaptationMs: 60_000 } }, prices);
    assert.ok(slow.duration.seconds > one.duration.seconds, 'measured latencies replace the defaults');
    assert.equal(slow.duration.latencies.measured, true);
  });
});

describe('calibrate', () => {
  const sample = (over: Partial<ScriptSample>): ScriptSample => ({
    kind: 'master',
    language: 'en-US',
    masterLanguage: 'en-US',
    agent,
    title: 'The story of invention number 1',
    characters: 1000,
    outputTitleChars: 30,
    inputTokens: 0,
    outputTokens: 0,
    ...over,
  });

  it('learns script length per language and token ratios, and the estimate follows', () => {
    assert.deepEqual(calibrate([]), NO_CALIBRATION);
    const expectedEn = scriptCharacters(agent, 'en-US');
    const c = calibrate([sample({ characters: Math.round(expectedEn / 2) }), sample({ characters: Math.round(expectedEn / 2) })]);
    assert.ok(Math.abs(c.chars.en! - 0.5) < 0.01);
    assert.equal(c.inputTokens, 1, 'no token counts, no token correction');
    assert.equal(c.samples, 2);
    const plain = estimateBatch(input({}), prices);
    const cal = estimateBatch(input({ calibration: c }), prices);
    const en = (e: typeof plain) => e.languages.find((l) => l.language === 'en-US')!.charactersPerScript;
    assert.ok(Math.abs(en(cal) / en(plain) - 0.5) < 0.01);
    assert.equal(cal.languages.find((l) => l.language === 'pt-BR')!.charactersPerScript, plain.languages.find((l) => l.language === 'pt-BR')!.charactersPerScript, 'other languages keep their defaults');
    assert.equal(cal.basis.calibrationSamples, 2);

    const t = calibrate([sample({ characters: expectedEn, inputTokens: 10, outputTokens: 10 })]);
    assert.ok(t.inputTokens < 1 && t.outputTokens < 1, 'fewer real tokens than the default ratios expect');
  });
});
