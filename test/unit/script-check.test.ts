// The pure script check: language identification (franc), length against the estimator's table, artefacts.
import assert from 'node:assert/strict';
import { baseLanguage, canIdentify, identifyLanguage } from '../../domain/language-id';
import { targetWords } from '../../domain/prompts';
import { checkScript, cleanTrivial, findArtefacts, lengthTarget, measureLength, outcomeOf, withRejection } from '../../domain/script-check';
import { declarationBlocks } from '../../simulators/narration-text';
import { shippedCatalog } from '../../domain/catalog';
import { NO_CALIBRATION, calibrate, estimateBatch, languageProfile, type ScriptSample } from '../../domain/estimates';

const agent = { targetMinutes: 0.5 };
const blocksIn = (language: string, factor = 1) => declarationBlocks(`seed-${language}`, language, Math.round(lengthTarget(agent, language).target * factor), 3)!;

describe('language identification', () => {
  it('maps franc’s ISO 639-3 answers to our BCP-47 bases, grouping languages it cannot tell apart', () => {
    assert.equal(baseLanguage('eng'), 'en');
    assert.equal(baseLanguage('cmn-CN'), 'zh');
    assert.equal(baseLanguage('yue-HK'), 'zh');
    assert.equal(baseLanguage('arb'), 'ar');
    assert.equal(baseLanguage('nob'), 'nb');
    assert.equal(baseLanguage('pt-BR'), 'pt');
  });

  it('judges real text in every catalog language it has a model for, and says when it has none', () => {
    for (const l of ['en-US', 'pt-BR', 'es-ES', 'de-DE', 'fr-FR', 'ja-JP', 'cmn-CN', 'ko-KR', 'hi-IN', 'ar-XA', 'ru-RU', 'th-TH', 'nb-NO', 'ms-MY', 'fil-PH', 'yue-HK']) {
      const v = identifyLanguage(blocksIn(l).join('\n\n'), l);
      assert.equal(v.status, 'passed', `${l}: ${JSON.stringify(v)}`);
    }
    assert.equal(canIdentify('is-IS'), false);
    assert.deepEqual(identifyLanguage(blocksIn('is-IS').join(' '), 'is-IS'), { status: 'skipped', expected: 'is-IS', reason: 'the detector has no model for is-IS' });
  });

  it('fails a script in another language and names it', () => {
    const v = identifyLanguage(blocksIn('es-ES').join(' '), 'en-US');
    assert.equal(v.status, 'failed');
    assert.equal(v.status === 'failed' && v.detected, 'es');
    const p = identifyLanguage(blocksIn('en-US').join(' '), 'pt-BR');
    assert.equal(p.status === 'failed' && p.detected, 'en');
  });

  it('does not fail short Amharic that franc scores as Tigrinya, and still fails Tigrinya long enough to tell', () => {
    const words = (language: string, n: number, seed: string) => declarationBlocks(seed, language, n, 3)!.join('\n\n');
    // Seeded 20-word Amharic texts: without the pair's floor, ~1 in 100 of these is scored as Tigrinya.
    const verdicts = Array.from({ length: 1500 }, (_, i) => identifyLanguage(words('am-ET', 20, `am-${i}`), 'am-ET'));
    const shortSkips = verdicts.filter((v) => v.status === 'skipped');
    assert.ok(shortSkips.length >= 5, `expected some 20-word texts scored as ti, got ${shortSkips.length}`);
    assert.equal(verdicts.filter((v) => v.status === 'failed').length, 0);
    assert.match(shortSkips[0]!.status === 'skipped' ? shortSkips[0]!.reason : '', /^too short to tell am-ET from ti \(\d+ letters, 160 needed\)$/);
    const long = identifyLanguage(words('ti-ER', 60, 'ti-long'), 'am-ET');
    assert.equal(long.status, 'failed');
    assert.equal(long.status === 'failed' && long.detected, 'ti');
    const short = identifyLanguage(words('ti-ER', 20, 'ti-short'), 'am-ET');
    assert.equal(short.status, 'skipped');
    assert.equal(identifyLanguage(words('am-ET', 60, 'am-long'), 'am-ET').status, 'passed');
  });

  it('skips text too short to judge, and says so', () => {
    assert.deepEqual(identifyLanguage('Hello there.', 'en-US'), { status: 'skipped', expected: 'en-US', reason: 'too short to judge' });
  });
});

describe('script length', () => {
  it('counts words, or letters for languages written without spaces, against the estimator’s table', () => {
    assert.equal(measureLength('Two words. And three more!', 'en-US'), 5);
    assert.equal(measureLength('今日は、晴れです。', 'ja-JP'), 7);
    assert.deepEqual(lengthTarget({ targetMinutes: 2 }, 'en-US'), { unit: 'words', target: targetWords({ targetMinutes: 2 }, 'en-US') });
    const ja = lengthTarget({ targetMinutes: 2 }, 'ja-JP');
    assert.equal(ja.unit, 'characters');
    assert.equal(ja.target, Math.round(targetWords({ targetMinutes: 2 }, 'ja-JP') * languageProfile('ja-JP').charsPerWord * 0.85));
  });

  it('passes within ±15% and fails outside, either way', () => {
    for (const [factor, ok] of [[1, true], [1.12, true], [0.88, true], [1.3, false], [0.6, false]] as const) {
      for (const l of ['en-US', 'ja-JP']) {
        const { result } = checkScript({ title: 'T', blocks: blocksIn(l, factor) }, { language: l, agent });
        assert.equal(result.length.ok, ok, `${l} ×${factor}: ${JSON.stringify(result.length)}`);
        assert.equal(result.ok, ok);
      }
    }
  });
});

