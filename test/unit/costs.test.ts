// Pricing of calls really made, and how a finished batch is set beside its estimate.
import assert from 'node:assert/strict';
import { shippedCatalog } from '../../domain/catalog';
import { billedCharacters, billedRequestCharacters, geminiCallUsd, ttsUsd } from '../../domain/costs';
import { compareFigure, estimateBatch, judgeEstimate } from '../../domain/estimates';

const { prices } = shippedCatalog();

describe('costs of calls made', () => {
  it('prices a Gemini call by its model: input and output tokens at their own rates', () => {
    const m = prices.gemini.models['gemini-2.5-flash']!;
    assert.equal(geminiCallUsd(prices, 'gemini-2.5-flash', 1_000_000, 0), m.inputPerMillionTokens);
    assert.equal(geminiCallUsd(prices, 'gemini-2.5-flash', 0, 1_000_000), m.outputPerMillionTokens);
    assert.equal(geminiCallUsd(prices, 'models/gemini-2.5-flash', 2000, 1000), (2000 * m.inputPerMillionTokens + 1000 * m.outputPerMillionTokens) / 1e6);
    assert.equal(geminiCallUsd(prices, 'gemini-9-unknown', 1000, 1000), 0, 'no price, no invented figure');
  });

  it('prices a synthesis by the voice family: Studio costs 40× Standard', () => {
    const standard = ttsUsd(prices, 'en-US-Standard-A', 10_000);
    const studio = ttsUsd(prices, 'en-US-Studio-O', 10_000);
    assert.equal(standard, (10_000 * prices.tts.families.standard!.perMillionCharacters) / 1e6);
    assert.equal(studio / standard, 40);
    assert.equal(ttsUsd(prices, 'pt-BR-Chirp3-HD-Kore', 1_000_000), prices.tts.families['chirp3-hd']!.perMillionCharacters);
  });

  it('bills characters as code points, not UTF-16 units or bytes', () => {
    assert.equal(billedCharacters('ação 🎉'), 6);
    assert.equal(billedCharacters('日本語'), 3);
  });

  it('bills a TTS request as sent: SSML tags count, <mark> tags do not', () => {
    assert.equal(billedRequestCharacters({ text: 'Olá, mundo.' }), 11);
    assert.equal(billedRequestCharacters({ ssml: '<speak><mark name="u0"/>Hi &amp; bye.</speak>' }), '<speak>Hi &amp; bye.</speak>'.length);
  });

  it('sets actual figures beside the estimate with the relative error', () => {
    assert.deepEqual(compareFigure(110, 100), { estimated: 110, actual: 100, error: 0.1 });
    assert.equal(compareFigure(5, 0).error, null);
    const estimate = estimateBatch(
      {
        mode: 'matrix',
        titles: ['One title'],
        languages: [{ language: 'en-US', voice: 'en-US-Neural2-C' }],
        variations: 1,
        masterLanguage: 'en-US',
        agent: { name: 'a', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 },
        model: 'gemini-2.5-flash',
      },
      prices,
    );
    const actual = { jobs: 1, completedJobs: 1, scripts: { masters: 1, adaptations: 0 }, ttsCharacters: 800, inputTokens: 300, outputTokens: 250, spentUsd: 0.02, wallSeconds: 12.4 };
    const judged = judgeEstimate(estimate, actual);
    assert.equal(judged.ttsCharacters.estimated, estimate.providers.tts.characters);
    assert.equal(judged.ttsCharacters.actual, 800);
    assert.equal(judged.geminiTokens.actual, 550);
    assert.deepEqual(judged.costUsd, compareFigure(estimate.cost.totalUsd, 0.02));
    assert.equal(judged.wallSeconds!.actual, 12);
    assert.equal(judgeEstimate(estimate, { ...actual, wallSeconds: null }).wallSeconds, null);
  });
});