describe('artefacts', () => {
  const body = () => blocksIn('en-US');

  it('finds headings, bullets, stage directions, speaker labels, URLs and chatter', () => {
    const kinds = (blocks: string[]) => findArtefacts({ title: 'T', blocks }).map((a) => a.kind);
    assert.deepEqual(kinds(['## Part one\nText.']), ['heading']);
    assert.deepEqual(kinds(['- first point\n- second']), ['bullet']);
    assert.deepEqual(kinds(['[music] It begins.']), ['stage_direction']);
    assert.deepEqual(kinds(['(sound of waves) It begins.']), ['stage_direction']);
    assert.deepEqual(kinds(['Narrator: It begins.']), ['speaker_label']);
    assert.deepEqual(kinds(['See https://example.com for more.']), ['url']);
    assert.deepEqual(kinds(['Sure! Here is your script about tides.']), ['chatter', 'chatter']);
    assert.deepEqual(kinds(['Plain narration, nothing else: just words.']), []);
  });

  it('cleans trivial artefacts (emphasis, a leading Title:) and records them; the rest needs a new script', () => {
    const [first, ...rest] = body();
    const { result, script } = checkScript({ title: '**Tides**', blocks: [`Title: Tides\n**${first}**`, ...rest] }, { language: 'en-US', agent });
    assert.equal(result.ok, true, result.reasons.join('; '));
    assert.deepEqual(result.cleaned.map((a) => a.kind).sort(), ['markdown_emphasis', 'markdown_emphasis', 'title_label']);
    assert.equal(script.title, 'Tides');
    assert.equal(script.blocks[0], first);
    const dirty = checkScript({ title: 'T', blocks: [`[music] ${first}`, ...rest] }, { language: 'en-US', agent });
    assert.equal(dirty.result.ok, false);
    assert.match(dirty.result.reasons.join(' '), /stage direction "\[music\]"/);
  });

  it('keeps words when removing emphasis and leaves lone asterisks alone', () => {
    assert.deepEqual(cleanTrivial({ title: 't', blocks: ['A **bold** and *quiet* word, 5 * 3 = 15.'] }).blocks, ['A bold and quiet word, 5 * 3 = 15.']);
  });
});

describe('check outcomes and the regeneration prompt', () => {
  it('names the outcome from the attempts', () => {
    const ok = checkScript({ title: 'T', blocks: blocksIn('en-US') }, { language: 'en-US', agent }).result;
    const bad = checkScript({ title: 'T', blocks: blocksIn('en-US', 2) }, { language: 'en-US', agent }).result;
    assert.equal(outcomeOf([{ ...ok, attempt: 1 }]), 'passed');
    assert.equal(outcomeOf([{ ...bad, attempt: 1 }, { ...ok, attempt: 2 }]), 'regenerated');
    assert.equal(outcomeOf([{ ...bad, attempt: 1 }, { ...bad, attempt: 2 }]), 'failed');
  });

  it('adds the reasons to the prompt', () => {
    const p = withRejection({ systemInstruction: 's', prompt: 'TASK: MASTER SCRIPT' }, ['too long', 'in es']);
    assert.match(p.prompt, /^TASK: MASTER SCRIPT\nPREVIOUS ATTEMPT REJECTED: too long \| in es\./);
    assert.equal(p.systemInstruction, 's');
  });
});

describe('regenerations in the estimate', () => {
  const { prices } = shippedCatalog();
  const agentFull = { name: 'N', premisePrompt: 'Explain.', structurePrompt: 'Hook, body, end.', tone: 'warm', targetMinutes: 2 };
  const sample = (calls: number): ScriptSample => ({
    kind: 'master',
    language: 'en-US',
    masterLanguage: 'en-US',
    agent: agentFull,
    title: 'The story of tides',
    characters: 1680,
    outputTitleChars: 18,
    inputTokens: 120 * calls,
    outputTokens: 470 * calls,
    calls,
  });

  it('learns the share of scripts written twice, without counting the second call as bigger scripts', () => {
    const once = calibrate([sample(1), sample(1), sample(1), sample(1)]);
    const some = calibrate([sample(2), sample(1), sample(1), sample(1)]);
    assert.equal(once.regenerationRate, 0);
    assert.equal(some.regenerationRate, 0.25);
    assert.ok(Math.abs(some.inputTokens - once.inputTokens) < 1e-9, 'tokens are compared per call');
  });

  it('adds the expected regenerations to Gemini calls, tokens and cost', () => {
    const base = { mode: 'matrix' as const, titles: ['A', 'B', 'C', 'D'].map((t) => `Title ${t} of the day`), languages: [{ language: 'en-US', voice: 'en-US-Neural2-C' }, { language: 'pt-BR', voice: 'pt-BR-Neural2-A' }], variations: 1, masterLanguage: 'en-US', agent: agentFull, model: 'gemini-2.5-flash' };
    const plain = estimateBatch(base, prices);
    const withRegen = estimateBatch({ ...base, calibration: { ...NO_CALIBRATION, regenerationRate: 0.25 } }, prices);
    assert.equal(plain.providers.gemini.regenerations, 0);
    assert.equal(withRegen.providers.gemini.calls, plain.providers.gemini.calls + 2);
    assert.equal(withRegen.providers.gemini.regenerations, 2);
    assert.ok(Math.abs(withRegen.providers.gemini.inputTokens / plain.providers.gemini.inputTokens - 1.25) < 0.01);
    assert.ok(withRegen.cost.geminiUsd > plain.cost.geminiUsd * 1.24);
    assert.equal(withRegen.cost.ttsUsd, plain.cost.ttsUsd);
  });
});
